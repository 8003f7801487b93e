// A gateway worker process (forked by gateway-cluster.ts with `node:cluster`, through
// worker-entry.cjs: tsx's in-thread require hook, not berthd's loader thread). Its composition root
// (../gateway-worker-main.ts) calls `runGatewayWorker` with the route policies it runs (the API
// gateway's); this file loads only the gateway and the logger: no store, no engine, nothing that
// needs ESM-only features. The worker says hello once loaded, then waits for its settings (berthd
// may fork it early, while it starts itself). The protocol with berthd is in worker-protocol.ts;
// a policy reaches berthd's services through `primary` (answered by the cluster's `serve`).

import { BerthError, ERRORS, type ErrorCode } from '../errors.ts';
import { createLogger, type Logger } from '../logger.ts';
import { accessLogger } from './access-log.ts';
import { snapshotMetrics } from './gateway-metrics.ts';
import { type GatewayWorker, isRouteTableMessage, startGatewayWorker } from './gateway-worker.ts';
import type { PolicyHandler } from './proxy.ts';
import type { GatewayTable, RoutePolicy } from './route-model.ts';
import type { UpstreamRegistry } from './upstreams.ts';
import {
  isPrimaryMessage,
  type PrimaryServices,
  type WorkerMessage,
  type WorkerSettings,
} from './worker-protocol.ts';

export type { PrimaryServices };

/** What a policy running in a worker gets. */
export interface WorkerPolicyContext {
  logger: Logger;
  /** Calls one of berthd's services (rejects with the BerthError berthd answered, or when berthd
   *  is gone or does not answer within CALL_TIMEOUT_MS). */
  primary: PrimaryServices;
  /** Told when berthd says `name` changed (GatewayCluster.notice). */
  onNotice(listener: (name: string) => void): void;
  /** The table this worker serves and its sequence (null before the first). */
  current(): { table: GatewayTable; seq: number } | null;
  /** The gateway's upstream registry (null before the worker serves): its keep-alive pools and
   *  in-flight counts, kept in step with the table by the gateway, for a policy that forwards to
   *  the same instances. */
  upstreams(): UpstreamRegistry | null;
}

/** Makes the handlers of the policies a worker runs, once its settings arrived. */
export type WorkerPolicies = (ctx: WorkerPolicyContext) => ReadonlyMap<RoutePolicy, PolicyHandler>;

/** Longest a call to berthd may take before the policy gets a failure. */
const CALL_TIMEOUT_MS = 30_000;

/** Longest a worker waits for its requests in flight when berthd went away without a word. */
const ORPHAN_GRACE_MS = 2_000;

/** Runs this process as a gateway worker: listens for berthd's messages and says hello. */
export function runGatewayWorker(options: { policies?: WorkerPolicies } = {}): void {
  function send(message: WorkerMessage): void {
    if (process.connected) process.send?.(message);
  }

  let worker: GatewayWorker | undefined;
  let logger: Logger | undefined;
  let starting = false;
  /** The newest table received while the server was still starting. */
  let pending: { table: GatewayTable; seq: number } | undefined;
  let stopping = false;
  let policies: ReadonlyMap<RoutePolicy, PolicyHandler> | undefined;
  /** The table served now and its sequence (one object per table: policies read it per request). */
  let served: { table: GatewayTable; seq: number } | null = null;
  let callId = 0;
  const calls = new Map<
    number,
    { resolve(value: unknown): void; reject(err: Error): void; timer: NodeJS.Timeout }
  >();
  const noticeListeners: Array<(name: string) => void> = [];

  const primary: PrimaryServices = (method, args) =>
    new Promise((resolve, reject) => {
      if (!process.connected) {
        reject(new BerthError('INTERNAL', 'berthd is gone'));
        return;
      }
      const id = ++callId;
      const timer = setTimeout(() => {
        calls.delete(id);
        reject(new BerthError('INTERNAL', `berthd did not answer ${method} within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      calls.set(id, { resolve, reject, timer });
      send({ type: 'berth:gateway:call', id, method, args });
    });

  async function start(settings: WorkerSettings, table: GatewayTable, seq: number): Promise<void> {
    starting = true;
    const log = createLogger(settings.logLevel).child({ gatewayWorker: settings.index });
    logger = log;
    pending = { table, seq };
    policies = options.policies?.({
      logger: log,
      primary,
      onNotice: (listener) => noticeListeners.push(listener),
      current: () => served,
      upstreams: () => worker?.gateway.upstreams ?? null,
    });
    try {
      worker = await startGatewayWorker({
        logger: log,
        port: settings.port,
        host: settings.host,
        https: settings.https,
        channel: null,
        table,
        ...(settings.limits === undefined ? {} : { limits: settings.limits }),
        gateway: {
          trustProxy: settings.trustProxy,
          platformHeaders: settings.platformHeaders,
          ...(settings.accessLog ? { onRequestDone: accessLogger(log) } : {}),
          ...(settings.pool === undefined ? {} : { pool: settings.pool }),
          ...(settings.upstreamHeadersTimeoutMs === undefined
            ? {}
            : { headersTimeoutMs: settings.upstreamHeadersTimeoutMs }),
          ...(policies === undefined ? {} : { policies }),
        },
      });
    } catch (err) {
      log.error({ err }, 'gateway worker could not start');
      send({ type: 'berth:gateway:failed', message: (err as Error).message });
      log.flush();
      setTimeout(() => process.exit(1), 50);
      return;
    }
    // A table that arrived while the server started is applied before the worker says it serves.
    const latest = pending;
    pending = undefined;
    const failed = latest.seq === seq ? null : worker.applyTable(latest.table);
    served = { table: worker.gateway.table, seq: failed === null ? latest.seq : seq };
    send({
      type: 'berth:gateway:ready',
      port: worker.port,
      ...(worker.httpsPort === undefined ? {} : { httpsPort: worker.httpsPort }),
      seq: failed === null ? latest.seq : seq,
    });
  }

  async function stop(graceMs: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => {
      worker?.server.closeAllConnections();
      process.exit(0);
    }, graceMs);
    force.unref();
    try {
      await worker?.close();
    } catch (err) {
      logger?.warn({ err }, 'gateway worker did not close cleanly');
    }
    // The requests are done: the policies send what they still hold (within the same grace).
    for (const [name, policy] of policies ?? []) {
      try {
        await policy.close?.();
      } catch (err) {
        logger?.warn({ err, policy: name }, 'a route policy did not close cleanly');
      }
    }
    logger?.flush();
    process.exit(0);
  }

  process.on('message', (message: unknown) => {
    if (isRouteTableMessage(message)) {
      const seq = message.seq ?? 0;
      if (worker === undefined) {
        pending = { table: message.table, seq };
        return;
      }
      const failed = worker.applyTable(message.table);
      if (failed === null) {
        served = { table: worker.gateway.table, seq };
        send({ type: 'berth:gateway:applied', seq });
      } else send({ type: 'berth:gateway:apply-failed', seq, message: failed.message });
      return;
    }
    if (!isPrimaryMessage(message)) return;
    switch (message.type) {
      case 'berth:gateway:init':
        if (!starting) void start(message.settings, message.table, message.seq);
        return;
      case 'berth:gateway:metrics':
        if (worker !== undefined) {
          send({
            type: 'berth:gateway:metrics-reply',
            id: message.id,
            metrics: snapshotMetrics(worker.gateway.metrics),
          });
        }
        return;
      case 'berth:gateway:shutdown':
        void stop(message.graceMs);
        return;
      case 'berth:gateway:answer': {
        const call = calls.get(message.id);
        if (call === undefined) return;
        calls.delete(message.id);
        clearTimeout(call.timer);
        if (message.error === undefined) call.resolve(message.value);
        else call.reject(serviceError(message.error));
        return;
      }
      case 'berth:gateway:notice':
        for (const listener of noticeListeners) listener(message.name);
        return;
    }
  });

  // berthd is gone (stopped, crashed or SIGKILLed): nobody sends tables any more, so stop serving.
  process.on('disconnect', () => {
    logger?.warn('berthd went away; gateway worker exiting');
    for (const call of calls.values()) {
      clearTimeout(call.timer);
      call.reject(new BerthError('INTERNAL', 'berthd is gone'));
    }
    calls.clear();
    void stop(ORPHAN_GRACE_MS);
  });
  // SIGTERM / SIGINT (e.g. the whole process group stopped at the terminal): berthd decides.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => void stop(ORPHAN_GRACE_MS));

  if (process.send === undefined) {
    process.stderr.write('worker-main.ts runs as a gateway worker forked by berthd only\n');
    process.exit(2);
  }
  send({ type: 'berth:gateway:hello' });
}

/** A refusal berthd answered, as the BerthError it threw (an unknown code as INTERNAL). */
function serviceError(error: { code: string; message: string; details?: unknown }): BerthError {
  if (!Object.hasOwn(ERRORS, error.code)) return new BerthError('INTERNAL', error.message);
  return new BerthError(error.code as ErrorCode, error.message, error.details);
}
