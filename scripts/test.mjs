// Runs the test tiers (the vitest projects of vitest.config.ts) one after another, each with the
// worker count it takes, prints each tier's wall time, and ends with one line over all tiers:
// "tests: N passed, N failed, N skipped", after the names of the failed tests and files (the end of
// the output is what a CI log keeps). Exits non-zero when any tier failed.
//
//   node scripts/test.mjs                   every tier: unit, console, store, system, browser, docker
//   node scripts/test.mjs system docker     those tiers
//   node scripts/test.mjs system -- cli     extra arguments after `--` go to vitest (a file filter)
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Workers per tier. unit files use the CPU (transform, import), one per core; store files wait on
 *  the database servers, but two store files create and retire Unix users as root (tenants,
 *  purge-history), so no more than two; system and docker files mostly wait on processes, health
 *  checks and the engine, so more of them than cores share the machine. browser files drive
 *  Chromium (several processes of its own) against a berthd that builds and runs apps: one at a
 *  time. */
const TIERS = {
  unit: 2,
  console: 2,
  store: 2,
  system: 4,
  browser: 1,
  docker: 3,
};

const args = process.argv.slice(2);
const dash = args.indexOf('--');
const named = dash < 0 ? args : args.slice(0, dash);
const extra = dash < 0 ? [] : args.slice(dash + 1);
const unknown = named.filter((t) => !(t in TIERS));
if (unknown.length > 0) {
  process.stderr.write(`unknown tier ${unknown.join(', ')}; tiers: ${Object.keys(TIERS).join(', ')}\n`);
  process.exit(2);
}
const tiers = named.length > 0 ? named : Object.keys(TIERS);
const vitest = path.join(
  path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
);
const SUMMARY = /^tests: (\d+) passed, (\d+) failed, (\d+) skipped$/m;

const rows = [];
for (const tier of tiers) {
  process.stdout.write(`\n== tier ${tier} (${TIERS[tier]} workers)\n`);
  const started = Date.now();
  const { code, output, errors } = await runVitest([
    'run',
    '--project',
    tier,
    `--maxWorkers=${process.env.BERTH_TEST_WORKERS ?? TIERS[tier]}`,
    '--passWithNoTests',
    ...extra,
  ]);
  const seconds = (Date.now() - started) / 1000;
  const m = SUMMARY.exec(output);
  const counts = m ? m.slice(1, 4).map(Number) : [0, 0, 0];
  // A tier that failed without counting a failed test (a crash, a setup error) still fails the run.
  const failed = code !== 0 && counts[1] === 0 ? 1 : counts[1];
  rows.push({
    tier,
    seconds,
    passed: counts[0],
    failed,
    skipped: counts[2],
    code,
    failures: failuresIn(`${output}\n${errors}`),
  });
  process.stdout.write(`== tier ${tier}: ${seconds.toFixed(1)} s, exit ${code}\n`);
}

const total = (key) => rows.reduce((sum, r) => sum + r[key], 0);
process.stdout.write('\ntier     time      passed  failed  skipped\n');
for (const r of rows) {
  process.stdout.write(
    `${r.tier.padEnd(8)} ${`${r.seconds.toFixed(1)} s`.padStart(8)}  ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${String(r.skipped).padStart(7)}\n`,
  );
}
process.stdout.write(`${'total'.padEnd(8)} ${`${total('seconds').toFixed(1)} s`.padStart(8)}\n`);
const failures = rows.flatMap((r) => r.failures.map((f) => `${r.tier}: ${f}`));
if (failures.length > 0) process.stdout.write(`\nfailed:\n${failures.map((f) => `  ${f}\n`).join('')}`);
process.stdout.write(
  `\ntests: ${total('passed')} passed, ${total('failed')} failed, ${total('skipped')} skipped\n`,
);
process.exit(rows.some((r) => r.code !== 0) ? 1 : 0);

/** The FAIL lines of vitest's output (a failed test or a file that could not run), each once, each
 *  with the first line of its error and where in the test file it was thrown: only the end of a CI
 *  log is kept, so the reason must be there too. */
function failuresIn(output) {
  const lines = output
    .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')
    .split('\n')
    .map((line) => line.trim());
  const found = new Map();
  lines.forEach((line, i) => {
    if (!line.startsWith('FAIL ')) return;
    const name = line.slice(5).trim();
    const after = lines.slice(i + 1, i + 40);
    const end = after.findIndex((l) => l.startsWith('FAIL ') || /^⎯{3,}/.test(l));
    const body = end < 0 ? after : after.slice(0, end);
    const error = body.find((l) => /^(\w*Error\b|Error:|expected |Timeout|Test timed out)/.test(l));
    const at = body.find((l) => /^❯ .*\.test\.tsx?:\d+/.test(l));
    const detail = [error, at].filter(Boolean).join(' ').slice(0, 400);
    if (!found.get(name)) found.set(name, detail);
  });
  return [...found].map(([name, detail]) => (detail ? `${name}\n      ${detail}` : name));
}

/** Runs vitest with an argument array, passing its output through and keeping a copy of each. */
function runVitest(vitestArgs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitest, ...vitestArgs], { stdio: ['inherit', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    // vitest reports failures on stderr: passed through, and kept for their names.
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      errors += chunk;
      process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output, errors }));
  });
}
