// Benchmark 1: the gateway against nginx. One fast upstream (a one-worker nginx answering 100 bytes)
// reached (a) directly, (b) through nginx as a reverse proxy with upstream keepalive and (c) through
// Berth's gateway, with wrk at 1, 50 and 200 connections; then both proxies with 1, 1,000 and 10,000
// apps in their route tables. Every comparison is interleaved (A B C A B C …) and reported as medians.
//
// When berthd has the multi-core gateway (BERTH_GATEWAY_WORKERS), (c) is a real berthd with one
// gateway worker per core, and the upstream is an app deployed on it (its web process runs the
// nginx), so every setup proxies to that same instance. The gateway code alone (the bench cluster
// server, gateway-server.ts) is measured next to it, and carries the route-table-size runs (a berthd
// would need 10,000 deployed apps for those).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BenchBerthd,
  gatewayWorkerPids,
  REPO,
  RUN_ID,
  startBenchBerthd,
  waitDeploy,
} from '../lib/berthd.ts';
import { proxyConfig, startNginx, upstreamConfig } from '../lib/nginx.ts';
import type { BenchOptions } from '../lib/options.ts';
import { nginxUpstreamPackage } from '../lib/packages.ts';
import {
  captureOutput,
  freePort,
  onCleanup,
  StopWaiting,
  start,
  stop,
  waitFor,
  withChildren,
} from '../lib/procs.ts';
import type { Goal, SuiteResult, Table } from '../lib/report.ts';
import { count, mb, ms, ratio, us } from '../lib/stats.ts';
import { wrk } from '../lib/wrk.ts';
import {
  type HeadToHead,
  headToHead,
  headToHeadGoals,
  headToHeadTable,
  ISSUE_16_TARGETS,
  interleaveWrk,
  proxyGoals,
  summariseWrk,
  THROUGHPUT_COLUMNS,
  throughputRow,
  type WrkSeries,
  type WrkTarget,
} from '../lib/wrk-rounds.ts';

const CONNECTIONS = [1, 50, 200];
const TABLE_SIZES = [1, 1_000, 10_000];
const SIZE_CONNECTIONS = 50;

/** One series of wrk runs, at a route table size (0: the main comparison at 1 app). */
interface Measured extends WrkSeries {
  apps: number;
}

/** Starts one of the bench's own servers (`bench/gateway/*.ts`) and waits for its "ready". */
async function startBenchServer(label: string, file: string, args: number[]) {
  const script = fileURLToPath(new URL(`../gateway/${file}`, import.meta.url));
  const child = start(process.execPath, ['--import', 'tsx', script, ...args.map(String)]);
  const output = captureOutput(child);
  const stopNow = onCleanup(() => stop(child, 5_000));
  await waitFor(
    label,
    () => {
      if (child.exitCode !== null) throw new StopWaiting(`${label} exited: ${output().slice(0, 500)}`);
      return output().includes('ready') ? true : undefined;
    },
    60_000,
    50,
  );
  return { pid: child.pid!, stop: stopNow };
}

function startGatewayServer(port: number, upstream: number, workers: number, apps: number) {
  return startBenchServer(`the gateway bench server (${apps} apps)`, 'gateway-server.ts', [
    port,
    upstream,
    workers,
    apps,
  ]);
}

async function interleave(
  targets: WrkTarget[],
  connections: number,
  apps: number,
  options: BenchOptions,
  progress: (line: string) => void,
): Promise<Measured[]> {
  const label = `gateway: ${apps} app(s), ${connections} conn(s)`;
  return (await interleaveWrk(targets, connections, options, label, progress)).map((m) => ({ ...m, apps }));
}

/** Whether this berthd has the nginx gateway driver (BERTH_GATEWAY=nginx). */
function berthdHasNginxDriver(): boolean {
  return fs.existsSync(path.join(REPO, 'packages/server/src/gateway/nginx/nginx-driver.ts'));
}

/** The processes of the nginx a berthd with the nginx driver runs (master and workers). */
function berthdNginxPids(dataDir: string): number[] {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'nginx', 'nginx.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? withChildren(pid) : [];
  } catch {
    return [];
  }
}

/** Whether this berthd has the multi-core gateway setting. */
function berthdHasGatewayWorkers(): boolean {
  return fs
    .readFileSync(path.join(REPO, 'packages/server/src/config.ts'), 'utf8')
    .includes('BERTH_GATEWAY_WORKERS');
}

export function nginxBinary(): string {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter).concat(['/usr/sbin', '/usr/bin'])) {
    const file = path.join(dir, 'nginx');
    if (fs.existsSync(file)) return file;
  }
  return 'nginx';
}

/** A real berthd with `workers` gateway workers and the upstream app deployed; its instance's port. */
async function berthdWithUpstream(
  workers: number,
  driver: 'builtin' | 'nginx' = 'builtin',
): Promise<{ berthd: BenchBerthd; code: string; port: number }> {
  const berthd = await startBenchBerthd(driver === 'nginx' ? 'gateway-nginx' : 'gateway', {
    BERTH_GATEWAY_WORKERS: String(workers),
    BERTH_ACCESS_LOG: 'false',
    ...(driver === 'nginx' ? { BERTH_GATEWAY: 'nginx', BERTH_NGINX_BINARY: nginxBinary() } : {}),
  });
  const code = `bn${RUN_ID}${driver === 'nginx' ? 'gn' : 'gw'}`;
  await berthd.createApp(code);
  const pkg = await nginxUpstreamPackage(upstreamConfig('__DIR__', '__LISTEN__'), nginxBinary());
  const { deploy } = await berthd.client.uploadDeploy(code, 'prod', pkg);
  await waitDeploy(berthd.client, deploy.id);
  const { instances } = await berthd.client.listInstances(code, 'prod');
  const port = Number(
    instances
      .find((i) => i.address)
      ?.address?.split(':')
      .pop(),
  );
  if (!Number.isInteger(port))
    throw new Error(`the upstream app has no address: ${JSON.stringify(instances)}`);
  return { berthd, code, port };
}

export async function gatewayBenchmark(
  options: BenchOptions,
  progress: (line: string) => void,
): Promise<SuiteResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-gw-'));
  const removeDir = onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  const stops: Array<() => Promise<void>> = [];
  const withBerthd = berthdHasGatewayWorkers();
  try {
    let upstreamPort: number;
    let berthdUrl: string | undefined;
    let berthdPids: () => number[] = () => [];
    let upstreamPids: () => number[] = () => [];
    if (withBerthd) {
      progress('gateway: starting berthd and deploying the upstream app');
      const started = await berthdWithUpstream(options.workers);
      stops.push(() => started.berthd.close());
      upstreamPort = started.port;
      berthdUrl = `${started.berthd.appsUrl}/o/${started.code}/`;
      // berthd's processes: the primary and its gateway workers (not the app instances).
      berthdPids = () => {
        const primary = started.berthd.child.pid!;
        return [primary, ...gatewayWorkerPids(primary)];
      };
    } else {
      upstreamPort = await freePort();
      const config = upstreamConfig(dir, `127.0.0.1:${upstreamPort}`);
      const upstream = await startNginx(dir, 'upstream', config, upstreamPort);
      stops.push(upstream.stop);
      upstreamPids = () => withChildren(upstream.pid);
    }
    // The same berthd with the nginx driver (its own nginx, N workers), with its own instance of
    // the upstream app.
    let berthdNginxUrl: string | undefined;
    let berthdNginxProcesses: () => number[] = () => [];
    /** The instance berthd-nginx proxies to, which the head to head's nginx proxies to as well. */
    let berthdNginxUpstream: number | undefined;
    if (withBerthd && berthdHasNginxDriver()) {
      progress('gateway: starting berthd with the nginx driver and deploying the upstream app');
      const started = await berthdWithUpstream(options.workers, 'nginx');
      stops.push(() => started.berthd.close());
      berthdNginxUrl = `${started.berthd.appsUrl}/o/${started.code}/`;
      berthdNginxProcesses = () => berthdNginxPids(started.berthd.dataDir);
      berthdNginxUpstream = started.port;
    }
    const nginxPorts = new Map<number, number>();
    const gatewayPorts = new Map<number, number>();
    const nginxPids = new Map<number, number>();
    const gatewayPids = new Map<number, number>();
    for (const apps of TABLE_SIZES) {
      const names = Array.from({ length: apps }, (_, i) => `app${i}`);
      const nginxPort = await freePort();
      const config = proxyConfig(dir, `proxy${apps}`, nginxPort, options.workers, names, {
        host: '127.0.0.1',
        port: upstreamPort,
      });
      const proxy = await startNginx(dir, `proxy${apps}`, config, nginxPort);
      stops.push(proxy.stop);
      nginxPorts.set(apps, nginxPort);
      nginxPids.set(apps, proxy.pid);
      const gatewayPort = await freePort();
      const server = await startGatewayServer(gatewayPort, upstreamPort, options.workers, apps);
      stops.push(server.stop);
      gatewayPorts.set(apps, gatewayPort);
      gatewayPids.set(apps, server.pid);
    }
    // The smallest proxy of the same design, for reference (1 app: it routes nothing).
    const nodeMinPort = await freePort();
    const nodeMin = await startBenchServer('the node-min reference proxy', 'node-min-proxy.ts', [
      nodeMinPort,
      upstreamPort,
      options.workers,
    ]);
    stops.push(nodeMin.stop);
    const appPath = (apps: number) => `/o/app${Math.floor(apps / 2)}/`;
    const url = (port: number, apps: number) => `http://127.0.0.1:${port}${appPath(apps)}`;

    // Warm every server up (JIT, connection pools) before anything is measured.
    const warm = options.quick ? 1 : 2;
    await wrk(url(upstreamPort, 1), 50, warm);
    if (berthdUrl) await wrk(berthdUrl, 50, warm);
    if (berthdNginxUrl) await wrk(berthdNginxUrl, 50, warm);
    await wrk(url(nodeMinPort, 1), 50, warm);
    for (const apps of TABLE_SIZES) {
      await wrk(url(nginxPorts.get(apps)!, apps), 50, warm);
      await wrk(url(gatewayPorts.get(apps)!, apps), 50, warm);
    }

    const main: Measured[] = [];
    for (const connections of CONNECTIONS) {
      const targets: WrkTarget[] = [
        { setup: 'direct', url: url(upstreamPort, 1), pids: upstreamPids },
        { setup: 'nginx', url: url(nginxPorts.get(1)!, 1), pids: () => withChildren(nginxPids.get(1)!) },
        ...(berthdUrl ? [{ setup: 'berthd', url: berthdUrl, pids: berthdPids }] : []),
        ...(berthdNginxUrl
          ? [{ setup: 'berthd-nginx', url: berthdNginxUrl, pids: berthdNginxProcesses }]
          : []),
        {
          setup: 'berth-gw',
          url: url(gatewayPorts.get(1)!, 1),
          pids: () => withChildren(gatewayPids.get(1)!),
        },
        { setup: 'node-min', url: url(nodeMinPort, 1), pids: () => withChildren(nodeMin.pid) },
      ];
      main.push(...(await interleave(targets, connections, 1, options, progress)));
    }

    // Issue 16's goal, decided: berthd-nginx against nginx alone, in more and shorter paired rounds.
    // Both proxy to the same instance (berthd-nginx's), so that no difference between two instances
    // of the upstream app shows in the ratio.
    const pairs: HeadToHead[] = [];
    if (berthdNginxUrl && berthdNginxUpstream !== undefined) {
      const port = await freePort();
      const config = proxyConfig(dir, 'proxy-pair', port, options.workers, ['app0'], {
        host: '127.0.0.1',
        port: berthdNginxUpstream,
      });
      const reference = await startNginx(dir, 'proxy-pair', config, port);
      stops.push(reference.stop);
      await wrk(url(port, 1), 50, warm);
      for (const connections of CONNECTIONS.filter((c) => c > 1)) {
        pairs.push(
          ...(await headToHead(
            { setup: 'nginx', url: url(port, 1), pids: () => withChildren(reference.pid) },
            [{ setup: 'berthd-nginx', url: berthdNginxUrl, pids: berthdNginxProcesses }],
            connections,
            options,
            `gateway: head to head, ${connections} conns`,
            progress,
          )),
        );
      }
    }

    // Table sizes: every size of both proxies in one interleaved sequence.
    const sizeTargets: WrkTarget[] = [];
    for (const apps of TABLE_SIZES) {
      sizeTargets.push({
        setup: `nginx@${apps}`,
        url: url(nginxPorts.get(apps)!, apps),
        pids: () => withChildren(nginxPids.get(apps)!),
      });
      sizeTargets.push({
        setup: `berth-gw@${apps}`,
        url: url(gatewayPorts.get(apps)!, apps),
        pids: () => withChildren(gatewayPids.get(apps)!),
      });
    }
    const sizes = (await interleave(sizeTargets, SIZE_CONNECTIONS, 0, options, progress)).map((m, i) => ({
      ...m,
      apps: TABLE_SIZES[Math.floor(i / 2)]!,
      setup: m.setup.split('@')[0]!,
    }));

    return report(options, main, sizes, pairs, withBerthd, berthdNginxUrl !== undefined);
  } finally {
    for (const stopOne of stops.reverse()) await stopOne();
    await removeDir();
  }
}

function report(
  options: BenchOptions,
  main: Measured[],
  sizes: Measured[],
  pairs: HeadToHead[],
  withBerthd: boolean,
  withBerthdNginx: boolean,
): SuiteResult {
  const find = (list: Measured[], setup: string, connections: number, apps: number) =>
    list.find((m) => m.setup === setup && m.connections === connections && m.apps === apps)!;
  const setups = [
    'direct',
    'nginx',
    ...(withBerthd ? ['berthd'] : []),
    ...(withBerthdNginx ? ['berthd-nginx'] : []),
    'berth-gw',
    'node-min',
  ];
  /** The setup the goals are judged on: the real berthd when it has gateway workers. */
  const judged = withBerthd ? 'berthd' : 'berth-gw';
  const notes = [
    'direct = wrk against the upstream itself (no proxy hop); nginx = reverse proxy, upstream keepalive 64, ' +
      `${options.workers} worker(s).`,
    ...(withBerthd
      ? [
          `berthd = a real berthd (npm start's way) with BERTH_GATEWAY_WORKERS=${options.workers}, access log off; ` +
            'the upstream is an app deployed on it whose web process runs the nginx (all setups use that instance).',
        ]
      : ['berthd has no BERTH_GATEWAY_WORKERS yet: the goals are judged on berth-gw.']),
    ...(withBerthdNginx
      ? [
          `berthd-nginx = the same berthd with BERTH_GATEWAY=nginx: its own nginx (${options.workers} worker(s)) renders ` +
            'the table, writes the JSON access log berthd counts from (buffered), sets request ids and forwarded headers; ' +
            'its upstream is its own instance of the same app. CPU/req counts that nginx, not berthd.',
        ]
      : []),
    `berth-gw = Berth's gateway code alone: ${options.workers} node:cluster worker(s) of startGatewayWorker ` +
      '(bench/gateway/gateway-server.ts), no API, no access log.',
    `node-min = for reference, the smallest proxy of the same design (Node's http server, undici dispatch, ${options.workers} ` +
      "worker(s); bench/gateway/node-min-proxy.ts) doing none of the gateway's work: berth-gw vs node-min is what " +
      "Berth's code costs, node-min vs nginx what the design costs.",
    'wrk: 2 threads (1 at 1 connection), on the same 2 cores as the proxies.',
    "CPU/req = user + system CPU time of the proxy's processes during the run / requests served (µs); it",
    'varies less with what else the machine runs than req/s does (not counted for direct).',
  ];
  const mainTable: Table = {
    title: `gateway: 1 app routed, fast upstream (nginx, 100 B), medians of ${options.rounds} interleaved ${options.seconds} s wrk runs`,
    columns: THROUGHPUT_COLUMNS,
    rows: [],
    notes,
  };
  const goals: Goal[] = [];
  for (const connections of CONNECTIONS) {
    const nginx = find(main, 'nginx', connections, 1);
    for (const setup of setups) {
      const m = find(main, setup, connections, 1);
      mainTable.rows.push(throughputRow(m, setup === 'direct' ? null : nginx));
      if (setup === judged && connections > 1) {
        goals.push(...proxyGoals(`${setup}/nginx`, connections, m, nginx, { minRps: 0.75, maxP99: 2 }));
      }
    }
  }
  // Issue 16: the nginx driver against hand-written nginx, judged on the head-to-head rounds.
  goals.push(...headToHeadGoals(pairs, ISSUE_16_TARGETS));
  const pairTables =
    pairs.length === 0
      ? []
      : [
          headToHeadTable(
            `gateway: berthd-nginx head to head with nginx, ${options.pairs} paired rounds of ${options.pairSeconds} s`,
            pairs,
            [
              'The goals of berthd-nginx are judged on these rounds; the table above has the same setups among the rest.',
            ],
          ),
        ];
  const sizeTable: Table = {
    title: `gateway: route table size, ${SIZE_CONNECTIONS} connections, medians of ${options.rounds} interleaved ${options.seconds} s wrk runs`,
    columns: [
      'apps',
      'setup',
      'req/s',
      'p50',
      'p99',
      'req/s vs nginx',
      'req/s vs 1 app',
      'CPU/req',
      'RSS',
      'errors',
    ],
    rows: [],
    notes: [
      'Both proxies hold one route per app (nginx: an upstream block and a location; berth-gw: a route with its own',
      'instance id), all to the same upstream; wrk asks for the middle app. RSS: all processes of the proxy.',
    ],
  };
  for (const apps of TABLE_SIZES) {
    for (const setup of ['nginx', 'berth-gw']) {
      const s = summariseWrk(find(sizes, setup, SIZE_CONNECTIONS, apps));
      const nginx = summariseWrk(find(sizes, 'nginx', SIZE_CONNECTIONS, apps));
      const one = summariseWrk(find(sizes, setup, SIZE_CONNECTIONS, 1));
      sizeTable.rows.push([
        count(apps),
        setup,
        count(s.rps),
        ms(s.p50ms),
        ms(s.p99ms),
        ratio(s.rps / nginx.rps),
        ratio(s.rps / one.rps),
        us(s.cpuUs),
        mb(s.rss),
        String(s.errors),
      ]);
    }
  }
  const one = summariseWrk(find(sizes, 'berth-gw', SIZE_CONNECTIONS, 1));
  const most = summariseWrk(find(sizes, 'berth-gw', SIZE_CONNECTIONS, 10_000));
  goals.push({
    name: 'berth-gw req/s with 10,000 apps vs 1 app (flat: ≥ 0.9)',
    kind: 'min',
    target: 0.9,
    measured: most.rps / one.rps,
    format: ratio,
  });
  return {
    name: 'gateway',
    tables: [mainTable, ...pairTables, sizeTable],
    goals,
    raw: { workers: options.workers, berthd: withBerthd, main, sizes, pairs },
  };
}
