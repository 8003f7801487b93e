// The primary side of the multi-core gateway (design in index.ts): berthd forks N gateway worker
// processes with `node:cluster`, sends each its settings and the current route table, broadcasts
// every later table (and waits until each worker serves it), restarts workers that die (with
// back-off), collects their counters on request and stops them on close.
//
// Why `node:cluster` rather than `child_process.fork` with a listening handle passed to each child:
// a shared handle keeps being accepted on by whoever holds it, so berthd itself would take a share
// of the public connections (or a restart would need the handle back from a live worker). Cluster
// keeps the listening socket in the primary and only its workers serve it, and a replaced worker
// simply listens again. The primary hands connections out round robin; cluster's `reusePort` (Node
// >= 22.12, so available now) would let the kernel spread them instead, but is not used (yet).
import cluster, { type Worker } from 'node:cluster';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger.ts';
import type { Gateway } from './gateway.ts';
import { type MetricsSnapshot, mergeMetrics } from './gateway-metrics.ts';
import { routeTableMessage } from './gateway-worker.ts';
import type { RouteTable, RouteTableInput } from './route-table.ts';
import {
  isWorkerMessage,
  type PrimaryMessage,
  type WorkerMessage,
  type WorkerSettings,
} from './worker-protocol.ts';

/**
 * What a worker runs, in the form berthd itself runs: from the compiled bundle (`npm start`,
 * scripts/build.mjs) its `gateway-worker.mjs`; from the TypeScript sources (tests, `node --import
 * tsx`) worker-main.ts behind tsx's in-thread require hook (see worker-entry.cjs).
 */
const WORKER: { exec: string; args: string[] } = import.meta.url.endsWith('.ts')
  ? {
      exec: fileURLToPath(new URL('./worker-entry.cjs', import.meta.url)),
      args: [fileURLToPath(new URL('./worker-main.ts', import.meta.url))],
    }
  : { exec: fileURLToPath(new URL('./gateway-worker.mjs', import.meta.url)), args: [] };

/** The header a worker adds to what it forwards to berthd's API, with a secret only they know. */
export const GATEWAY_KEY_HEADER = 'x-berth-gateway-key';

export interface GatewayClusterOptions {
  logger: Logger;
  /** Number of worker processes (at least 1). */
  workers: number;
  /** The port and address the workers serve (the apps port); `0` picks a free port (shared by all
   *  workers). */
  port: number;
  host: string;
  /** The settings every worker gets, besides its slot, the public address and berthd's API. */
  worker: Omit<WorkerSettings, 'index' | 'port' | 'host' | 'fallback'>;
  /** The table to serve now: what a (re)started worker gets first and what `broadcast` sends. */
  currentTable: () => RouteTable | RouteTableInput;
  /** Time allowed for all workers to listen at start (60 s). */
  startTimeoutMs?: number;
  /** Time a worker gets to acknowledge a table before it is waited for no more (5 s). */
  applyTimeoutMs?: number;
  /** Time workers get to finish requests in flight on close (5 s). */
  stopGraceMs?: number;
  /** First restart delay after a crash (250 ms), doubled for each quick crash in a row, up to 30 s. */
  restartDelayMs?: number;
  /** Node flags for the workers (e.g. `--cpu-prof`). */
  execArgv?: string[];
  /**
   * The workers' environment. `cluster.fork` lays it over berthd's process.env, so a name mapped to
   * `undefined` is unset (config.ts childEnvironment unsets every BERTH_* setting).
   */
  env?: Record<string, string | undefined>;
  /**
   * Runs the workers as this user and group (supplementary groups dropped) instead of berthd's:
   * berthd keeps the listening socket and hands connections over, so workers need no privilege to
   * serve the port. The user must be able to read the workers' code and node_modules (and, from
   * the sources, write tsx's cache under the temp dir); their working directory is the code's.
   */
  runAs?: { uid: number; gid: number };
}

export interface WorkerMetrics {
  pid: number;
  index: number;
  metrics: MetricsSnapshot;
}

export interface ClusterMetrics {
  /** All workers summed. */
  total: MetricsSnapshot;
  workers: WorkerMetrics[];
}

export interface GatewayCluster {
  /** The port the workers share (known once started). */
  readonly port: number;
  /** The secret workers present to berthd's API (GATEWAY_KEY_HEADER); see `forwardedGuard`. */
  readonly key: string;
  /** Forks the workers now, so that they load their code while berthd still starts (migrations,
   *  recovery): they wait for `start` before they listen. Optional; `start` forks what is not. */
  preload(): void;
  /** Has the workers (forked now unless preloaded) listen, forwarding requests that are not for an
   *  app to `api` (berthd's loopback port; with BERTH_SHARED_ORIGIN only), or answering them with
   *  GATEWAY_NO_ROUTE when `api` is null (the apps origin); resolves once every worker serves. */
  start(api: { host: string; port: number } | null): Promise<void>;
  /** Pids of the workers serving now (for tests, the log and `kill`). */
  pids(): number[];
  /** Sends the current table to every worker; resolves once each serves it (or died, or timed
   *  out). Before `start` there is nobody to tell: workers get the current table when they start. */
  broadcast(): Promise<void>;
  /** Asks every serving worker for its counters (a worker that does not answer in 2 s is left out). */
  metrics(): Promise<ClusterMetrics>;
  /** Resolves once `count` workers serve (after a restart, say). */
  waitServing(count: number, timeoutMs?: number): Promise<void>;
  /** Stops every worker (requests in flight get `stopGraceMs`), then resolves. */
  close(): Promise<void>;
}

interface Slot {
  index: number;
  worker: Worker | null;
  pid: number;
  /** Said hello: its code is loaded and it waits for its settings. */
  greeted: boolean;
  /** Sent its settings: gets every table from now on. */
  initialised: boolean;
  serving: boolean;
  appliedSeq: number;
  startedAt: number;
  /** Crashes in a row that came soon after a start (drive the back-off). */
  quickCrashes: number;
  restartTimer: NodeJS.Timeout | null;
}

/** A worker that lived this long before dying was not crash-looping: its back-off starts afresh. */
const STABLE_AFTER_MS = 30_000;
const MAX_RESTART_DELAY_MS = 30_000;

/** Port-0 clusters by host in this process: Node's cluster shares a listening handle between all
 *  workers that ask for the same address and port, so two of them on port 0 would share one port. */
const portZeroHosts = new Set<string>();

/** A random secret for GATEWAY_KEY_HEADER. */
export function newGatewayKey(): string {
  return randomBytes(24).toString('base64url');
}

/** Sets a cluster up without forking anything yet (see `start`). */
export function createGatewayCluster(options: GatewayClusterOptions): GatewayCluster {
  if (!Number.isInteger(options.workers) || options.workers < 1) {
    throw new Error(`a gateway cluster needs at least one worker, not ${options.workers}`);
  }
  const logger = options.logger.child({ mod: 'gateway' });
  const key = newGatewayKey();
  let settings: Omit<WorkerSettings, 'index'> | undefined;
  let startedOnce = false;
  let forked = false;
  /** Every worker served once: from now on dead workers are restarted. */
  let running = false;
  const applyTimeoutMs = options.applyTimeoutMs ?? 5_000;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const restartDelayMs = options.restartDelayMs ?? 250;
  const execArgv = [...(options.execArgv ?? [])];
  // Explicitly unset otherwise: cluster settings persist from one `setupPrimary` to the next.
  const runAs =
    options.runAs === undefined
      ? { uid: undefined, gid: undefined, cwd: undefined }
      : { uid: options.runAs.uid, gid: options.runAs.gid, cwd: path.dirname(WORKER.exec) };

  let seq = 0;
  let port = options.port;
  let closing = false;
  let metricsId = 0;
  const failure: { error: Error | null } = { error: null };
  const changeListeners = new Set<() => void>();
  const metricsReplies = new Map<number, Map<number, MetricsSnapshot>>();
  const slots: Slot[] = Array.from({ length: options.workers }, (_, index) => ({
    index,
    worker: null,
    pid: 0,
    greeted: false,
    initialised: false,
    serving: false,
    appliedSeq: -1,
    startedAt: 0,
    quickCrashes: 0,
    restartTimer: null,
  }));

  function changed(): void {
    for (const listener of [...changeListeners]) listener();
  }

  /** Resolves when `done()` holds, re-checked on every worker event, or after `timeoutMs`. */
  function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!done()) return;
        finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        changeListeners.delete(check);
        resolve(ok);
      };
      changeListeners.add(check);
    });
  }

  function send(slot: Slot, message: PrimaryMessage | ReturnType<typeof routeTableMessage>): void {
    const worker = slot.worker;
    if (worker === null || !worker.isConnected()) return;
    try {
      worker.send(message);
    } catch (err) {
      logger.debug({ err, worker: slot.index }, 'could not message a gateway worker');
    }
  }

  function fork(slot: Slot): void {
    slot.restartTimer = null;
    if (closing) return;
    cluster.setupPrimary({ ...WORKER, execArgv, silent: false, ...runAs });
    const worker = cluster.fork(options.env);
    slot.worker = worker;
    slot.pid = worker.process.pid ?? 0;
    slot.greeted = false;
    slot.initialised = false;
    slot.serving = false;
    slot.appliedSeq = -1;
    slot.startedAt = Date.now();
    worker.on('message', (message: unknown) => {
      if (slot.worker === worker && isWorkerMessage(message)) onMessage(slot, message);
    });
    worker.on('error', (err) => logger.debug({ err, worker: slot.index }, 'gateway worker channel error'));
    worker.on('exit', (code, signal) => {
      if (slot.worker === worker) onExit(slot, code, signal);
    });
  }

  function onMessage(slot: Slot, message: WorkerMessage): void {
    switch (message.type) {
      case 'berth:gateway:hello':
        slot.greeted = true;
        if (closing) {
          // Asked to stop before it could hear it: tell it again now that it listens.
          send(slot, { type: 'berth:gateway:shutdown', graceMs: stopGraceMs });
          return;
        }
        // Preloaded: it waits until `start` has the settings.
        if (settings !== undefined) init(slot);
        return;
      case 'berth:gateway:ready':
        slot.serving = true;
        slot.appliedSeq = message.seq;
        if (port === 0 || port === options.port) port = message.port;
        else if (message.port !== port) {
          logger.warn(
            { worker: slot.index, port: message.port, was: port },
            'gateway worker got another port',
          );
        }
        logger.info({ worker: slot.index, pid: slot.pid, port: message.port }, 'gateway worker serving');
        // A table sent while it started may have been missed: send the newest one again.
        if (message.seq !== seq) send(slot, routeTableMessage(table(), seq));
        changed();
        return;
      case 'berth:gateway:failed':
        logger.error({ worker: slot.index, reason: message.message }, 'gateway worker could not start');
        if (slots.some((s) => !s.serving)) failure.error ??= new Error(message.message);
        changed();
        return;
      case 'berth:gateway:applied':
        slot.appliedSeq = Math.max(slot.appliedSeq, message.seq);
        changed();
        return;
      case 'berth:gateway:metrics-reply':
        metricsReplies.get(message.id)?.set(slot.index, message.metrics);
        changed();
        return;
    }
  }

  /** Sends a worker that said hello its settings and the current table: it listens then. */
  function init(slot: Slot): void {
    if (settings === undefined || slot.initialised) return;
    slot.initialised = true;
    send(slot, {
      type: 'berth:gateway:init',
      settings: { ...settings, index: slot.index },
      table: table(),
      seq,
    });
  }

  function onExit(slot: Slot, code: number | null, signal: string | null): void {
    slot.worker = null;
    slot.serving = false;
    slot.greeted = false;
    slot.initialised = false;
    if (!running && !closing) {
      // Dying before the cluster ever served (a bad loader, a syntax error): the start fails.
      const as =
        options.runAs === undefined
          ? ''
          : `; it ran as uid ${options.runAs.uid}, which must be able to read ${WORKER.exec} and node_modules`;
      failure.error ??= new Error(`a worker exited during start (code ${code}, signal ${signal})${as}`);
    }
    changed();
    if (closing || !running) return;
    const lived = Date.now() - slot.startedAt;
    slot.quickCrashes = lived >= STABLE_AFTER_MS ? 0 : slot.quickCrashes + 1;
    const delay = Math.min(restartDelayMs * 2 ** Math.max(0, slot.quickCrashes - 1), MAX_RESTART_DELAY_MS);
    logger.warn(
      { worker: slot.index, pid: slot.pid, code, signal, restartInMs: delay },
      'gateway worker exited; restarting it',
    );
    slot.restartTimer = setTimeout(() => fork(slot), delay);
    slot.restartTimer.unref();
  }

  async function close(): Promise<void> {
    if (closing) return;
    closing = true;
    if (startedOnce && options.port === 0) portZeroHosts.delete(options.host);
    for (const slot of slots) {
      if (slot.restartTimer !== null) clearTimeout(slot.restartTimer);
      slot.restartTimer = null;
      send(slot, { type: 'berth:gateway:shutdown', graceMs: stopGraceMs });
    }
    const gone = await until(() => slots.every((s) => s.worker === null), stopGraceMs + 2_000);
    if (!gone) {
      for (const slot of slots) {
        if (slot.worker !== null) {
          logger.warn({ worker: slot.index, pid: slot.pid }, 'gateway worker did not stop; killing it');
          slot.worker.process.kill('SIGKILL');
        }
      }
      await until(() => slots.every((s) => s.worker === null), 5_000);
    }
  }

  /** The current table as plain data. */
  function table(): RouteTableInput {
    const current = options.currentTable();
    return 'toInput' in current ? current.toInput() : current;
  }

  function forkAll(): void {
    if (forked) return;
    forked = true;
    // Round robin hand-out by the primary (Node's default on Linux, made explicit: it must be set
    // before the first fork, and an inherited NODE_CLUSTER_SCHED_POLICY must not change it).
    cluster.schedulingPolicy = cluster.SCHED_RR;
    for (const slot of slots) fork(slot);
  }

  function preload(): void {
    if (closing || !cluster.isPrimary) return;
    forkAll();
  }

  async function start(api: { host: string; port: number } | null): Promise<void> {
    if (startedOnce) throw new Error('the gateway cluster was started already');
    if (closing) throw new Error('the gateway cluster is closed');
    if (!cluster.isPrimary) throw new Error('gateway workers are forked from the primary process only');
    if (options.port === 0) {
      if (portZeroHosts.has(options.host)) {
        throw new Error(`another gateway cluster in this process listens on ${options.host} port 0`);
      }
      portZeroHosts.add(options.host);
    }
    startedOnce = true;
    settings = {
      ...options.worker,
      port: options.port,
      host: options.host,
      fallback: api === null ? null : { host: api.host, port: api.port, headers: [GATEWAY_KEY_HEADER, key] },
    };
    if (forked) {
      // Preloaded workers that are ready get their settings now, the others when they say hello.
      for (const slot of slots) if (slot.greeted) init(slot);
    } else forkAll();
    const started = await until(
      () => failure.error !== null || slots.every((s) => s.serving),
      options.startTimeoutMs ?? 60_000,
    );
    if (failure.error !== null || !started) {
      await close();
      throw new Error(
        `the gateway workers could not start on ${options.host}:${options.port}: ${
          failure.error?.message ?? 'timed out'
        }`,
      );
    }
    running = true;
    logger.info({ workers: slots.length, port }, 'gateway workers serving');
  }

  return {
    get port() {
      return port;
    },
    key,
    preload,
    start,
    pids: () => slots.filter((s) => s.serving).map((s) => s.pid),
    async broadcast() {
      if (!startedOnce || closing) return;
      const version = ++seq;
      const message = routeTableMessage(table(), version);
      for (const slot of slots) if (slot.initialised) send(slot, message);
      const applied = await until(
        () => slots.every((s) => !s.serving || s.appliedSeq >= version),
        applyTimeoutMs,
      );
      if (!applied) {
        const late = slots.filter((s) => s.serving && s.appliedSeq < version).map((s) => s.index);
        logger.warn(
          { workers: late, seq: version },
          'gateway workers did not confirm the route table in time',
        );
      }
    },
    async metrics() {
      const id = ++metricsId;
      const replies = new Map<number, MetricsSnapshot>();
      metricsReplies.set(id, replies);
      const asked = slots.filter((s) => s.serving);
      for (const slot of asked) send(slot, { type: 'berth:gateway:metrics', id });
      await until(() => asked.every((s) => replies.has(s.index) || !s.serving), 2_000);
      metricsReplies.delete(id);
      const workers: WorkerMetrics[] = [];
      for (const slot of asked) {
        const metrics = replies.get(slot.index);
        if (metrics !== undefined) workers.push({ pid: slot.pid, index: slot.index, metrics });
      }
      return { total: mergeMetrics(workers.map((w) => w.metrics)), workers };
    },
    async waitServing(count, timeoutMs = 30_000) {
      const ok = await until(() => slots.filter((s) => s.serving).length >= count, timeoutMs);
      if (!ok) throw new Error(`${count} gateway workers were not serving within ${timeoutMs} ms`);
    },
    close,
  };
}

/**
 * berthd's gateway when workers serve the apps port: the in-process gateway keeps the table and the
 * upstreams' health (for the API's instance views), and with BERTH_SHARED_ORIGIN serves berthd's
 * loopback port; every table also goes to the workers, and `applyTable` resolves once they all serve
 * it, so that the engine drains old instances only after no worker routes to them any more.
 */
export function clusteredGateway(local: Gateway, workers: GatewayCluster): Gateway {
  return {
    get handleRequest() {
      return local.handleRequest;
    },
    get handleUpgrade() {
      return local.handleUpgrade;
    },
    get table() {
      return local.table;
    },
    get metrics() {
      return local.metrics;
    },
    get upstreams() {
      return local.upstreams;
    },
    get health() {
      return local.health;
    },
    async applyTable(table) {
      await local.applyTable(table);
      await workers.broadcast();
    },
    close: () => local.close(),
  };
}

/**
 * For berthd's API behind gateway workers: X-Forwarded-* headers count only on requests that carry
 * the workers' key (which is then removed); on anything else reaching the loopback port directly
 * (another local process) they are dropped, so client addresses cannot be forged that way.
 */
export function forwardedGuard(key: string): (req: IncomingMessage, res: ServerResponse) => void {
  const expected = Buffer.from(key);
  return (req) => {
    const headers = req.headers;
    const presented = headers[GATEWAY_KEY_HEADER];
    const got = typeof presented === 'string' ? Buffer.from(presented) : undefined;
    if (got !== undefined && got.length === expected.length && timingSafeEqual(got, expected)) {
      delete headers[GATEWAY_KEY_HEADER];
      return;
    }
    delete headers[GATEWAY_KEY_HEADER];
    delete headers['x-forwarded-for'];
    delete headers['x-forwarded-proto'];
    delete headers['x-forwarded-host'];
  };
}
