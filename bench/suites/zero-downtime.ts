// Benchmark 3: zero downtime, on the process runtime and (when this engine is a swarm manager) on
// Swarm. A keep-alive load generator in its own process (bench/lib/loadgen.ts) requests
// examples/node-hello through berthd's gateway while 20 deploys and 10 rollbacks run one after the
// other; failed requests (non-2xx or no response) must be 0. Latency during the deploys is
// compared with steady state measured before and after them.
import { setTimeout as sleep } from 'node:timers/promises';
import { RUN_ID, startBenchBerthd, waitDeploy, waitServes } from '../lib/berthd.ts';
import { startLoad } from '../lib/load.ts';
import type { PhaseResult } from '../lib/loadgen.ts';
import type { BenchOptions } from '../lib/options.ts';
import { nodeHelloPackage } from '../lib/packages.ts';
import { freePort, waitFor } from '../lib/procs.ts';
import type { Goal, SuiteResult, Table } from '../lib/report.ts';
import { count, median, ms, ratio, seconds } from '../lib/stats.ts';
import { dockerUnavailable, runtimeEnv, swarmUnavailable } from './deploy.ts';

const CONNECTIONS = 10;

type Runtime = 'process' | 'swarm';
interface RuntimeResult {
  runtime: Runtime;
  phases: PhaseResult[];
  opTimes: Array<{ op: 'deploy' | 'rollback'; ms: number }>;
}

export async function zeroDowntimeBenchmark(
  options: BenchOptions,
  progress: (line: string) => void,
): Promise<SuiteResult> {
  const results = [await measure('process', options, progress)];
  const swarmReason = (await dockerUnavailable()) ?? (await swarmUnavailable());
  if (!swarmReason) results.push(await measure('swarm', options, progress));
  return report(results, options, swarmReason);
}

/** The load during the deploys and rollbacks on one runtime. */
async function measure(
  runtime: Runtime,
  options: BenchOptions,
  progress: (line: string) => void,
): Promise<RuntimeResult> {
  const b = await startBenchBerthd(`zero-downtime-${runtime}`, runtimeEnv(runtime, await freePort()));
  const code = `bn${RUN_ID}z${runtime[0]}`;
  const opTimes: Array<{ op: 'deploy' | 'rollback'; ms: number }> = [];
  let phases: PhaseResult[];
  try {
    await b.createApp(code);
    const url = `${b.appsUrl}/o/${code}/`;
    const first = `bench-${RUN_ID}-zd-first`;
    const { deploy } = await b.client.uploadDeploy(code, 'prod', await nodeHelloPackage(first));
    await waitDeploy(b.client, deploy.id);
    await waitServes(url, first);

    const load = startLoad(url, CONNECTIONS);
    await load.ready;
    const steadyMs = options.quick ? 3_000 : 10_000;
    await sleep(1_000);
    load.child.send({ type: 'mark', name: 'steady before' });
    await sleep(steadyMs);
    load.child.send({ type: 'mark', name: 'deploys + rollbacks' });

    // 2 deploys then 1 rollback, repeated: 20 deploys and 10 rollbacks in a full run.
    let deploys = 0;
    let rollbacks = 0;
    const total = options.zdDeploys + options.zdRollbacks;
    for (let i = 0; deploys + rollbacks < total; i++) {
      const t0 = performance.now();
      const doRollback = (i % 3 === 2 && rollbacks < options.zdRollbacks) || deploys >= options.zdDeploys;
      if (doRollback) {
        const { deploy: d } = await b.client.rollback(code, 'prod');
        await waitDeploy(b.client, d.id);
        rollbacks++;
        opTimes.push({ op: 'rollback', ms: performance.now() - t0 });
      } else {
        const marker = `bench-${RUN_ID}-zd-${i}`;
        const { deploy: d } = await b.client.uploadDeploy(code, 'prod', await nodeHelloPackage(marker));
        await waitDeploy(b.client, d.id);
        deploys++;
        opTimes.push({ op: 'deploy', ms: performance.now() - t0 });
      }
      progress(`zero-downtime (${runtime}): ${deploys} deploy(s), ${rollbacks} rollback(s) done`);
    }

    load.child.send({ type: 'mark', name: 'steady after' });
    await sleep(steadyMs);
    load.child.send({ type: 'stop' });
    phases = await waitFor('the load generator results', () => load.results, 60_000);
  } finally {
    await b.close();
  }
  return { runtime, phases, opTimes };
}

function report(
  results: RuntimeResult[],
  options: BenchOptions,
  swarmSkipped: string | undefined,
): SuiteResult {
  const tables: Table[] = [];
  const goals: Goal[] = [];
  for (const result of results) {
    const one = runtimeReport(result);
    tables.push(one.table);
    goals.push(...one.goals);
  }
  if (swarmSkipped) {
    tables.push({
      title: 'zero-downtime on Swarm',
      columns: ['phase'],
      rows: [[`skipped: ${swarmSkipped}`]],
      notes: [],
    });
  }
  return {
    name: 'zero-downtime',
    tables,
    goals,
    raw: { connections: CONNECTIONS, quick: options.quick, runs: results },
  };
}

function runtimeReport({ runtime, phases: allPhases, opTimes }: RuntimeResult): {
  table: Table;
  goals: Goal[];
} {
  const phases = allPhases.filter((p) => p.name !== 'start');
  const during = phases.find((p) => p.name === 'deploys + rollbacks');
  const steady = phases.filter((p) => p.name.startsWith('steady'));
  const steadyP99 = median(steady.map((p) => p.p99ms));
  const deploys = opTimes.filter((o) => o.op === 'deploy').length;
  const rollbacks = opTimes.filter((o) => o.op === 'rollback').length;
  const table: Table = {
    title: `zero-downtime (${runtime} runtime): ${CONNECTIONS} keep-alive connections to /o/{app}/ (node-hello, 2 instances) during ${deploys} deploys and ${rollbacks} rollbacks`,
    columns: ['phase', 'duration', 'requests', 'req/s', 'failed', 'p50', 'p99', 'max', 'p99 vs steady'],
    rows: phases.map((p) => [
      p.name,
      seconds(p.durationMs),
      count(p.requests),
      count(p.requests / (p.durationMs / 1000)),
      String(p.non2xx + p.errors),
      ms(p.p50ms),
      ms(p.p99ms),
      ms(p.maxMs),
      ratio(p.p99ms / steadyP99),
    ]),
    notes: [
      'failed = responses other than 2xx plus requests without a response; the load generator is its own process.',
      `Each deploy or rollback is waited for until it finished (median ${seconds(median(opTimes.map((o) => o.ms)))} each, drain included).`,
      ...phases.flatMap((p) => (p.samples.length ? [`${p.name}: e.g. ${p.samples.join('; ')}`] : [])),
    ],
  };
  const failedAll = phases.reduce((sum, p) => sum + p.non2xx + p.errors, 0);
  const goals: Goal[] = [
    {
      name: `${runtime}: failed requests across ${deploys} deploys and ${rollbacks} rollbacks`,
      kind: 'max',
      target: 0,
      measured: during ? during.non2xx + during.errors : Number.NaN,
      format: count,
    },
    {
      name: `${runtime}: failed requests in the whole run`,
      kind: 'max',
      target: 0,
      measured: failedAll,
      format: count,
    },
  ];
  return { table, goals };
}
