// Benchmark 5: recovery. With N apps serving (tiny Node apps, one instance each), berthd is killed
// with SIGKILL and started again on the same data directory and port; the time from the kill until
// every app answers 200 through the gateway again is measured, at least 3 times.
import {
  buildBerthd,
  mapLimit,
  REPO,
  RUN_ID,
  startBenchBerthd,
  waitDeploy,
  waitServes,
} from '../lib/berthd.ts';
import type { BenchOptions } from '../lib/options.ts';
import { tinyAppPackage } from '../lib/packages.ts';
import { exited, start } from '../lib/procs.ts';
import type { Goal, SuiteResult, Table } from '../lib/report.ts';
import { median, seconds } from '../lib/stats.ts';

interface Rep {
  /** SIGKILL sent -> the new berthd's /healthz answers 200. */
  apiMs: number;
  /** SIGKILL sent -> every app answered 200. */
  allServingMs: number;
  /** node loading berthd's compiled code and exiting on a bad setting (no start). */
  loadMs: number;
}

async function timeModuleLoad(): Promise<number> {
  const main = await buildBerthd();
  const t0 = performance.now();
  // Every static import is loaded before the config is read; an invalid port then ends it (exit 2).
  const child = start(process.execPath, [main], { cwd: REPO, env: { ...process.env, BERTH_PORT: 'none' } });
  await exited(child);
  if (child.exitCode !== 2) throw new Error(`loading berthd's modules failed (exit ${child.exitCode})`);
  return performance.now() - t0;
}

export async function recoveryBenchmark(
  options: BenchOptions,
  progress: (line: string) => void,
): Promise<SuiteResult> {
  const b = await startBenchBerthd('recovery');
  const codes = Array.from({ length: options.recoveryApps }, (_, i) => `bn${RUN_ID}r${i}`);
  const reps: Rep[] = [];
  try {
    const pkg = await tinyAppPackage(`rc-${RUN_ID}`);
    await mapLimit(codes, 4, async (code) => {
      await b.createApp(code);
      const { deploy } = await b.client.uploadDeploy(code, 'prod', pkg);
      await waitDeploy(b.client, deploy.id);
    });
    const urls = codes.map((code) => `${b.appsUrl}/o/${code}/`);
    for (const url of urls) await waitServes(url, 'tiny');

    for (let rep = 0; rep < options.rounds; rep++) {
      const t0 = performance.now();
      await b.kill('SIGKILL');
      let apiMs = Number.NaN;
      const restarted = b.restart().then(() => {
        apiMs = performance.now() - t0;
      });
      // Every app polled on its own; the clock stops when the last one answers.
      await Promise.all(urls.map((url) => waitServes(url, 'tiny', 120_000)));
      const allServingMs = performance.now() - t0;
      await restarted;
      reps.push({ apiMs, allServingMs, loadMs: await timeModuleLoad() });
      progress(`recovery: rep ${rep + 1}: all ${codes.length} apps serving after ${seconds(allServingMs)}`);
    }
  } finally {
    await b.close();
  }
  const table: Table = {
    title: `recovery: SIGKILL berthd with ${codes.length} apps serving, start it again, medians of ${options.rounds}`,
    columns: ['measure', 'median', 'runs'],
    rows: [
      [
        "reference: node loading berthd's compiled code, no start",
        seconds(median(reps.map((r) => r.loadMs))),
        reps.map((r) => seconds(r.loadMs)).join(' / '),
      ],
      [
        'kill -> berthd answers /healthz',
        seconds(median(reps.map((r) => r.apiMs))),
        reps.map((r) => seconds(r.apiMs)).join(' / '),
      ],
      [
        `kill -> all ${codes.length} apps answer 200`,
        seconds(median(reps.map((r) => r.allServingMs))),
        reps.map((r) => seconds(r.allServingMs)).join(' / '),
      ],
    ],
    notes: [
      'berthd is started the way `npm start` does (the compiled bundle); the time includes loading it.',
      'Instances of the process runtime keep running while berthd is down and are adopted by the new berthd.',
    ],
  };
  const goals: Goal[] = [
    {
      name: 'every app serving again after a berthd restart',
      kind: 'max',
      target: 5_000,
      measured: median(reps.map((r) => r.allServingMs)),
      format: seconds,
    },
  ];
  return { name: 'recovery', tables: [table], goals, raw: { apps: codes.length, reps } };
}
