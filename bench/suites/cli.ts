// Benchmark 6: the `berth` command's start-up. `berth --version` (no request) and `berth whoami`
// (stored credentials, one API request to a running berthd) from the bundle users install
// (scripts/build-cli.mjs), timed from spawn to exit, interleaved with two references: node itself
// starting (`node -e ''`, the floor no CLI in Node.js goes under) and the CLI's TypeScript sources
// run through tsx (how `berth` ran before it was bundled).
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ADMIN_PASSWORD, REPO, startBenchBerthd } from '../lib/berthd.ts';
import type { BenchOptions } from '../lib/options.ts';
import { onCleanup } from '../lib/procs.ts';
import type { Goal, SuiteResult, Table } from '../lib/report.ts';
import { median, ms } from '../lib/stats.ts';

const execFileAsync = promisify(execFile);

interface Case {
  name: string;
  args: string[];
}

/** Spawn to exit of one run, in ms; fails on a non-zero exit. */
function timeRun(args: string[], env: Record<string, string>, input?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.stdin.end(input ?? '');
    child.on('error', reject);
    child.on('close', (code) => {
      const elapsed = performance.now() - t0;
      if (code === 0) resolve(elapsed);
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

export async function cliBenchmark(
  options: BenchOptions,
  progress: (line: string) => void,
): Promise<SuiteResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-cli-'));
  onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const bundle = path.join(dir, 'berth.mjs');
  await execFileAsync(process.execPath, [path.join(REPO, 'scripts/build-cli.mjs'), '--outfile', bundle], {
    cwd: REPO,
  });
  const b = await startBenchBerthd('cli');
  try {
    // The CLI's own home: the credentials `berth login` stores, nothing of the caller's BERTH_*.
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOME: dir,
      XDG_CONFIG_HOME: path.join(dir, 'config'),
    };
    await timeRun([bundle, 'login', b.url, '-u', 'admin', '--password-stdin'], env, `${ADMIN_PASSWORD}\n`);
    const sources = ['--import', 'tsx', path.join(REPO, 'packages/cli/src/main.ts')];
    const cases: Case[] = [
      { name: "reference: node -e ''", args: ['-e', ''] },
      { name: 'berth --version', args: [bundle, '--version'] },
      { name: 'berth whoami', args: [bundle, 'whoami'] },
      { name: 'reference: berth --version from the sources (tsx)', args: [...sources, '--version'] },
      { name: 'reference: berth whoami from the sources (tsx)', args: [...sources, 'whoami'] },
    ];
    const runs = options.quick ? 5 : 20;
    const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
    // One warm-up each (the page cache), then interleaved runs.
    for (const c of cases) await timeRun(c.args, env);
    for (let i = 0; i < runs; i++) {
      for (const c of cases) times.get(c.name)!.push(await timeRun(c.args, env));
    }
    progress(`cli: ${runs} runs of each`);
    const med = (name: string) => median(times.get(name)!);
    const table: Table = {
      title: `cli: spawn to exit, medians of ${runs} interleaved runs (whoami asks a running berthd)`,
      columns: ['command', 'median', 'min', 'max'],
      rows: cases.map((c) => {
        const values = times.get(c.name)!;
        return [c.name, ms(med(c.name)), ms(Math.min(...values)), ms(Math.max(...values))];
      }),
      notes: [
        'berth is the bundle `npm pack -w packages/cli` ships (scripts/build-cli.mjs): one file, no TypeScript loader.',
        "node -e '' is node's own start-up on this machine: what any Node.js CLI pays before its code runs.",
      ],
    };
    const goals: Goal[] = ['berth --version', 'berth whoami'].map((name) => ({
      name: `${name} (spawn to exit)`,
      kind: 'max',
      target: 200,
      measured: med(name),
      format: (v: number) => ms(v, 0),
    }));
    return { name: 'cli', tables: [table], goals, raw: { runs, times: Object.fromEntries(times) } };
  } finally {
    await b.close();
  }
}
