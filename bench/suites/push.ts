// Benchmark: push to serving. The real git client pushes a commit of an example app to its hosted
// repository on a real berthd (process runtime); measured from `git push` until the app's staging URL
// serves the commit's marker, and until `git push` itself returns (it follows the deploy to the end).
// Each app is pushed once unmeasured first (its identities, the repository, caches), then
// `rounds` times with a new marker, interleaved across the apps.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BenchBerthd, REPO, RUN_ID, startBenchBerthd, waitServes } from '../lib/berthd.ts';
import type { BenchOptions } from '../lib/options.ts';
import type { Goal, SuiteResult, Table } from '../lib/report.ts';
import { median, seconds } from '../lib/stats.ts';

interface PushApp {
  label: string;
  example: string;
  code: string;
  /** Writes `marker` into the work tree where the app shows it; returns the path that shows it. */
  mark(dir: string, marker: string): string;
  noDependencies: boolean;
  serving: number[];
  pushed: number[];
}

function replaceIn(file: string, pattern: RegExp, replacement: string): void {
  const text = fs.readFileSync(file, 'utf8');
  const changed = text.replace(pattern, replacement);
  if (changed === text) throw new Error(`${file}: nothing to mark`);
  fs.writeFileSync(file, changed);
}

function apps(): PushApp[] {
  // Each app its own arrays (a shared object spread into each would share them).
  const base = () => ({ serving: [] as number[], pushed: [] as number[] });
  return [
    {
      ...base(),
      label: 'examples/node-hello (2 web instances)',
      example: 'node-hello',
      code: `bn${RUN_ID}pn`,
      noDependencies: true,
      mark: (dir, marker) => {
        replaceIn(path.join(dir, 'berth.yaml'), /GREETING: .*/, `GREETING: ${marker}`);
        return '';
      },
    },
    {
      ...base(),
      label: 'examples/static-site',
      example: 'static-site',
      code: `bn${RUN_ID}ps`,
      noDependencies: true,
      mark: (dir, marker) => {
        fs.writeFileSync(path.join(dir, 'public', 'marker.txt'), `${marker}\n`);
        return 'marker.txt';
      },
    },
    {
      ...base(),
      label: 'examples/python-hello',
      example: 'python-hello',
      code: `bn${RUN_ID}pp`,
      noDependencies: true,
      mark: (dir, marker) => {
        replaceIn(path.join(dir, 'berth.yaml'), /GREETING: .*/, `GREETING: ${marker}`);
        return '';
      },
    },
  ];
}

function git(args: string[], cwd: string, home: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: home,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_TERMINAL_PROMPT: '0',
        GIT_AUTHOR_NAME: 'Bench',
        GIT_AUTHOR_EMAIL: 'bench@example.com',
        GIT_COMMITTER_NAME: 'Bench',
        GIT_COMMITTER_EMAIL: 'bench@example.com',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

async function ok(args: string[], cwd: string, home: string): Promise<void> {
  const run = await git(args, cwd, home);
  if (run.code !== 0) throw new Error(`git ${args[0]} failed: ${run.stderr.slice(-500)}`);
}

/** One push of `marker`: resolves with (push -> serving, push -> git push returned) in ms. */
async function pushOnce(
  b: BenchBerthd,
  app: PushApp,
  work: string,
  home: string,
  marker: string,
): Promise<{ serving: number; pushed: number }> {
  const at = app.mark(work, marker);
  await ok(['add', '-A'], work, home);
  await ok(['commit', '-q', '-m', marker], work, home);
  const t0 = performance.now();
  const pushing = git(['push', '-q', 'origin', 'HEAD:main'], work, home).then((run) => {
    if (run.code !== 0) throw new Error(`git push failed: ${run.stderr.slice(-800)}`);
    return performance.now() - t0;
  });
  await waitServes(`${b.appsUrl}/t/${app.code}/${at}`, marker, 180_000);
  const serving = performance.now() - t0;
  return { serving, pushed: await pushing };
}

export async function pushBenchmark(
  options: BenchOptions,
  progress: (line: string) => void,
): Promise<SuiteResult> {
  const list = apps();
  const b = await startBenchBerthd('push', { BERTH_RUNTIME: 'process' });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-push-'));
  const home = path.join(scratch, 'home');
  fs.mkdirSync(home);
  try {
    const { secret } = await b.client.createMyToken({ name: 'bench-push' });
    const works = new Map<PushApp, string>();
    for (const app of list) {
      await b.createApp(app.code);
      const work = path.join(scratch, app.code);
      fs.cpSync(path.join(REPO, 'examples', app.example), work, { recursive: true });
      await ok(['init', '-q', '-b', 'main'], work, home);
      const remote = new URL(`${b.url}/git/${app.code}.git`);
      remote.username = 'admin';
      remote.password = secret;
      await ok(['remote', 'add', 'origin', remote.toString()], work, home);
      works.set(app, work);
      progress(`push: ${app.example}: first (unmeasured) push`);
      await pushOnce(b, app, work, home, `bench-${RUN_ID}-${app.example}-warm`);
    }
    for (let rep = 0; rep < options.rounds; rep++) {
      for (const app of list) {
        const m = await pushOnce(b, app, works.get(app)!, home, `bench-${RUN_ID}-${app.example}-${rep}`);
        app.serving.push(m.serving);
        app.pushed.push(m.pushed);
        progress(
          `push: ${app.example} rep ${rep + 1}: serving ${seconds(m.serving)}, push returned ${seconds(m.pushed)}`,
        );
      }
    }
  } finally {
    await b.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const table: Table = {
    title: `push to serving: git push of an example app to its hosted repository -> its stag URL serves the commit, process runtime, medians of ${options.rounds}`,
    columns: ['app', 'push -> serving', 'push -> git push returned', 'runs (serving)'],
    rows: list.map((app) => [
      app.label,
      seconds(median(app.serving)),
      seconds(median(app.pushed)),
      app.serving.map((v) => seconds(v)).join(' / '),
    ]),
    notes: [
      'git push returns once the deploy it started has finished (its output follows the deploy), so it ends after the 2 s drain of the replaced instances.',
      'Each push builds: every commit is new code (build reuse applies to the same commit deployed again).',
    ],
  };
  const goals: Goal[] = list
    .filter((app) => app.noDependencies)
    .map((app) => ({
      name: `${app.example}: push -> serving`,
      kind: 'max' as const,
      target: 3_000,
      measured: median(app.serving),
      format: seconds,
    }));
  return {
    name: 'push',
    tables: [table],
    goals,
    raw: list.map((app) => ({ example: app.example, serving: app.serving, pushed: app.pushed })),
  };
}
