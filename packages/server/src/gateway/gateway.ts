// The built-in gateway: upstream registry + proxy + active health checks behind one `applyTable`.
// Hook `handleRequest` / `handleUpgrade` to an http.Server's 'request' / 'upgrade' events.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../logger.ts';
import { createGatewayMetrics, type GatewayMetrics } from './gateway-metrics.ts';
import { createHealthChecker, type HealthChecker, type HealthCheckSettings } from './health-checker.ts';
import { createProxy, type ProxyFallback } from './proxy.ts';
import type { RequestDoneInfo } from './proxy-context.ts';
import { createRouteTable, type RouteTable, type RouteTableInput, type UpstreamSpec } from './route-table.ts';
import type { TrustProxySetting } from './trusted-proxies.ts';
import { createUpstreamRegistry, type UpstreamPoolOptions, type UpstreamRegistry } from './upstreams.ts';

export interface GatewayOptions {
  logger: Logger;
  /** Upstream connection pools of app instances: connections per instance (64; 0 for no limit),
   *  connect timeout (5 s), keep-alive, and how long a pool without requests stays open (60 s; made
   *  again on the next request). The pool to berthd (`fallbackUpstream`) has no connection limit. */
  pool?: UpstreamPoolOptions;
  /** Time allowed for an app to start answering (60 s). */
  headersTimeoutMs?: number;
  /** Longest silence while an app sends its body (120 s). */
  bodyTimeoutMs?: number;
  /** Peers whose X-Forwarded-* and X-Request-Id are believed (BERTH_TRUST_PROXY); default none. */
  trustProxy?: TrustProxySetting;
  onRequestDone?: (info: RequestDoneInfo) => void;
  fallback?: ProxyFallback;
  /** Or: proxy requests that are not for an app (API, console) to this address, path unchanged. A
   *  refused connection takes it out for a second only; it has no active checks. */
  fallbackUpstream?: {
    host: string;
    port: number;
    /** Extra headers on every forwarded request (flat `[name, value, …]`). */
    headers?: readonly string[];
  };
  /** Default settings of active checks, or false for none (passive detection only: an upstream
   *  marked down then stays down until the next table is applied). */
  healthChecks?: false | Partial<HealthCheckSettings>;
}

export interface Gateway {
  readonly handleRequest: (req: IncomingMessage, res: ServerResponse) => void;
  readonly handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  readonly table: RouteTable;
  readonly metrics: GatewayMetrics;
  readonly upstreams: UpstreamRegistry;
  readonly health: HealthChecker | null;
  /** Swaps in a new table atomically (requests in flight finish on the upstreams they started on).
   *  In-process this is done on return; a multi-core gateway (gateway-cluster.ts) also sends the
   *  table to its workers and resolves once each of them serves it. */
  applyTable(table: RouteTable | RouteTableInput): void | Promise<void>;
  /** Stops health checks and closes every upstream connection. */
  close(): Promise<void>;
}

export function createGateway(options: GatewayOptions): Gateway {
  const logger = options.logger.child({ mod: 'gateway' });
  const metrics = createGatewayMetrics();
  const upstreams = createUpstreamRegistry({
    logger,
    ...(options.pool === undefined ? {} : { pool: options.pool }),
  });
  let fallbackRegistry: UpstreamRegistry | undefined;
  if (options.fallbackUpstream !== undefined) {
    // berthd on loopback, with no limit on connections: long-lived requests (log streams) must not
    // hold up every other API call, and app pools are separate.
    const registry = createUpstreamRegistry({ logger, pool: { ...options.pool, connections: 0 } });
    const { host, port } = options.fallbackUpstream;
    registry.sync([{ id: 'berthd', host, port }]);
    registry.onChange((upstream, up) => {
      if (!up) setTimeout(() => registry.markUp(upstream, 'retrying the fallback'), 1_000).unref();
    });
    fallbackRegistry = registry;
  }
  const fallbackUpstream = fallbackRegistry?.get('berthd');
  const proxy = createProxy({
    logger,
    registry: upstreams,
    metrics,
    ...(options.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: options.headersTimeoutMs }),
    ...(options.bodyTimeoutMs === undefined ? {} : { bodyTimeoutMs: options.bodyTimeoutMs }),
    ...(options.pool?.connectTimeoutMs === undefined
      ? {}
      : { connectTimeoutMs: options.pool.connectTimeoutMs }),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
    ...(options.onRequestDone === undefined ? {} : { onRequestDone: options.onRequestDone }),
    ...(options.fallback === undefined ? {} : { fallback: options.fallback }),
    ...(fallbackUpstream === undefined || fallbackRegistry === undefined
      ? {}
      : { fallbackUpstream: { upstream: fallbackUpstream, registry: fallbackRegistry } }),
    ...(options.fallbackUpstream?.headers === undefined
      ? {}
      : { fallbackHeaders: options.fallbackUpstream.headers }),
  });
  const health =
    options.healthChecks === false
      ? null
      : createHealthChecker({ registry: upstreams, logger, defaults: options.healthChecks ?? {} });

  return {
    handleRequest: proxy.handleRequest,
    handleUpgrade: proxy.handleUpgrade,
    get table() {
      return proxy.table;
    },
    metrics,
    upstreams,
    health,
    applyTable(input) {
      const table = 'resolve' in input ? input : createRouteTable(input);
      const specs: UpstreamSpec[] = [];
      for (const route of table.routes) for (const upstream of route.upstreams) specs.push(upstream);
      // All synchronous: no request can see the registry and the table out of step.
      upstreams.sync(specs);
      proxy.setTable(table);
      if (health !== null) health.sync(table);
      else for (const upstream of upstreams.list()) upstreams.markUp(upstream, 'a new route table lists it');
      logger.info({ routes: table.routes.length, upstreams: specs.length }, 'route table applied');
    },
    async close() {
      await health?.stop();
      await upstreams.close();
      await fallbackRegistry?.close();
    },
  };
}
