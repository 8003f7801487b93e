// `npm run bench`: runs the benchmarks of issue 5 (gateway, deploy, zero-downtime, footprint,
// recovery), issue 12's `cli`, issue 13's `console`, issue 15's `push`, issue 16's `gateway-drivers` and issue 18's `apigw`, prints one table per benchmark with the goals next to the measured values, and writes
// every raw figure to bench/results/<timestamp>.json. `npm run bench -- --help` lists the options.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchmarkName, type BenchOptions, parseOptions, USAGE, UsageError } from './lib/options.ts';
import { cleanupAll, killRunningNow } from './lib/procs.ts';
import { renderSuite, type SuiteResult, verdict } from './lib/report.ts';
import { apigwBenchmark } from './suites/apigw.ts';
import { cliBenchmark } from './suites/cli.ts';
import { consoleBenchmark } from './suites/console.ts';
import { deployBenchmark } from './suites/deploy.ts';
import { footprintBenchmark } from './suites/footprint.ts';
import { gatewayBenchmark } from './suites/gateway.ts';
import { gatewayDriversBenchmark } from './suites/gateway-drivers.ts';
import { pushBenchmark } from './suites/push.ts';
import { recoveryBenchmark } from './suites/recovery.ts';
import { zeroDowntimeBenchmark } from './suites/zero-downtime.ts';

type Suite = (options: BenchOptions, progress: (line: string) => void) => Promise<SuiteResult>;

const SUITES: Record<BenchmarkName, Suite> = {
  gateway: gatewayBenchmark,
  'gateway-drivers': gatewayDriversBenchmark,
  deploy: deployBenchmark,
  'zero-downtime': zeroDowntimeBenchmark,
  footprint: footprintBenchmark,
  recovery: recoveryBenchmark,
  cli: cliBenchmark,
  console: consoleBenchmark,
  push: pushBenchmark,
  apigw: apigwBenchmark,
};

/** Debian packages each benchmark needs on the PATH. */
const NEEDS: Partial<Record<BenchmarkName, Array<{ command: string; pkg: string }>>> = {
  gateway: [
    { command: 'wrk', pkg: 'wrk' },
    { command: 'nginx', pkg: 'nginx-light' },
  ],
  'gateway-drivers': [
    { command: 'wrk', pkg: 'wrk' },
    { command: 'nginx', pkg: 'nginx-light' },
    { command: 'openssl', pkg: 'openssl' },
  ],
  console: [{ command: 'chromium', pkg: 'chromium' }],
  apigw: [
    { command: 'wrk', pkg: 'wrk' },
    { command: 'nginx', pkg: 'nginx-light' },
  ],
};

function onPath(command: string): boolean {
  const dirs = (process.env['PATH'] ?? '').split(path.delimiter).concat(['/usr/sbin', '/sbin']);
  return dirs.some((dir) => {
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** First line of `command args` (nginx -v writes to stderr, wrk -v exits non-zero). */
function versionOf(command: string, args: string[], pattern: RegExp): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  const text = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  return pattern.exec(text)?.[0] ?? text.split('\n')[0]!.trim();
}

function machine() {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    kernel: os.release(),
    node: process.version,
    nginx: onPath('nginx') ? versionOf('nginx', ['-v'], /nginx\/[\d.]+/) : 'not installed',
    wrk: onPath('wrk') ? versionOf('wrk', ['-v'], /wrk [^\s]+/) : 'not installed',
    loadAverage: os.loadavg().map((n) => Number(n.toFixed(2))),
  };
}

async function main(): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const missing = new Map<string, string>();
  for (const name of options.benchmarks) {
    for (const need of NEEDS[name] ?? []) if (!onPath(need.command)) missing.set(need.command, need.pkg);
  }
  if (missing.size) {
    const pkgs = [...new Set(missing.values())].join(' ');
    process.stderr.write(
      `bench: missing ${[...missing.keys()].join(' and ')} (needed by the gateway, gateway-drivers, apigw or console benchmark).\n` +
        `  Install them with: apt-get install -y ${pkgs}\n` +
        '  or run the other benchmarks only, e.g. npm run bench -- deploy footprint\n',
    );
    return 2;
  }

  const startedAt = new Date();
  const info = machine();
  process.stdout.write(
    `Berth benchmarks${options.quick ? ' (quick: rough figures, for a smoke run)' : ''}: ${options.benchmarks.join(', ')}\n` +
      `machine: ${info.cores} cores (${info.cpuModel}), ${info.memoryGiB} GiB, Linux ${info.kernel}, Node ${info.node}, ` +
      `${info.nginx}, ${info.wrk}\n` +
      `load average at start: ${info.loadAverage.join(' ')} (figures from a busy machine are not comparable)\n`,
  );
  const progress = (line: string) => process.stderr.write(`  … ${line}\n`);
  const results: SuiteResult[] = [];
  const loadAfter = new Map<string, string[]>();
  let failed = false;
  for (const name of options.benchmarks) {
    const began = Date.now();
    let result: SuiteResult;
    try {
      result = await SUITES[name](options, progress);
    } catch (err) {
      failed = true;
      process.stderr.write(`bench: ${name} failed: ${(err as Error).stack ?? err}\n`);
      result = {
        name,
        tables: [],
        goals: [],
        raw: { error: (err as Error).message },
        skipped: `failed: ${(err as Error).message}`,
      };
    } finally {
      await cleanupAll();
    }
    const load = os.loadavg().map((n) => n.toFixed(2));
    results.push(result);
    loadAfter.set(name, load);
    process.stdout.write(renderSuite(result));
    process.stdout.write(
      `(${name}: ${((Date.now() - began) / 1000).toFixed(0)} s; load average after: ${load.join(' ')})\n`,
    );
  }

  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const json = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: info,
    options,
    results: results.map((r) => ({
      name: r.name,
      skipped: r.skipped,
      loadAverageAfter: loadAfter.get(r.name),
      goals: r.goals.map((g) => ({
        name: g.name,
        kind: g.kind,
        target: g.target,
        measured: g.measured,
        ...(g.interval ? { interval: g.interval } : {}),
        verdict: verdict(g),
      })),
      tables: r.tables,
      raw: r.raw,
    })),
  };
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`\nraw figures: ${path.relative(process.cwd(), file)}\n`);
  return failed ? 1 : 0;
}

let interrupted = false;
const interrupt = (signal: NodeJS.Signals) => {
  if (interrupted) {
    killRunningNow();
    process.exit(130);
  }
  interrupted = true;
  process.stderr.write(`\nbench: ${signal}, cleaning up (again to force)…\n`);
  cleanupAll().finally(() => {
    killRunningNow();
    process.exit(130);
  });
};
process.on('SIGINT', interrupt);
process.on('SIGTERM', interrupt);
process.on('exit', killRunningNow);

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (err) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
    await cleanupAll();
    process.exitCode = 1;
  },
);
