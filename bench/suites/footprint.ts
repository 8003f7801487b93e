// Benchmark 4: footprint. berthd's resident memory idle and with 100 small apps deployed (a one-file
// Node app, one instance each, deployed with bounded concurrency), and API latency under 10
// concurrent clients: `GET /api/v1/apps`, and a deploy request (the upload's answer, 202).
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BenchBerthd,
  gatewayWorkerPids,
  mapLimit,
  RUN_ID,
  startBenchBerthd,
  waitDeploy,
  waitServes,
} from '../lib/berthd.ts';
import type { BenchOptions } from '../lib/options.ts';
import { tinyAppPackage } from '../lib/packages.ts';
import { pssBytes, rssBytes } from '../lib/procs.ts';
import type { Goal, SuiteResult, Table } from '../lib/report.ts';
import { count, mb, median, ms, percentile, seconds } from '../lib/stats.ts';

const CLIENTS = 10;
const DEPLOY_CONCURRENCY = 8;

/**
 * Memory of berthd: its own process plus its gateway workers, not the app instances it supervises.
 * RSS counts the pages of the node binary every process maps once per process; PSS (proportional
 * set size) splits each shared page among the processes that map it, so its sum is what the
 * processes cost together.
 */
export function berthdRss(pid: number): { primary: number; workers: number; total: number; pss: number } {
  const workerPids = gatewayWorkerPids(pid);
  const primary = rssBytes(pid);
  const workers = workerPids.reduce((sum, w) => sum + rssBytes(w), 0);
  const pss = [pid, ...workerPids].reduce((sum, p) => sum + pssBytes(p), 0);
  return { primary, workers, total: primary + workers, pss };
}

/** Samples RSS every 500 ms for `durationMs`, returns the median sample. */
async function sampleRss(pid: number, durationMs: number) {
  const samples: Array<ReturnType<typeof berthdRss>> = [];
  const until = Date.now() + durationMs;
  while (Date.now() < until) {
    samples.push(berthdRss(pid));
    await sleep(500);
  }
  return {
    primary: median(samples.map((s) => s.primary)),
    workers: median(samples.map((s) => s.workers)),
    total: median(samples.map((s) => s.total)),
    pss: median(samples.map((s) => s.pss)),
  };
}

/** `total` requests spread over `CLIENTS` concurrent loops; latencies in ms. */
async function latencies(total: number, request: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await request(i);
        out.push(performance.now() - t0);
      }
    }),
  );
  return out;
}

async function listLatencies(b: BenchBerthd, total: number): Promise<number[]> {
  // Warm the route first (JIT, prepared statements).
  for (let i = 0; i < 20; i++) await b.client.listApps();
  return latencies(total, async () => {
    await b.client.listApps();
  });
}

/** Idle RSS of a berthd serving the gateway from its own process (BERTH_GATEWAY_WORKERS=0). */
async function idleSingleProcess(options: BenchOptions) {
  const b = await startBenchBerthd('footprint-single', { BERTH_GATEWAY_WORKERS: '0' });
  try {
    await sleep(2_000);
    return await sampleRss(b.child.pid!, options.quick ? 2_000 : 5_000);
  } finally {
    await b.close();
  }
}

export async function footprintBenchmark(
  options: BenchOptions,
  progress: (line: string) => void,
): Promise<SuiteResult> {
  const idleSingle = await idleSingleProcess(options);
  const b = await startBenchBerthd('footprint');
  const appCount = options.footprintApps;
  const codes = Array.from({ length: appCount }, (_, i) => `bn${RUN_ID}f${i}`);
  const listRequests = options.quick ? 100 : 500;
  let raw: Record<string, unknown>;
  try {
    await sleep(2_000);
    const idle = await sampleRss(b.child.pid!, options.quick ? 2_000 : 5_000);
    const listIdle = await listLatencies(b, listRequests);
    progress(`footprint: idle RSS ${mb(idle.total)}; deploying ${appCount} apps`);

    const pkg = await tinyAppPackage(`fp-${RUN_ID}`);
    const t0 = performance.now();
    let done = 0;
    await mapLimit(codes, DEPLOY_CONCURRENCY, async (code) => {
      await b.createApp(code);
      const { deploy } = await b.client.uploadDeploy(code, 'prod', pkg);
      await waitDeploy(b.client, deploy.id, 600_000);
      if (++done % 10 === 0) progress(`footprint: ${done}/${appCount} apps deployed`);
    });
    const deployAllMs = performance.now() - t0;
    for (const code of codes) await waitServes(`${b.appsUrl}/o/${code}/`, 'tiny');
    await sleep(2_000);
    const loaded = await sampleRss(b.child.pid!, options.quick ? 2_000 : 5_000);
    const listLoaded = await listLatencies(b, listRequests);

    // Deploy requests from 10 concurrent clients, each to its own app (the upload's answer only).
    const deployRequests = Math.min(appCount, options.quick ? 10 : 30);
    const deployIds: string[] = [];
    const deployLatencies = await latencies(deployRequests, async (i) => {
      const { deploy } = await b.client.uploadDeploy(codes[i % codes.length]!, 'prod', pkg);
      deployIds.push(deploy.id);
    });
    await mapLimit(deployIds, 10, (id) => waitDeploy(b.client, id, 600_000));
    const after = berthdRss(b.child.pid!);
    raw = { appCount, idleSingle, idle, loaded, after, deployAllMs, listIdle, listLoaded, deployLatencies };
  } finally {
    await b.close();
  }
  return report(options, raw as Parameters<typeof report>[1]);
}

function report(
  options: BenchOptions,
  r: {
    appCount: number;
    idleSingle: ReturnType<typeof berthdRss>;
    idle: ReturnType<typeof berthdRss>;
    loaded: ReturnType<typeof berthdRss>;
    after: ReturnType<typeof berthdRss>;
    deployAllMs: number;
    listIdle: number[];
    listLoaded: number[];
    deployLatencies: number[];
  },
): SuiteResult {
  const memory: Table = {
    title: `footprint: berthd resident memory (median of samples every 500 ms), ${r.appCount} tiny Node apps`,
    columns: ['state', 'berthd RSS', 'of which gateway workers', 'PSS'],
    rows: [
      [
        'idle, no apps, gateway in-process (BERTH_GATEWAY_WORKERS=0)',
        mb(r.idleSingle.total),
        mb(r.idleSingle.workers),
        mb(r.idleSingle.pss),
      ],
      [
        'idle, no apps (default: a gateway worker per core)',
        mb(r.idle.total),
        mb(r.idle.workers),
        mb(r.idle.pss),
      ],
      [`${r.appCount} apps deployed and serving`, mb(r.loaded.total), mb(r.loaded.workers), mb(r.loaded.pss)],
      ['after the concurrent deploy requests', mb(r.after.total), mb(r.after.workers), mb(r.after.pss)],
    ],
    notes: [
      `The ${r.appCount} deploys (${DEPLOY_CONCURRENCY} uploads in flight, berthd's default 2 job workers) took ${seconds(r.deployAllMs)}.`,
      "berthd's own process(es), not the app instances it supervises; berthd runs as `npm start` runs it (the",
      "compiled bundle). RSS sums each process's resident pages, so the node binary's shared code counts once per",
      'process; PSS divides shared pages among the processes that map them (what the processes cost together).',
    ],
  };
  const api: Table = {
    title: `footprint: API latency, ${CLIENTS} concurrent clients`,
    columns: ['request', 'apps', 'requests', 'p50', 'p99'],
    rows: [
      [
        'GET /api/v1/apps',
        '0',
        count(r.listIdle.length),
        ms(percentile(r.listIdle, 50)),
        ms(percentile(r.listIdle, 99)),
      ],
      [
        'GET /api/v1/apps',
        String(r.appCount),
        count(r.listLoaded.length),
        ms(percentile(r.listLoaded, 50)),
        ms(percentile(r.listLoaded, 99)),
      ],
      [
        'POST …/deploys (upload, answer 202)',
        String(r.appCount),
        count(r.deployLatencies.length),
        ms(percentile(r.deployLatencies, 50)),
        ms(percentile(r.deployLatencies, 99)),
      ],
    ],
  };
  const MB = 1024 * 1024;
  // The goals name RSS; the RSS of several processes double-counts the code they share, so each goal
  // is judged on the RSS sum (strict), on PSS (what the processes cost together) and, for idle, on
  // the single-process mode too.
  const goals: Goal[] = [
    {
      name: 'berthd RSS idle (sum over processes)',
      kind: 'max',
      target: 120 * MB,
      measured: r.idle.total,
      format: mb,
    },
    {
      name: 'berthd idle, PSS of all processes',
      kind: 'max',
      target: 120 * MB,
      measured: r.idle.pss,
      format: mb,
    },
    {
      name: 'berthd RSS idle, gateway in-process',
      kind: 'max',
      target: 120 * MB,
      measured: r.idleSingle.total,
      format: mb,
    },
    {
      name: `berthd RSS with ${r.appCount} apps (sum over processes)`,
      kind: 'max',
      target: 250 * MB,
      measured: r.loaded.total,
      format: mb,
    },
    {
      name: `berthd with ${r.appCount} apps, PSS of all processes`,
      kind: 'max',
      target: 250 * MB,
      measured: r.loaded.pss,
      format: mb,
    },
  ];
  if (r.appCount !== 100)
    memory.notes!.push(`(${options.quick ? 'quick run: ' : ''}the goal is stated for 100 apps)`);
  return { name: 'footprint', tables: [memory, api], goals, raw: r };
}
