// The built-in gateway behind the GatewayDriver seam: the Node.js data plane either in berthd's own
// process (BERTH_GATEWAY_WORKERS=0: one gateway, swapped synchronously) or in `node:cluster`
// workers (gateway-cluster.ts: each gets every table over IPC and confirms it; one that does not
// is replaced by one started with the current table). `apply` checks the table first and changes
// nothing when it is malformed. The workers are children of berthd: they do not outlive it (see
// docs/architecture.md, "When berthd restarts").
import type http from 'node:http';
import type https from 'node:https';
import net from 'node:net';
import type { Logger } from '../logger.ts';
import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from './connection-guard.ts';
import {
  GatewayApplyError,
  type GatewayDriver,
  type GatewayListeners,
  type GatewayProcessStatus,
} from './driver.ts';
import { createGateway, type Gateway, type GatewayOptions } from './gateway.ts';
import { createGatewayCluster, type GatewayCluster, type GatewayClusterOptions } from './gateway-cluster.ts';
import { type MetricsSnapshot, snapshotMetrics } from './gateway-metrics.ts';
import { closeServer, createGatewayServer, createGatewayTlsServer, listenServer } from './gateway-server.ts';
import { checkGatewayTable, emptyGatewayTable, type GatewayTable } from './route-model.ts';
import { createSniContexts } from './tls-contexts.ts';

export interface BuiltinDriverOptions {
  logger: Logger;
  /** 0: the gateway runs in this process; N: N `node:cluster` worker processes. */
  workers: number;
  /** Where plain HTTP is served (port 0 picks one). */
  listen: { host: string; port: number };
  /** Where HTTPS is served (BERTH_HTTPS_PORT), with the table's certificates by SNI; port 0 picks
   *  one. Unset: no HTTPS. */
  https?: { host: string; port: number } | undefined;
  /**
   * In-process only: do not listen; the caller serves `local`'s handlers on a server of its own
   * (berthd's API server with BERTH_SHARED_ORIGIN) and says where it listens.
   */
  embedded?: () => { host: string; port: number };
  /** The in-process gateway's options (platform handler, trusted proxies, pools, access log). */
  gateway?: Omit<GatewayOptions, 'logger' | 'httpsPort'>;
  /** Header timeout and connections per address of the gateway's own server. */
  limits?: ConnectionLimits;
  /** The workers' settings and process options. */
  cluster?: Omit<GatewayClusterOptions, 'logger' | 'workers' | 'port' | 'host' | 'currentTable'>;
}

export interface BuiltinDriver extends GatewayDriver {
  /** The in-process gateway (its handlers, for an embedding server); null with workers. */
  readonly local: Gateway | null;
  /** The worker processes; null in-process. */
  readonly cluster: GatewayCluster | null;
  /** Forks the workers now, so that they load their code while berthd still starts. */
  preload(): void;
}

export function createBuiltinDriver(options: BuiltinDriverOptions): BuiltinDriver {
  const logger = options.logger.child({ mod: 'gateway' });
  let current: { table: GatewayTable; seq: number } = { table: emptyGatewayTable(), seq: -1 };
  let confirmed = -1;
  let listeners: GatewayListeners | null = null;
  let server: http.Server | null = null;
  let tlsServer: https.Server | null = null;
  let httpsPort: number | undefined;
  let started = false;
  let closed = false;

  const local =
    options.workers > 0
      ? null
      : createGateway({ ...options.gateway, logger: options.logger, httpsPort: () => httpsPort });
  // With workers, certificates are loaded here first, so that one that cannot be loaded refuses the
  // table before any worker sees it (each worker would refuse it, and be replaced, in a loop).
  const certificates = options.workers > 0 ? createSniContexts({ logger }) : null;
  const cluster =
    options.workers > 0
      ? createGatewayCluster({
          worker: { logLevel: 'info', accessLog: false, trustProxy: false },
          ...options.cluster,
          logger: options.logger,
          workers: options.workers,
          port: options.listen.port,
          host: options.listen.host,
          currentTable: () => current,
        })
      : null;

  function check(table: GatewayTable): void {
    try {
      checkGatewayTable(table);
      certificates?.update(table);
    } catch (err) {
      throw new GatewayApplyError((err as Error).message);
    }
  }

  async function serve(table: GatewayTable, seq: number): Promise<void> {
    if (local !== null) {
      try {
        local.applyTable(table);
      } catch (err) {
        throw new GatewayApplyError((err as Error).message);
      }
      current = { table, seq };
      confirmed = seq;
      return;
    }
    current = { table, seq };
    if (!started) return; // the workers get `current` when they start
    try {
      await cluster!.apply(seq);
    } catch (err) {
      throw new GatewayApplyError((err as Error).message);
    }
    confirmed = seq;
  }

  return {
    kind: 'builtin',
    local,
    cluster,
    preload() {
      cluster?.preload();
    },
    async start(table, seq) {
      if (started) throw new Error('the built-in gateway was started already');
      check(table);
      await serve(table, seq);
      started = true;
      const limits = options.limits ?? DEFAULT_CONNECTION_LIMITS;
      if (cluster !== null) {
        // Workers share one listening handle per address and port: port 0 for HTTPS too would
        // share HTTP's. A free port is chosen here instead.
        const wanted = options.https;
        const https =
          wanted === undefined
            ? undefined
            : { host: wanted.host, port: wanted.port === 0 ? await freePort(wanted.host) : wanted.port };
        await cluster.start(https);
        httpsPort = https?.port;
        confirmed = Math.min(...cluster.serving().map((p) => p.seq));
        listeners = { http: { host: options.listen.host, port: cluster.port }, https };
      } else {
        if (options.embedded !== undefined) {
          listeners = { http: options.embedded() };
        } else {
          server = createGatewayServer(local!, limits);
          const port = await listenServer(server, options.listen.port, options.listen.host);
          listeners = { http: { host: options.listen.host, port } };
        }
        if (options.https !== undefined) {
          tlsServer = createGatewayTlsServer(local!, limits);
          httpsPort = await listenServer(tlsServer, options.https.port, options.https.host);
          listeners.https = { host: options.https.host, port: httpsPort };
        }
      }
      logger.info({ workers: options.workers, ...listeners.http, seq }, 'built-in gateway serving');
      return listeners;
    },
    async apply(table, seq) {
      if (closed) throw new GatewayApplyError('the gateway is closed');
      check(table);
      await serve(table, seq);
    },
    status() {
      let processes: GatewayProcessStatus[];
      if (cluster !== null) processes = cluster.serving();
      else processes = started ? [{ pid: process.pid, seq: confirmed }] : [];
      return { kind: 'builtin', seq: confirmed, processes, listeners };
    },
    async metrics(): Promise<MetricsSnapshot> {
      if (local !== null) return snapshotMetrics(local.metrics);
      return (await cluster!.metrics()).total;
    },
    async close() {
      if (closed) return;
      closed = true;
      await cluster?.close();
      await Promise.all([
        server === null ? undefined : closeServer(server),
        tlsServer === null ? undefined : closeServer(tlsServer),
      ]);
      await local?.close();
    },
  };
}

/** A port nobody listens on now (for the workers' HTTPS port when 0 was asked for). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
