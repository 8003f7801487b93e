// Benchmark of issue 18: a call through the API gateway (`/api/c/{system}/{path}`: the calling app's
// code and secret checked, the component found, its grant checked, its rate limit taken, the call
// forwarded without the credentials) against the same request through the plain app gateway
// (`/o/{app}/path`), on one real berthd. One destination app serves both rows: the bench's fast
// upstream (a one-worker nginx answering 100 bytes, deployed as an app), so what differs between the
// rows is the gateway's work. A second app is the caller (its secret in wrk's headers); the system is
// declared in YAML with one component pointing at the destination, the caller holds a grant for it,
// and the component has a rate limit far above what the machine can send (the limiter runs on every
// call and refuses none; a refusal would show as a non-2xx error in the table).
//
// Both paths run in berthd's gateway workers (BERTH_GATEWAY_WORKERS, one per core by default), on the
// apps port: `/o/` as a proxy route, `/api/c/` as the route with the `apigw` policy, whose checks run
// in the worker (what only berthd has — the secret, rate-limit tokens, the records — comes from it
// over IPC, cached or lent, not per call). CPU/req counts every berthd process (primary and workers)
// for both rows, not the destination's nginx.
import type { BenchBerthd } from '../lib/berthd.ts';
import { gatewayWorkerPids, RUN_ID, startBenchBerthd, waitDeploy } from '../lib/berthd.ts';
import { UPSTREAM_BODY, upstreamConfig } from '../lib/nginx.ts';
import type { BenchOptions } from '../lib/options.ts';
import { nginxUpstreamPackage } from '../lib/packages.ts';
import type { Goal, SuiteResult, Table } from '../lib/report.ts';
import { medianInterval, ms, ratio } from '../lib/stats.ts';
import { wrk } from '../lib/wrk.ts';
import {
  interleaveWrk,
  pairedRatios,
  summariseWrk,
  THROUGHPUT_COLUMNS,
  throughputRow,
  type WrkSeries,
  type WrkTarget,
} from '../lib/wrk-rounds.ts';
import { nginxBinary } from './gateway.ts';

/** 1 connection: the latency a call adds, unloaded; 50: throughput with every core busy. */
const CONNECTIONS = [1, 50];
const SYSTEM = 'BENCH';
const COMPONENT = 'ping';
/** Calls per second and calling app: far above what 2 cores serve, so nothing is refused. The
 *  limiter still leases tokens from the store (10,000 at a time) and spends one per call. */
const RATE_LIMIT = '100000/s';
/** Goals of issue 18. */
const MAX_P50_OVERHEAD_MS = 0.3;
const MIN_RPS_RATIO = 0.8;

function systemYaml(dest: string): string {
  return [
    'system:',
    `  name: ${SYSTEM}`,
    '  label: Bench',
    `  owner: ${dest}`,
    'components:',
    `  - name: ${COMPONENT}`,
    '    label: Ping',
    '    path: /v1/ping/',
    '    method: GET',
    `    dest: { app: ${dest}, env: prod, path: /ping/ }`,
    `    rate_limit: ${RATE_LIMIT}`,
    '',
  ].join('\n');
}

/** Both requests once, before anything is timed: the same 200 and the same body. */
async function checkBothAnswer(plainUrl: string, apiUrl: string, headers: Record<string, string>) {
  for (const [label, url, init] of [
    ['the app gateway', plainUrl, {}],
    ['the API gateway', apiUrl, { headers }],
  ] as const) {
    const res = await fetch(url, init);
    const text = await res.text();
    if (res.status !== 200 || text !== UPSTREAM_BODY) {
      throw new Error(`${label} answered ${res.status}: ${text.slice(0, 300)}`);
    }
  }
}

export async function apigwBenchmark(
  options: BenchOptions,
  progress: (line: string) => void,
): Promise<SuiteResult> {
  progress('apigw: starting berthd, deploying the destination app, declaring the system');
  let berthd: BenchBerthd | undefined;
  try {
    berthd = await startBenchBerthd('apigw', {
      BERTH_GATEWAY_WORKERS: String(options.workers),
      BERTH_ACCESS_LOG: 'false',
    });
    const { client } = berthd;
    const dest = `bn${RUN_ID}ad`;
    const caller = `bn${RUN_ID}ac`;
    await berthd.createApp(dest);
    await berthd.createApp(caller);
    const pkg = await nginxUpstreamPackage(upstreamConfig('__DIR__', '__LISTEN__'), nginxBinary());
    const { deploy } = await client.uploadDeploy(dest, 'prod', pkg);
    await waitDeploy(client, deploy.id);
    await client.putApigwSystem(SYSTEM, systemYaml(dest));
    await client.grantApigwAccess({ app: caller, system: SYSTEM, component: COMPONENT });
    const { secret } = await client.getAppSecret(caller);
    const headers = { 'X-Berth-App-Code': caller, 'X-Berth-App-Secret': secret };

    const plainUrl = `${berthd.appsUrl}/o/${dest}/ping/`;
    const apiUrl = `${berthd.appsUrl}/api/c/${SYSTEM}/v1/ping/`;
    await checkBothAnswer(plainUrl, apiUrl, headers);

    const primary = berthd.child.pid!;
    const pids = () => [primary, ...gatewayWorkerPids(primary)];
    const targets: WrkTarget[] = [
      { setup: 'app-gw', url: plainUrl, pids },
      { setup: 'api-gw', url: apiUrl, headers, pids },
    ];
    // JIT, connection pools, the caches of the call path (secret, grants, declarations, a lease).
    const warm = options.quick ? 1 : 2;
    for (const t of targets) await wrk(t.url, 50, warm, t.headers);

    const series: WrkSeries[] = [];
    for (const connections of CONNECTIONS) {
      series.push(
        ...(await interleaveWrk(targets, connections, options, `apigw: ${connections} conn(s)`, progress)),
      );
    }
    return report(options, series);
  } finally {
    await berthd?.close();
  }
}

function report(options: BenchOptions, series: WrkSeries[]): SuiteResult {
  const find = (setup: string, connections: number) =>
    series.find((m) => m.setup === setup && m.connections === connections)!;
  const table: Table = {
    title: `apigw: one request through the app gateway and through the API gateway, medians of ${options.rounds} interleaved ${options.seconds} s wrk runs`,
    columns: [...THROUGHPUT_COLUMNS.map((c) => c.replace('vs nginx', 'vs app-gw')), 'p50 overhead'],
    rows: [],
    notes: [
      "app-gw = GET /o/{dest}/ping/ on the apps port: berthd's gateway workers " +
        `(BERTH_GATEWAY_WORKERS=${options.workers}), access log off.`,
      'api-gw = GET /api/c/BENCH/v1/ping/ on the apps port with X-Berth-App-Code and X-Berth-App-Secret: ' +
        'app authentication, component lookup, grant check, rate limit (100000/s: taken, never refused), ' +
        'forwarded to the same destination, counted in the call records; served by the gateway workers (the apigw route policy).',
      'The destination: one instance of an app whose web process is a one-worker nginx answering 100 bytes.',
      'p50 overhead = api-gw p50 − app-gw p50 at the same connections. CPU/req = CPU time of all berthd',
      'processes (primary and gateway workers) / requests served. wrk: 2 threads (1 at 1 connection).',
    ],
  };
  const goals: Goal[] = [];
  for (const connections of CONNECTIONS) {
    const plain = summariseWrk(find('app-gw', connections));
    const api = summariseWrk(find('api-gw', connections));
    table.rows.push([...throughputRow(find('app-gw', connections), null), '']);
    table.rows.push([
      ...throughputRow(find('api-gw', connections), find('app-gw', connections)),
      ms(api.p50ms - plain.p50ms, 3),
    ]);
    if (connections === 1) {
      goals.push({
        name: 'api-gw p50 overhead over app-gw at 1 conn',
        kind: 'max',
        target: MAX_P50_OVERHEAD_MS,
        measured: api.p50ms - plain.p50ms,
        format: (v) => ms(v, 3),
      });
    } else {
      const paired = medianInterval(
        pairedRatios(find('api-gw', connections), find('app-gw', connections)).rps,
      );
      goals.push({
        name: `api-gw req/s vs app-gw at ${connections} conns`,
        kind: 'min',
        target: MIN_RPS_RATIO,
        measured: paired.median,
        interval: paired,
        format: ratio,
      });
    }
  }
  return {
    name: 'apigw',
    tables: [table],
    goals,
    raw: { workers: options.workers, rateLimit: RATE_LIMIT, series },
  };
}
