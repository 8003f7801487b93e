// The entry point of a gateway worker process (forked by gateway-cluster.ts with `node:cluster`,
// through worker-entry.cjs: tsx's in-thread require hook, not berthd's loader thread). It loads only
// the gateway and the logger: no store, no engine, nothing that needs ESM-only features. It says
// hello once loaded, then waits for its settings (berthd may fork it early, while it starts itself).
// The protocol with berthd is in worker-protocol.ts.

import { createLogger, type Logger } from '../logger.ts';
import { accessLogger } from './access-log.ts';
import { snapshotMetrics } from './gateway-metrics.ts';
import { type GatewayWorker, isRouteTableMessage, startGatewayWorker } from './gateway-worker.ts';
import type { GatewayTable } from './route-model.ts';
import { isPrimaryMessage, type WorkerMessage, type WorkerSettings } from './worker-protocol.ts';

/** Longest a worker waits for its requests in flight when berthd went away without a word. */
const ORPHAN_GRACE_MS = 2_000;

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

let worker: GatewayWorker | undefined;
let logger: Logger | undefined;
let starting = false;
/** The newest table received while the server was still starting. */
let pending: { table: GatewayTable; seq: number } | undefined;
let stopping = false;

async function start(settings: WorkerSettings, table: GatewayTable, seq: number): Promise<void> {
  starting = true;
  const log = createLogger(settings.logLevel).child({ gatewayWorker: settings.index });
  logger = log;
  pending = { table, seq };
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
    if (failed === null) send({ type: 'berth:gateway:applied', seq });
    else send({ type: 'berth:gateway:apply-failed', seq, message: failed.message });
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
  }
});

// berthd is gone (stopped, crashed or SIGKILLed): nobody sends tables any more, so stop serving.
process.on('disconnect', () => {
  logger?.warn('berthd went away; gateway worker exiting');
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
