// Benchmark: the gateway drivers (issue 16). Each driver runs in a process of its own
// (bench/gateway/driver-server.ts) as berthd's control plane would call it: the built-in driver in
// that process, the built-in driver with node:cluster workers, and the nginx driver with its own
// nginx master. Two fast upstreams (one-worker nginx, 100 bytes) answer on two ports.
// Measured in this order:
//   1. Throughput, interleaved, medians, while every nginx is fresh: the nginx driver against
//      hand-written nginx over plain HTTP at 50 and 200 connections (goals: ≥ 0.95x req/s, p99 ≤
//      1.2x), and HTTPS rows at 50 connections: hand-written nginx TLS, the nginx driver and the
//      built-in driver with the same openssl-made ECDSA P-256 certificate in their tables.
//   2. 20 applies under load: the keep-alive load generator (lib/loadgen.ts) requests one app
//      through each driver while 20 tables move it between the two upstreams; failed requests: 0.
//   3. Route table apply latency for 1, 1,000 and 10,000 apps: `apply(table, seq)` until it
//      resolves (every process serves the table), tables that really change (the apps move to the
//      other upstream port each time), medians, interleaved across the drivers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DEBIAN_MODULES_DIR, luaModuleFiles } from '../../packages/server/src/gateway/nginx/berthd-parts.ts';
import type { DriverReply, DriverRequest, TableSpec } from '../gateway/driver-server.ts';
import { type BenchCertificate, makeCertificate } from '../lib/certificate.ts';
import { startLoad } from '../lib/load.ts';
import type { PhaseResult } from '../lib/loadgen.ts';
import {
  luaFloorProxyConfig,
  proxyConfig,
  sameWorkProxyConfig,
  startNginx,
  tlsProxyConfig,
  upstreamConfig,
} from '../lib/nginx.ts';
import type { BenchOptions } from '../lib/options.ts';
import {
  alive,
  captureOutput,
  cmdline,
  exited,
  freePort,
  onCleanup,
  StopWaiting,
  start,
  stop,
  waitFor,
  withChildren,
} from '../lib/procs.ts';
import type { Goal, SuiteResult, Table } from '../lib/report.ts';
import { count, median, ms, ratio } from '../lib/stats.ts';
import { wrk } from '../lib/wrk.ts';
import {
  type HeadToHead,
  headToHead,
  headToHeadGoals,
  headToHeadTable,
  ISSUE_16_TARGETS,
  interleaveWrk,
  summariseWrk,
  THROUGHPUT_COLUMNS,
  throughputRow,
  type WrkSeries,
  type WrkTarget,
} from '../lib/wrk-rounds.ts';
import { nginxBinary } from './gateway.ts';

const TABLE_SIZES = [1, 1_000, 10_000];
const LOAD_CONNECTIONS = 10;
const LOAD_APPLIES = 20;
/** Pause after each apply under load. */
const APPLY_GAP_MS = 100;
const PLAIN_CONNECTIONS = [50, 200];
const TLS_CONNECTIONS = 50;
/** The name the certificate covers and wrk sends as SNI and Host (resolves to 127.0.0.1 here). */
const TLS_HOST = 'localhost';
/** The app every throughput and load run requests (its route strips the prefix). */
const APP_PATH = '/o/app0/';

/** A request without its id (given by `ask`). */
type DistributiveOmitId<T> = T extends unknown ? Omit<T, 'id'> : never;

interface DriverProcess {
  name: string;
  kind: 'builtin' | 'nginx';
  httpPort: number;
  httpsPort: number;
  /** Every process of the data plane (for CPU time): the driver's process and its workers, or
   *  nginx's master and workers as of the last apply. */
  pids: () => number[];
  /** Applies the table of `spec`; resolves with the time `apply` took, throws when it failed. */
  apply(spec: TableSpec): Promise<number>;
  /** The same, but a failed apply resolves too: with the time it took and the driver's error. */
  tryApply(spec: TableSpec): Promise<{ ms: number; error?: string }>;
  close(): Promise<void>;
}

/** The nginx master of a prefix from its pid file, if it still runs (a safety net for clean-up). */
function masterOfPrefix(prefix: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(prefix, 'nginx.pid'), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return null;
    const title = cmdline(pid).join(' ');
    return title.startsWith('nginx: master process') && title.includes(prefix) ? pid : null;
  } catch {
    return null;
  }
}

async function killMaster(prefix: string): Promise<void> {
  const pid = masterOfPrefix(prefix);
  if (pid === null) return;
  const workers = withChildren(pid).slice(1);
  process.kill(pid, 'SIGTERM');
  const until = Date.now() + 10_000;
  while (alive(pid) && Date.now() < until) await sleep(50);
  for (const p of [pid, ...workers]) {
    if (alive(p) && cmdline(p).join(' ').startsWith('nginx:')) process.kill(p, 'SIGKILL');
  }
}

async function startDriver(
  name: string,
  kind: 'builtin' | 'nginx',
  workers: number,
  withHttps: boolean,
  dir: string,
  luaModules: readonly string[] = [],
): Promise<DriverProcess> {
  const httpPort = await freePort();
  const httpsPort = withHttps ? await freePort() : 0;
  const prefix = path.join(dir, `nginx-${name}`);
  if (kind === 'nginx') {
    fs.mkdirSync(prefix, { mode: 0o755 });
    fs.chmodSync(prefix, 0o755); // nginx's workers run as nobody when the bench runs as root
  }
  const script = fileURLToPath(new URL('../gateway/driver-server.ts', import.meta.url));
  const args = [script, kind, String(workers), String(httpPort), String(httpsPort)];
  if (kind === 'nginx') args.push(prefix, nginxBinary(), luaModules.join(','));
  const child = start(process.execPath, ['--import', 'tsx', ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const output = captureOutput(child);
  let nextId = 0;
  const pending = new Map<number, { resolve: (r: DriverReply) => void; reject: (e: Error) => void }>();
  let ready = false;
  child.on('message', (message: DriverReply | { type: 'ready' }) => {
    if (message.type === 'ready') {
      ready = true;
      return;
    }
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    waiting?.resolve(message);
  });
  exited(child).then(() => {
    for (const waiting of pending.values()) {
      waiting.reject(
        new Error(`driver ${name} exited (${child.exitCode ?? child.signalCode}): ${output().slice(-500)}`),
      );
    }
    pending.clear();
  });
  const ask = (request: DistributiveOmitId<DriverRequest>): Promise<DriverReply> =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null || !child.connected) {
        reject(new Error(`driver ${name} is not running: ${output().slice(-500)}`));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ ...request, id } as DriverRequest);
    });
  let closed = false;
  const closeNow = onCleanup(async () => {
    if (!closed && child.connected) {
      closed = true;
      await Promise.race([ask({ type: 'close' }).catch(() => undefined), sleep(60_000)]);
    }
    await stop(child, 5_000);
    if (kind === 'nginx') await killMaster(prefix);
  });
  await waitFor(
    `the ${name} driver process`,
    () => {
      if (child.exitCode !== null) throw new StopWaiting(`driver ${name} exited: ${output().slice(0, 500)}`);
      return ready ? true : undefined;
    },
    60_000,
    50,
  );
  let seq = 0;
  let lastPids: number[] = [];
  const tryApply = async (spec: TableSpec): Promise<{ ms: number; error?: string }> => {
    seq++;
    const reply = await ask({ type: 'apply', seq, spec });
    if (reply.type === 'failed') {
      return { ms: reply.ms ?? Number.NaN, error: `driver ${name}: apply ${seq} failed: ${reply.message}` };
    }
    if (reply.type !== 'applied') throw new Error(`driver ${name}: unexpected answer ${reply.type}`);
    lastPids = reply.pids;
    return { ms: reply.ms };
  };
  return {
    name,
    kind,
    httpPort,
    httpsPort,
    pids: () =>
      kind === 'nginx' ? withChildren(lastPids[0] ?? -1).filter((p) => alive(p)) : withChildren(child.pid!),
    tryApply,
    async apply(spec) {
      const result = await tryApply(spec);
      if (result.error !== undefined) throw new Error(result.error);
      return result.ms;
    },
    close: closeNow,
  };
}

interface ApplyLatency {
  driver: string;
  apps: number;
  /** Applies that resolved. */
  ms: number[];
  /** Applies that failed (the driver's error), with the time until they did. */
  failed: Array<{ ms: number; error: string }>;
}

interface LoadRun {
  driver: string;
  applyMs: number[];
  phases: PhaseResult[];
}

/** One series of wrk runs over plain HTTP or HTTPS. */
interface Throughput extends WrkSeries {
  scheme: 'http' | 'https';
}

async function interleave(
  targets: WrkTarget[],
  scheme: 'http' | 'https',
  connections: number,
  options: BenchOptions,
  progress: (line: string) => void,
): Promise<Throughput[]> {
  const label = `gateway-drivers: ${scheme} ${connections} conns`;
  return (await interleaveWrk(targets, connections, options, label, progress)).map((m) => ({ ...m, scheme }));
}

export async function gatewayDriversBenchmark(
  options: BenchOptions,
  progress: (line: string) => void,
): Promise<SuiteResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-gwd-'));
  fs.chmodSync(dir, 0o755); // nginx's workers (nobody under root) read the driver's prefix below it
  const removeDir = onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  const stops: Array<() => Promise<void>> = [];
  try {
    const upstreams: number[] = [];
    for (const name of ['upstream-a', 'upstream-b']) {
      const port = await freePort();
      const upstreamDir = path.join(dir, name);
      fs.mkdirSync(upstreamDir);
      const upstream = await startNginx(
        upstreamDir,
        'upstream',
        upstreamConfig(upstreamDir, `127.0.0.1:${port}`),
        port,
      );
      stops.push(upstream.stop);
      upstreams.push(port);
    }
    const [portA, portB] = upstreams as [number, number];
    const cert = await makeCertificate(dir, [TLS_HOST]);

    progress('gateway-drivers: starting the drivers');
    const inProcess = await startDriver('builtin-0', 'builtin', 0, false, dir);
    stops.push(inProcess.close);
    const builtin = await startDriver(`builtin-${options.workers}`, 'builtin', options.workers, true, dir);
    stops.push(builtin.close);
    // The nginx driver as berthd runs it by default: dynamic upstreams when Debian's Lua module is
    // installed (then also nginx-static, the same driver with static upstreams, for comparison).
    const lua = luaModuleFiles(DEBIAN_MODULES_DIR);
    const luaModules = lua.modules;
    const dynamic = lua.missing.length === 0;
    if (!dynamic) progress('gateway-drivers: libnginx-mod-http-lua is not installed: static upstreams only');
    const nginxDriver = await startDriver(
      'nginx-driver',
      'nginx',
      options.workers,
      true,
      dir,
      dynamic ? luaModules : [],
    );
    stops.push(nginxDriver.close);
    const nginxStatic = dynamic
      ? await startDriver('nginx-static', 'nginx', options.workers, false, dir)
      : null;
    if (nginxStatic !== null) stops.push(nginxStatic.close);
    const drivers = [inProcess, builtin, nginxDriver, ...(nginxStatic === null ? [] : [nginxStatic])];
    await inProcess.apply({ apps: 1, upstreamPort: portA });

    // 1. Throughput first, while every nginx is fresh (an nginx that once loaded 10,000 apps keeps its
    //    memory): the drivers with the one-app table and the certificate, hand-written nginx.
    const tls: TableSpec['tls'] = {
      host: TLS_HOST,
      certPem: cert.certPem,
      keyPem: cert.keyPem,
      names: cert.names,
      notAfter: cert.notAfter,
    };
    for (const d of [builtin, nginxDriver]) await d.apply({ apps: 1, upstreamPort: portA, tls });
    await nginxStatic?.apply({ apps: 1, upstreamPort: portA });
    const refPort = await freePort();
    const upstream = { host: '127.0.0.1', port: portA };
    const ref = await startNginx(
      dir,
      'nginx-ref',
      proxyConfig(dir, 'nginx-ref', refPort, options.workers, ['app0'], upstream),
      refPort,
    );
    stops.push(ref.stop);
    const sameWorkPort = await freePort();
    const sameWork = await startNginx(
      dir,
      'nginx-same-work',
      sameWorkProxyConfig(dir, 'nginx-same-work', sameWorkPort, options.workers, 'app0', upstream),
      sameWorkPort,
    );
    stops.push(sameWork.stop);
    // The floor of a driver that picks servers in Lua: hand-written nginx plus the smallest balancer.
    let luaFloor: { port: number; pid: number } | null = null;
    if (dynamic) {
      const port = await freePort();
      const config = luaFloorProxyConfig(
        luaModules,
        dir,
        'nginx-lua-floor',
        port,
        options.workers,
        'app0',
        upstream,
      );
      const started = await startNginx(dir, 'nginx-lua-floor', config, port);
      stops.push(started.stop);
      luaFloor = { port, pid: started.pid };
    }
    const refTlsPort = await freePort();
    const refTls = await startNginx(
      dir,
      'nginx-tls',
      tlsProxyConfig(dir, 'nginx-tls', refTlsPort, options.workers, 'app0', upstream, {
        serverName: TLS_HOST,
        certFile: cert.certFile,
        keyFile: cert.keyFile,
      }),
      refTlsPort,
    );
    stops.push(refTls.stop);
    const http = (port: number) => `http://127.0.0.1:${port}${APP_PATH}`;
    const httpsUrl = (port: number) => `https://${TLS_HOST}:${port}${APP_PATH}`;
    const plainTargets: WrkTarget[] = [
      { setup: 'nginx', url: http(refPort), pids: () => withChildren(ref.pid) },
      { setup: 'nginx-same-work', url: http(sameWorkPort), pids: () => withChildren(sameWork.pid) },
      ...(luaFloor === null
        ? []
        : [{ setup: 'nginx-lua-floor', url: http(luaFloor.port), pids: () => withChildren(luaFloor!.pid) }]),
      { setup: 'nginx-driver', url: http(nginxDriver.httpPort), pids: nginxDriver.pids },
      ...(nginxStatic === null
        ? []
        : [{ setup: 'nginx-static', url: http(nginxStatic.httpPort), pids: nginxStatic.pids }]),
      { setup: builtin.name, url: http(builtin.httpPort), pids: builtin.pids },
    ];
    const tlsTargets: WrkTarget[] = [
      { setup: 'nginx', url: httpsUrl(refTlsPort), pids: () => withChildren(refTls.pid) },
      { setup: 'nginx-driver', url: httpsUrl(nginxDriver.httpsPort), pids: nginxDriver.pids },
      { setup: builtin.name, url: httpsUrl(builtin.httpsPort), pids: builtin.pids },
    ];
    const warm = options.quick ? 1 : 2;
    for (const t of [...plainTargets, ...tlsTargets]) {
      const result = await wrk(t.url, 50, warm);
      if (!(result.requests > 0) || result.errors > 0) {
        throw new Error(
          `${t.url} (${t.setup}) does not answer: ${result.requests} requests, ${result.errors} errors`,
        );
      }
    }
    const throughput: Throughput[] = [];
    for (const connections of PLAIN_CONNECTIONS) {
      throughput.push(...(await interleave(plainTargets, 'http', connections, options, progress)));
    }
    throughput.push(...(await interleave(tlsTargets, 'https', TLS_CONNECTIONS, options, progress)));
    // The goal decided: the driver against hand-written nginx alone, in more and shorter paired rounds.
    // nginx-same-work runs in the same rounds: what the issue's per-request work costs nginx written
    // by hand, the bound of any driver that does it.
    const pairs: HeadToHead[] = [];
    const setup = (name: string) => plainTargets.find((t) => t.setup === name)!;
    for (const connections of PLAIN_CONNECTIONS) {
      pairs.push(
        ...(await headToHead(
          setup('nginx'),
          [setup('nginx-driver'), setup('nginx-same-work')],
          connections,
          options,
          `gateway-drivers: head to head, ${connections} conns`,
          progress,
        )),
      );
    }

    // 2. 20 applies under load, one driver after the other.
    const loadRuns: LoadRun[] = [];
    for (const d of drivers) {
      // Back to one app (again if the first try fails: after a failed apply of 10,000 apps).
      if ((await d.tryApply({ apps: 1, upstreamPort: portA })).error !== undefined)
        await d.apply({ apps: 1, upstreamPort: portA });
      const load = startLoad(`http://127.0.0.1:${d.httpPort}${APP_PATH}`, LOAD_CONNECTIONS);
      await load.ready;
      await sleep(1_000);
      load.child.send({ type: 'mark', name: 'steady' });
      await sleep(options.quick ? 1_000 : 3_000);
      load.child.send({ type: 'mark', name: 'applies' });
      const applyMs: number[] = [];
      for (let i = 0; i < LOAD_APPLIES; i++) {
        applyMs.push(await d.apply({ apps: 1, upstreamPort: i % 2 === 0 ? portB : portA }));
        // Requests flow on each table before the next (the in-process apply takes microseconds).
        await sleep(APPLY_GAP_MS);
      }
      load.child.send({ type: 'mark', name: 'after' });
      await sleep(1_000);
      load.child.send({ type: 'stop' });
      const phases = await waitFor('the load generator results', () => load.results, 60_000);
      await load.stop();
      loadRuns.push({ driver: d.name, applyMs, phases: phases.filter((p) => p.name !== 'start') });
      const during = phases.find((p) => p.name === 'applies');
      progress(
        `gateway-drivers: ${LOAD_APPLIES} applies under load, ${d.name}: ` +
          `${during ? during.non2xx + during.errors : '?'} failed of ${during?.requests ?? '?'}`,
      );
    }

    // 3. Apply latency: per size, one unmeasured apply to reach it, then alternating ports. A failed
    //    apply (the nginx driver's 60 s timeout, say) is recorded and the run goes on.
    const latencies: ApplyLatency[] = [];
    for (const apps of TABLE_SIZES) {
      const applies = options.quick || apps >= 10_000 ? 3 : Math.max(5, options.rounds);
      for (const d of drivers) await d.tryApply({ apps, upstreamPort: portB });
      const rows = drivers.map((d): ApplyLatency => ({ driver: d.name, apps, ms: [], failed: [] }));
      for (let i = 0; i < applies; i++) {
        const upstreamPort = i % 2 === 0 ? portA : portB;
        for (const [j, d] of drivers.entries()) {
          const result = await d.tryApply({ apps, upstreamPort });
          if (result.error === undefined) rows[j]!.ms.push(result.ms);
          else {
            rows[j]!.failed.push({ ms: result.ms, error: result.error });
            progress(`gateway-drivers: ${result.error.slice(0, 300)}`);
          }
        }
      }
      latencies.push(...rows);
      progress(
        `gateway-drivers: apply ${count(apps)} app(s): ` +
          rows
            .map(
              (r) =>
                `${r.driver} ${ms(median(r.ms))}${r.failed.length ? ` (${r.failed.length} failed)` : ''}`,
            )
            .join(', '),
      );
    }

    return report(options, {
      latencies,
      loadRuns,
      throughput,
      pairs,
      builtinName: builtin.name,
      cert,
      dynamic,
    });
  } finally {
    for (const stopOne of stops.reverse()) await stopOne();
    await removeDir();
  }
}

function report(
  options: BenchOptions,
  data: {
    latencies: ApplyLatency[];
    loadRuns: LoadRun[];
    throughput: Throughput[];
    pairs: HeadToHead[];
    builtinName: string;
    cert: BenchCertificate;
    dynamic: boolean;
  },
): SuiteResult {
  const driverNotes = [
    "builtin-0 = the built-in driver in the driver's own process (BERTH_GATEWAY_WORKERS=0); " +
      `${data.builtinName} = the built-in driver with ${options.workers} node:cluster workers (as berthd runs it); ` +
      `nginx-driver = the nginx driver with its own nginx master, ${options.workers} workers, its defaults ` +
      `(${data.dynamic ? 'dynamic upstreams: a table that only moves apps to other servers is applied without a reload; ' : 'static upstreams (libnginx-mod-http-lua not installed); '}` +
      'upstream keepalive 64, JSON access log on, buffered)' +
      (data.dynamic ? '; nginx-static = the same with static upstreams (every apply a reload).' : '.'),
  ];
  const sizes = [...new Set(data.latencies.map((l) => l.apps))];
  const latencyTable: Table = {
    title:
      'gateway-drivers: route table apply latency, medians of applies that move every app to the other upstream',
    columns: ['apps', 'driver', 'applies', 'failed', 'median', 'min', 'max', 'vs 1 app'],
    rows: [],
    notes: [
      'apply(table, seq) from the call until it resolves (every serving process serves the new table); the',
      'table is built before the clock starts. Path routes /o/app{i}/ only (no apps domain), one upstream each.',
      'Drivers interleaved per apply (builtin-0, built-in cluster, nginx, builtin-0, …). median/min/max: the applies',
      "that resolved; failed: applies rejected (the nginx driver's default 60 s confirmation timeout, as berthd runs it).",
      ...driverNotes,
    ],
  };
  for (const l of data.latencies) {
    if (l.failed.length) {
      latencyTable.notes!.push(
        `${l.driver} at ${count(l.apps)} apps: ${l.failed.length} failed after ${l.failed.map((f) => ms(f.ms)).join(', ')}: ${l.failed[0]!.error.slice(0, 200)}`,
      );
    }
  }
  for (const apps of sizes) {
    for (const l of data.latencies.filter((x) => x.apps === apps)) {
      const one = data.latencies.find((x) => x.apps === 1 && x.driver === l.driver)!;
      latencyTable.rows.push([
        count(apps),
        l.driver,
        String(l.ms.length + l.failed.length),
        String(l.failed.length),
        ms(median(l.ms)),
        ms(Math.min(...l.ms)),
        ms(Math.max(...l.ms)),
        ratio(median(l.ms) / median(one.ms)),
      ]);
    }
  }

  const loadTable: Table = {
    title: `gateway-drivers: ${LOAD_APPLIES} applies under load, ${LOAD_CONNECTIONS} keep-alive connections to ${APP_PATH} (1-app table)`,
    columns: [
      'driver',
      'phase',
      'duration',
      'requests',
      'failed',
      'reset on reuse',
      'p50',
      'p99',
      'max',
      'apply median',
    ],
    rows: [],
    notes: [
      'Each apply moves the app to the other of two upstreams that both answer 200 (new instance ids); the next',
      `apply follows ${APPLY_GAP_MS} ms after one resolved. failed = responses other than 2xx plus requests without a response`,
      '(lib/loadgen.ts, its own process, Node http.Agent keep-alive, no retries); reset on reuse = of those, ECONNRESET',
      'on a reused kept-alive connection (the server closed it as the request went out; a retrying client would recover).',
    ],
  };
  const goals: Goal[] = [];
  for (const run of data.loadRuns) {
    for (const p of run.phases) {
      loadTable.rows.push([
        run.driver,
        p.name,
        `${(p.durationMs / 1000).toFixed(1)} s`,
        count(p.requests),
        String(p.non2xx + p.errors),
        String(p.resetOnReuse ?? 0),
        ms(p.p50ms),
        ms(p.p99ms),
        ms(p.maxMs),
        p.name === 'applies' ? ms(median(run.applyMs)) : '',
      ]);
      if (p.samples.length) loadTable.notes!.push(`${run.driver}, ${p.name}: e.g. ${p.samples.join('; ')}`);
    }
    const during = run.phases.find((p) => p.name === 'applies');
    goals.push({
      name: `${run.driver}: failed requests across ${LOAD_APPLIES} applies under load`,
      kind: 'max',
      target: 0,
      measured: during ? during.non2xx + during.errors : Number.NaN,
      format: count,
    });
  }

  const find = (scheme: 'http' | 'https', setup: string, connections: number) =>
    data.throughput.find((t) => t.scheme === scheme && t.setup === setup && t.connections === connections)!;
  const throughputTable = (
    scheme: 'http' | 'https',
    connectionsList: number[],
    title: string,
    notes: string[],
  ) => {
    const table: Table = {
      title,
      columns: THROUGHPUT_COLUMNS,
      rows: [],
      notes,
    };
    for (const connections of connectionsList) {
      const nginx = find(scheme, 'nginx', connections);
      for (const m of data.throughput.filter((t) => t.scheme === scheme && t.connections === connections)) {
        table.rows.push(throughputRow(m, nginx));
      }
    }
    return table;
  };
  const plain = throughputTable(
    'http',
    PLAIN_CONNECTIONS,
    `gateway-drivers: plain HTTP, 1 app, medians of ${options.rounds} interleaved ${options.seconds} s wrk runs`,
    [
      `nginx = hand-written reverse proxy (lib/nginx.ts proxyConfig: upstream keepalive 64, access log off), ${options.workers} workers;`,
      'nginx-same-work = hand-written too (lib/nginx.ts sameWorkProxyConfig) with the per-request work the driver',
      'does: JSON access log (buffered), request id to the app and back, forwarded headers;',
      'nginx-lua-floor = hand-written nginx whose server is picked by the smallest Lua balancer, nothing else added',
      '(lib/nginx.ts luaFloorProxyConfig): no driver with dynamic upstreams can be faster;',
      'nginx-driver = the config the nginx driver renders for a one-app table (nginx-static: with static upstreams);',
      'the built-in cluster for reference.',
      'Upstream: a one-worker nginx answering 100 bytes. wrk: 2 threads on the same cores. CPU/req = CPU time of',
      "the proxy's processes / requests (µs).",
    ],
  );
  const https = throughputTable(
    'https',
    [TLS_CONNECTIONS],
    `gateway-drivers: HTTPS (TLS terminated by the proxy), 1 app, medians of ${options.rounds} interleaved ${options.seconds} s wrk runs`,
    [
      `One openssl-made ECDSA P-256 self-signed certificate for "${TLS_HOST}" in all three (SNI and Host from the`,
      `URL https://${TLS_HOST}:port${APP_PATH}); TLS 1.2/1.3 as negotiated by wrk's OpenSSL; plain HTTP to the upstream.`,
      'nginx = hand-written (lib/nginx.ts tlsProxyConfig); the drivers get the certificate in their table',
      '(`certificates` + `hosts`) with a host route for the app.',
    ],
  );
  for (const connections of PLAIN_CONNECTIONS) {
    const nginx = summariseWrk(find('http', 'nginx', connections));
    const sameWork = summariseWrk(find('http', 'nginx-same-work', connections));
    const driver = summariseWrk(find('http', 'nginx-driver', connections));
    const staticRun = data.throughput.find(
      (t) => t.scheme === 'http' && t.setup === 'nginx-static' && t.connections === connections,
    );
    const lua = staticRun === undefined ? '' : summariseWrk(staticRun);
    const floorRun = data.throughput.find(
      (t) => t.scheme === 'http' && t.setup === 'nginx-lua-floor' && t.connections === connections,
    );
    if (floorRun !== undefined) {
      const floor = summariseWrk(floorRun);
      plain.notes!.push(
        `${connections} conns: nginx-lua-floor/nginx ${ratio(floor.rps / nginx.rps)} req/s, ` +
          `${(floor.cpuUs - nginx.cpuUs).toFixed(1)} µs more CPU per request: the Lua balancer phase alone.`,
      );
    }
    plain.notes!.push(
      `${connections} conns: nginx-driver/nginx-same-work ${ratio(driver.rps / sameWork.rps)} req/s, ` +
        `${ratio(driver.p99ms / sameWork.p99ms)} p99; nginx-same-work/nginx ${ratio(sameWork.rps / nginx.rps)} req/s` +
        (lua === ''
          ? '.'
          : `; nginx-driver/nginx-static ${ratio(driver.rps / lua.rps)} req/s (the Lua balancer).`),
    );
  }
  goals.push(
    ...headToHeadGoals(
      data.pairs.filter((h) => h.candidate.setup === 'nginx-driver'),
      ISSUE_16_TARGETS,
    ),
  );
  const pairTable = headToHeadTable(
    `gateway-drivers: nginx-driver and nginx-same-work head to head with nginx, plain HTTP, ${options.pairs} paired rounds of ${options.pairSeconds} s`,
    data.pairs,
    [
      'The goals of nginx-driver are judged on these rounds; the plain HTTP table has the same setups among the rest.',
      'nginx-same-work (no goal) runs in the same rounds: hand-written nginx doing the per-request work the issue asks',
      'of the driver (JSON access log, request ids, forwarded headers), without its Lua balancer, WebSocket headers,',
      'cookie filter or raw-URI check: a bound on the ratio any driver with those features can reach here.',
    ],
  );
  return {
    name: 'gateway-drivers',
    tables: [latencyTable, loadTable, plain, pairTable, https],
    goals,
    raw: {
      workers: options.workers,
      latencies: data.latencies,
      loadRuns: data.loadRuns,
      throughput: data.throughput,
      pairs: data.pairs,
      certificate: { names: data.cert.names, key: 'ECDSA P-256' },
    },
  };
}
