// What the request handler, the exchange and the tunnel share: the current table joined with the
// live upstreams (one object swapped atomically), the counters, the timeouts and the done-hook.
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../logger.ts';
import type { GatewayMetrics, RouteCounters } from './gateway-metrics.ts';
import type { GatewayEnv, Route, RouteTable } from './route-table.ts';
import type { ProxyTrust } from './trusted-proxies.ts';
import type { Upstream, UpstreamRegistry } from './upstreams.ts';

/** What `onRequestDone` receives once per request (for access logs and metrics). */
export interface RequestDoneInfo {
  app: string | null;
  env: GatewayEnv | null;
  /** Id of the upstream that answered (the last one tried), or null. */
  upstream: string | null;
  method: string;
  /** The path and query as the client sent them. */
  url: string;
  /** Status sent to the client; 499 when the client left before the response started. */
  status: number;
  /** Response body bytes sent to the client. */
  bytes: number;
  durationMs: number;
  requestId: string;
  /** The gateway's error code, or the upstream error's code when a response broke off. */
  error?: string;
}

export interface RouteState {
  readonly route: Route;
  /** The route's upstreams, in table order, as live registry objects. */
  readonly upstreams: readonly Upstream[];
  readonly counters: RouteCounters;
  /** The registry its upstreams belong to (their pools and up/down state). */
  readonly registry: UpstreamRegistry;
  /** An app's route; false for berthd's own API behind the gateway, whose cookies pass untouched. */
  readonly toApp: boolean;
  /** Rotating start of the balancing scan. */
  next: number;
}

/** A table and the live state of its routes; replaced as a whole on every table swap. */
export interface Snapshot {
  readonly table: RouteTable;
  readonly routes: ReadonlyMap<string, RouteState>;
}

export interface ProxyContext {
  snapshot: Snapshot;
  readonly registry: UpstreamRegistry;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** Which peers are trusted proxies; null: none. */
  readonly trust: ProxyTrust | null;
  readonly onRequestDone: ((info: RequestDoneInfo) => void) | undefined;
}

export function buildSnapshot(
  table: RouteTable,
  registry: UpstreamRegistry,
  metrics: GatewayMetrics,
): Snapshot {
  const routes = new Map<string, RouteState>();
  for (const route of table.routes) {
    const upstreams: Upstream[] = [];
    for (const spec of route.upstreams) {
      const upstream = registry.get(spec.id);
      if (upstream !== undefined) upstreams.push(upstream);
    }
    routes.set(route.key, {
      route,
      upstreams,
      counters: metrics.counters(route.app, route.env, route.key),
      registry,
      toApp: true,
      next: 0,
    });
  }
  return { table, routes };
}

/**
 * Least-in-flight among the healthy upstreams, scanning from a rotating start so that ties (the
 * common case at low load) go round robin. `exclude` is the upstream that just failed.
 */
export function pickUpstream(state: RouteState, exclude: Upstream | null): Upstream | null {
  const list = state.upstreams;
  const n = list.length;
  if (n === 0) return null;
  const start = state.next++ % n;
  if (state.next > 1e9) state.next = 0;
  let best: Upstream | null = null;
  for (let i = 0; i < n; i++) {
    let index = start + i;
    if (index >= n) index -= n;
    const upstream = list[index]!;
    if (!upstream.up || upstream === exclude) continue;
    if (best === null || upstream.inFlight < best.inFlight) best = upstream;
  }
  return best;
}

export type FailureKind =
  | 'refused'
  | 'reset'
  | 'timeout'
  | 'connect-timeout'
  | 'closed'
  | 'bad-request'
  | 'other';

/** Sorts an upstream error into what the gateway does about it. */
export function classifyFailure(err: unknown): FailureKind {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'refused';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect-timeout';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return 'reset';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout';
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return 'closed';
    case 'UND_ERR_INVALID_ARG':
    case 'UND_ERR_NOT_SUPPORTED':
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
      return 'bad-request';
    default:
      return 'other';
  }
}

/** Calls the done-hook (if any) once a request is over, whatever its outcome. */
export function report(
  ctx: ProxyContext,
  req: IncomingMessage,
  state: RouteState | null,
  status: number,
  bytes: number,
  start: number,
  requestId: string,
  error: string | undefined,
  upstream: string | null = null,
): void {
  const hook = ctx.onRequestDone;
  if (hook === undefined) return;
  const info: RequestDoneInfo = {
    app: state === null ? null : state.route.app,
    env: state === null ? null : state.route.env,
    upstream,
    method: req.method ?? 'GET',
    url: req.url ?? '',
    status,
    bytes,
    durationMs: performance.now() - start,
    requestId,
  };
  if (error !== undefined) info.error = error;
  try {
    hook(info);
  } catch (err) {
    ctx.logger.error({ err }, 'onRequestDone hook failed');
  }
}
