// The built-in gateway in one process: upstream registry + proxy behind one synchronous
// `applyTable`. Hook `handleRequest` / `handleUpgrade` to an http.Server's (or an https.Server's)
// 'request' / 'upgrade' events. It runs no active health checks: the control plane does
// (health-monitor.ts) and marks failed upstreams `down` in the table. Passive detection is local:
// an upstream that refuses a connection is skipped for `passiveRetryMs`, then tried again.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../logger.ts';
import { createGatewayMetrics, type GatewayMetrics } from './gateway-metrics.ts';
import { createProxy, type PolicyHandler, type ProxyFallback } from './proxy.ts';
import type { PlatformPool, RequestDoneInfo } from './proxy-context.ts';
import {
  checkGatewayTable,
  type GatewayTable,
  type RoutePolicy,
  type UpstreamServer,
} from './route-model.ts';
import { createSniContexts, type SniContexts } from './tls-contexts.ts';
import type { TrustProxySetting } from './trusted-proxies.ts';
import {
  createUpstreamRegistry,
  type Upstream,
  type UpstreamPoolOptions,
  type UpstreamRegistry,
} from './upstreams.ts';

export interface GatewayOptions {
  logger: Logger;
  /** Upstream connection pools of app instances: connections per instance (64; 0 for no limit),
   *  connect timeout (5 s), keep-alive, and how long a pool without requests stays open (60 s; made
   *  again on the next request). The pool to berthd (platform routes) has no connection limit. */
  pool?: UpstreamPoolOptions;
  /** Time allowed for an app to start answering (60 s). */
  headersTimeoutMs?: number;
  /** Longest silence while an app sends its body (120 s). */
  bodyTimeoutMs?: number;
  /** Peers whose X-Forwarded-* and X-Request-Id are believed (BERTH_TRUST_PROXY); default none. */
  trustProxy?: TrustProxySetting;
  onRequestDone?: (info: RequestDoneInfo) => void;
  /** Serves `platform` routes in this process (berthd's API and console on the same server). */
  platformHandler?: ProxyFallback;
  /** Handlers of route policies run in this process (the API gateway's); a policy route without
   *  one goes to its platform target. */
  policies?: ReadonlyMap<RoutePolicy, PolicyHandler>;
  /** Extra headers on requests proxied to a platform target (flat `[name, value, …]`): the
   *  gateway key berthd trusts X-Forwarded-* with. */
  platformHeaders?: readonly string[];
  /** How long an upstream that refused a connection is skipped before it is tried again (1 s). */
  passiveRetryMs?: number;
  /** The HTTPS listener's port, for hosts with `httpsRedirect`. */
  httpsPort?: () => number | undefined;
}

export interface Gateway {
  readonly handleRequest: (req: IncomingMessage, res: ServerResponse) => void;
  readonly handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  readonly table: GatewayTable;
  readonly metrics: GatewayMetrics;
  readonly upstreams: UpstreamRegistry;
  /** The table's certificates, for an HTTPS server's SNICallback. */
  readonly tls: SniContexts;
  /**
   * Swaps in a new table atomically (requests in flight finish on the upstreams they started on).
   * Throws for a malformed table (GatewayTableError) or a certificate that cannot be loaded, which
   * changes nothing.
   */
  applyTable(table: GatewayTable): void;
  /** Closes every upstream connection. */
  close(): Promise<void>;
}

export function createGateway(options: GatewayOptions): Gateway {
  const logger = options.logger.child({ mod: 'gateway' });
  const metrics = createGatewayMetrics();
  const passiveRetryMs = options.passiveRetryMs ?? 1_000;
  const sni = createSniContexts({ logger });
  const upstreams = createUpstreamRegistry({
    logger,
    ...(options.pool === undefined ? {} : { pool: options.pool }),
  });
  // berthd on loopback, with no limit on connections: long-lived requests (log streams) must not
  // hold up every other API call, and app pools are separate.
  const platformRegistry = createUpstreamRegistry({ logger, pool: { ...options.pool, connections: 0 } });
  const platformPool: PlatformPool = {
    registry: platformRegistry,
    upstream(host, port) {
      const id = `berthd@${host}:${port}`;
      let upstream = platformRegistry.get(id);
      if (upstream === undefined) {
        platformRegistry.sync([...platformRegistry.list(), { id, host, port }]);
        upstream = platformRegistry.get(id)!;
      }
      return upstream;
    },
  };
  const retryLater = (registry: UpstreamRegistry) => (upstream: Upstream, up: boolean) => {
    if (up) return;
    setTimeout(() => {
      if (!upstream.retired) registry.markUp(upstream, 'trying it again after a refused connection');
    }, passiveRetryMs).unref();
  };
  upstreams.onChange(retryLater(upstreams));
  platformRegistry.onChange(retryLater(platformRegistry));
  const proxy = createProxy({
    logger,
    registry: upstreams,
    metrics,
    platformPool,
    ...(options.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: options.headersTimeoutMs }),
    ...(options.bodyTimeoutMs === undefined ? {} : { bodyTimeoutMs: options.bodyTimeoutMs }),
    ...(options.pool?.connectTimeoutMs === undefined
      ? {}
      : { connectTimeoutMs: options.pool.connectTimeoutMs }),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
    ...(options.onRequestDone === undefined ? {} : { onRequestDone: options.onRequestDone }),
    ...(options.platformHandler === undefined ? {} : { platformHandler: options.platformHandler }),
    ...(options.policies === undefined ? {} : { policies: options.policies }),
    ...(options.platformHeaders === undefined ? {} : { platformHeaders: options.platformHeaders }),
    ...(options.httpsPort === undefined ? {} : { httpsPort: options.httpsPort }),
  });

  return {
    handleRequest: proxy.handleRequest,
    handleUpgrade: proxy.handleUpgrade,
    get table() {
      return proxy.table;
    },
    metrics,
    upstreams,
    tls: sni,
    applyTable(table) {
      checkGatewayTable(table);
      // Before anything changes: a certificate that cannot be loaded refuses the whole table.
      sni.update(table);
      const specs: UpstreamServer[] = [];
      const platforms = new Set<string>();
      for (const route of table.routes) {
        const target = route.target;
        if (target.kind === 'proxy') for (const upstream of target.upstreams) specs.push(upstream);
        else if (target.kind === 'platform') platforms.add(`berthd@${target.host}:${target.port}`);
      }
      // All synchronous: no request can see the registry and the table out of step.
      upstreams.sync(specs);
      platformRegistry.sync(platformRegistry.list().filter((u) => platforms.has(u.id)));
      proxy.setTable(table);
      logger.info({ routes: table.routes.length, upstreams: specs.length }, 'route table applied');
    },
    async close() {
      await upstreams.close();
      await platformRegistry.close();
    },
  };
}
