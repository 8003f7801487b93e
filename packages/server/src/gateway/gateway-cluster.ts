// The primary side of the multi-core gateway (design in index.ts): berthd forks N gateway worker
// processes with `node:cluster`, sends each its settings and the current gateway table, sends
// every later table and waits until each worker serves it (a worker that does not confirm in time
// is killed and replaced by one that starts with the current table), restarts workers that die
// (with back-off), collects their counters on request and stops them on close.
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
import { isBerthError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { type MetricsSnapshot, mergeMetrics } from './gateway-metrics.ts';
import { routeTableMessage } from './gateway-worker.ts';
import type { GatewayTable } from './route-model.ts';
import {
  isWorkerMessage,
  type PrimaryMessage,
  type PrimaryServices,
  type ServiceError,
  type WorkerMessage,
  type WorkerSettings,
} from './worker-protocol.ts';

/**
 * What a worker runs, in the form berthd itself runs: from the compiled bundle (`npm start`,
 * scripts/build.mjs) its `gateway-worker.mjs`; from the TypeScript sources (tests, `node --import
 * tsx`) gateway-worker-main.ts (the workers' composition root) behind tsx's in-thread require hook (see worker-entry.cjs).
 */
const WORKER: { exec: string; args: string[] } = import.meta.url.endsWith('.ts')
  ? {
      exec: fileURLToPath(new URL('./worker-entry.cjs', import.meta.url)),
      args: [fileURLToPath(new URL('../gateway-worker-main.ts', import.meta.url))],
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
  /** The settings every worker gets, besides its slot, the public addresses and the gateway key. */
  worker: Omit<WorkerSettings, 'index' | 'port' | 'host' | 'https' | 'platformHeaders'>;
  /** The table to serve now and its sequence: what a (re)started worker gets first and what
   *  `apply` sends. */
  currentTable: () => { table: GatewayTable; seq: number };
  /** Time allowed for all workers to listen at start (60 s). */
  startTimeoutMs?: number;
  /** Time a worker gets to acknowledge a table before it is killed and replaced (5 s). */
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
  /** Has the workers (forked now unless preloaded) listen with the current table, on HTTPS too
   *  when given (a port other than 0); resolves once every worker serves. */
  start(https?: { host: string; port: number }): Promise<void>;
  /** Pids of the workers serving now (for tests, the log and `kill`). */
  pids(): number[];
  /** The workers serving now and the sequence of the table each serves. */
  serving(): Array<{ pid: number; seq: number }>;
  /**
   * Sends the current table (sequence `seq`) to every worker; resolves once each live worker serves
   * it. A worker that does not confirm within the apply timeout (or refuses the table) is killed
   * and replaced by one started with the current table; rejects when a replacement does not serve
   * it in time. Before `start` there is nobody to tell: workers get the current table when they start.
   */
  apply(seq: number): Promise<void>;
  /** Asks every serving worker for its counters (a worker that does not answer in 2 s is left out). */
  metrics(): Promise<ClusterMetrics>;
  /** Resolves once `count` workers serve (after a restart, say). */
  waitServing(count: number, timeoutMs?: number): Promise<void>;
  /** Answers the workers' calls (their route policies) with these services from now on; calls
   *  before are refused. */
  serve(services: PrimaryServices): void;
  /** Tells every worker that `name` changed (a policy drops its copy of it). */
  notice(name: string): void;
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
  /** Killed for not confirming a table: replaced at once, without back-off. */
  replacing: boolean;
  /** The sequence of a table the worker refused (-1: none). */
  refusedSeq: number;
  restartTimer: NodeJS.Timeout | null;
  /** The worker's counters as it last reported them (null: none yet). */
  lastMetrics: MetricsSnapshot | null;
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

  let port = options.port;
  let closing = false;
  let metricsId = 0;
  let services: PrimaryServices | undefined;
  const failure: { error: Error | null } = { error: null };
  const changeListeners = new Set<() => void>();
  const metricsReplies = new Map<number, Map<number, MetricsSnapshot>>();
  /** The last counts of the workers replaced so far, summed (see fork). */
  let retired: MetricsSnapshot = { routes: [], unrouted: { requests: 0 } };
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
    replacing: false,
    refusedSeq: -1,
    lastMetrics: null,
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
    // The worker this one succeeds keeps its counts in the totals (what it served after its last
    // report is lost), so that they never go down: Prometheus would take that for a restart.
    if (slot.lastMetrics !== null) retired = mergeMetrics([retired, slot.lastMetrics]);
    slot.lastMetrics = null;
    slot.worker = worker;
    slot.pid = worker.process.pid ?? 0;
    slot.greeted = false;
    slot.initialised = false;
    slot.serving = false;
    slot.appliedSeq = -1;
    slot.refusedSeq = -1;
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
        {
          const current = options.currentTable();
          if (message.seq !== current.seq) send(slot, routeTableMessage(current.table, current.seq));
        }
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
      case 'berth:gateway:apply-failed':
        logger.error(
          { worker: slot.index, seq: message.seq, reason: message.message },
          'gateway worker refused a table',
        );
        slot.refusedSeq = Math.max(slot.refusedSeq, message.seq);
        changed();
        return;
      case 'berth:gateway:metrics-reply':
        metricsReplies.get(message.id)?.set(slot.index, message.metrics);
        slot.lastMetrics = message.metrics;
        changed();
        return;
      case 'berth:gateway:call':
        answerCall(slot, message.id, message.method, message.args);
        return;
    }
  }

  /** Runs a worker's call on the primary's services and sends the answer to that worker. */
  function answerCall(slot: Slot, id: number, method: string, args: unknown[]): void {
    const worker = slot.worker;
    const reply = (answer: { value?: unknown; error?: ServiceError }) => {
      // A worker replaced meanwhile asked nothing of its successor.
      if (slot.worker === worker) send(slot, { type: 'berth:gateway:answer', id, ...answer });
    };
    if (services === undefined) {
      reply({ error: { code: 'INTERNAL', message: 'berthd is not ready for gateway calls yet' } });
      return;
    }
    services(method, Array.isArray(args) ? args : []).then(
      (value) => reply({ value }),
      (err: unknown) => {
        if (isBerthError(err)) {
          reply({
            error: {
              code: err.code,
              message: err.message,
              ...(err.details === undefined ? {} : { details: err.details }),
            },
          });
          return;
        }
        logger.error({ err, method, worker: slot.index }, "a gateway worker's call failed");
        reply({ error: { code: 'INTERNAL', message: 'berthd failed the call' } });
      },
    );
  }

  /** Sends a worker that said hello its settings and the current table: it listens then. */
  function init(slot: Slot): void {
    if (settings === undefined || slot.initialised) return;
    slot.initialised = true;
    const current = options.currentTable();
    send(slot, {
      type: 'berth:gateway:init',
      settings: { ...settings, index: slot.index },
      table: current.table,
      seq: current.seq,
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
    const replacing = slot.replacing;
    slot.replacing = false;
    if (!replacing) slot.quickCrashes = lived >= STABLE_AFTER_MS ? 0 : slot.quickCrashes + 1;
    const delay = replacing
      ? 0
      : Math.min(restartDelayMs * 2 ** Math.max(0, slot.quickCrashes - 1), MAX_RESTART_DELAY_MS);
    logger.warn(
      { worker: slot.index, pid: slot.pid, code, signal, restartInMs: delay },
      'gateway worker exited; restarting it',
    );
    slot.restartTimer = setTimeout(() => fork(slot), delay);
    slot.restartTimer.unref();
  }

  /** A live worker that was given a table (at init or since) and does not serve `seq` yet. */
  function behind(slot: Slot, seq: number): boolean {
    return slot.worker !== null && slot.initialised && slot.appliedSeq < seq;
  }

  async function apply(seq: number): Promise<void> {
    if (!startedOnce || closing) return;
    const message = routeTableMessage(options.currentTable().table, seq);
    for (const slot of slots) if (slot.initialised) send(slot, message);
    const refused = (s: Slot) => s.refusedSeq >= seq;
    await until(() => slots.every((s) => !behind(s, seq)) || slots.some(refused), applyTimeoutMs);
    const late = slots.filter((s) => behind(s, seq));
    if (late.length === 0) return;
    // Nobody may route with an older table once this resolves: the late ones are replaced by
    // workers that start with the current table.
    logger.warn(
      { workers: late.map((s) => s.index), pids: late.map((s) => s.pid), seq },
      'gateway workers did not confirm the table in time; replacing them',
    );
    for (const slot of late) {
      slot.replacing = true;
      slot.worker?.process.kill('SIGKILL');
    }
    const replaced = await until(
      () => closing || late.every((s) => s.serving && s.appliedSeq >= seq && !refused(s)),
      options.startTimeoutMs ?? 60_000,
    );
    if (!replaced && !closing) {
      throw new Error(`gateway workers ${late.map((s) => s.index).join(', ')} do not serve table ${seq}`);
    }
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

  async function start(https?: { host: string; port: number }): Promise<void> {
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
      platformHeaders: [GATEWAY_KEY_HEADER, key],
      ...(https === undefined ? {} : { https }),
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
    serving: () => slots.filter((s) => s.serving).map((s) => ({ pid: s.pid, seq: s.appliedSeq })),
    apply,
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
      // Every worker now counts with what it last reported (its answer, or an earlier one when it
      // did not answer in time); those replaced meanwhile are in `retired`.
      const counted = [
        retired,
        ...slots.flatMap((slot) => (slot.lastMetrics === null ? [] : [slot.lastMetrics])),
      ];
      return { total: mergeMetrics(counted), workers };
    },
    serve(given) {
      services = given;
    },
    notice(name) {
      for (const slot of slots) if (slot.initialised) send(slot, { type: 'berth:gateway:notice', name });
    },
    async waitServing(count, timeoutMs = 30_000) {
      const ok = await until(() => slots.filter((s) => s.serving).length >= count, timeoutMs);
      if (!ok) throw new Error(`${count} gateway workers were not serving within ${timeoutMs} ms`);
    },
    close,
  };
}

/**
 * For berthd's API behind gateway workers or nginx: X-Forwarded-* and X-Request-Id headers count
 * only on requests that carry the gateway's key (which is then removed); on anything else reaching
 * the port directly (another local process) they are dropped, so client addresses cannot be forged
 * that way, nor the id an API gateway call is logged under.
 * `trustedPeer`: the proxies the operator trusts in front of the API's own port (BERTH_TRUST_PROXY,
 * when that port is not the gateway's), whose headers are left for the API's own trust to weigh.
 */
export function forwardedGuard(
  key: string,
  trustedPeer?: ((address: string) => boolean) | null,
): (req: IncomingMessage, res: ServerResponse) => void {
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
    if (trustedPeer) {
      const peer = req.socket.remoteAddress;
      if (peer !== undefined && trustedPeer(peer)) return;
    }
    delete headers['x-request-id'];
    delete headers['x-forwarded-for'];
    delete headers['x-forwarded-proto'];
    delete headers['x-forwarded-host'];
  };
}
