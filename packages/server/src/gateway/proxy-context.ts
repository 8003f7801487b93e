// What the request handler, the exchange and the tunnel share: the current table joined with the
// live upstreams (one object swapped atomically), the counters, the timeouts and the done-hook.
//
// Balancing: each app environment (`route.app`) has one balancer, shared by every route that
// serves it (its path, its host, its custom domains), so that they share counters and rotation.
// Smooth weighted round robin (as nginx does it) among the primary upstreams that are up; the
// backup servers, the same way, only when no primary is. An upstream the control plane marked
// `down` is not in the balancer at all; one the proxy saw refuse a connection is skipped (`up`
// false) until the registry brings it back (gateway.ts).
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../logger.ts';
import type { GatewayMetrics, RouteCounters } from './gateway-metrics.ts';
import { createRouteMatcher, normaliseHost, type RouteMatcher } from './route-matcher.ts';
import type {
  GatewayEnv,
  GatewayRoute,
  GatewayTable,
  HostSettings,
  StaticSiteSpec,
  UpstreamServer,
} from './route-model.ts';
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

/** The balancing state and counters of one app environment (or of berthd's platform route). */
export interface RouteState {
  /** `code/env` (the counters' key), or `(berthd)/platform`. */
  readonly key: string;
  /** Key of this balancer in the snapshot: the retry after a failure finds the current one. */
  readonly balancerKey: string;
  readonly app: string | null;
  readonly env: GatewayEnv | null;
  readonly counters: RouteCounters;
  /** The registry its upstreams belong to (their pools and up/down state). */
  readonly registry: UpstreamRegistry;
  /** An app's route; false for berthd's own API behind the gateway, whose cookies pass untouched. */
  readonly toApp: boolean;
  readonly primaries: Balanced;
  readonly backups: Balanced;
}

/** One group of servers under smooth weighted round robin. */
export interface Balanced {
  readonly upstreams: readonly Upstream[];
  readonly weights: readonly number[];
  /** The running scores of smooth weighted round robin. */
  readonly current: number[];
}

/** A route of the table, joined with its app's state. */
export interface RouteEntry {
  readonly route: GatewayRoute;
  /** Null for targets that send no request anywhere and count nowhere (platform ACME answers). */
  readonly state: RouteState | null;
  readonly stripPrefix: boolean;
  readonly site: Readonly<StaticSiteSpec> | undefined;
}

/** A table and the live state of its routes; replaced as a whole on every table swap. */
export interface Snapshot {
  readonly table: GatewayTable;
  readonly matcher: RouteMatcher;
  /** By route id. */
  readonly entries: ReadonlyMap<string, RouteEntry>;
  /** By balancer key (for the retry of a failed attempt). */
  readonly balancers: ReadonlyMap<string, RouteState>;
  /** Host settings by exact host and by wildcard suffix (`.example.com`); empty maps when none. */
  readonly hosts: HostSettingsIndex;
}

export interface HostSettingsIndex {
  readonly size: number;
  get(host: string): HostSettings | undefined;
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

/** Where platform targets go when they are proxied (not served by a handler in this process). */
export interface PlatformPool {
  registry: UpstreamRegistry;
  /** The registry's upstream for `host:port` (added on first use). */
  upstream(host: string, port: number): Upstream;
}

export function buildSnapshot(
  table: GatewayTable,
  registry: UpstreamRegistry,
  metrics: GatewayMetrics,
  platform: PlatformPool | null,
): Snapshot {
  const entries = new Map<string, RouteEntry>();
  const balancers = new Map<string, RouteState>();
  for (const route of table.routes) {
    const target = route.target;
    let state: RouteState | null = null;
    let stripPrefix = false;
    let site: Readonly<StaticSiteSpec> | undefined;
    const appKey = route.app === undefined ? null : `${route.app.code}/${route.app.env}`;
    if (target.kind === 'proxy') {
      stripPrefix = target.stripPrefix;
      const servers = target.upstreams;
      const balancerKey = `${appKey ?? `(route)/${route.id}`} ${signature(servers)}`;
      state = balancers.get(balancerKey) ?? null;
      if (state === null) {
        state = newState(appKey ?? `(route)/${route.id}`, balancerKey, route, servers, registry, metrics);
        balancers.set(balancerKey, state);
      }
    } else if (target.kind === 'platform') {
      const balancerKey = `(berthd)/platform ${target.host}:${target.port}`;
      state = balancers.get(balancerKey) ?? null;
      if (state === null) {
        const upstreams: Upstream[] = platform === null ? [] : [platform.upstream(target.host, target.port)];
        state = {
          key: '(berthd)/platform',
          balancerKey,
          app: '(berthd)',
          env: 'prod',
          counters: metrics.counters('(berthd)', 'prod', '(berthd)/platform'),
          registry: platform?.registry ?? registry,
          toApp: false,
          primaries: { upstreams, weights: upstreams.map(() => 1), current: upstreams.map(() => 0) },
          backups: { upstreams: [], weights: [], current: [] },
        };
        balancers.set(balancerKey, state);
      }
    } else if (appKey !== null) {
      // Static sites, redirects and fixed answers of an app count on the app's counters.
      if (target.kind === 'static') site = target.site;
      const balancerKey = `${appKey} (none)`;
      state = balancers.get(balancerKey) ?? null;
      if (state === null) {
        state = newState(appKey, balancerKey, route, [], registry, metrics);
        balancers.set(balancerKey, state);
      }
    } else if (target.kind === 'static') {
      site = target.site;
    }
    entries.set(route.id, { route, state, stripPrefix, site });
  }
  return {
    table,
    matcher: createRouteMatcher(table),
    entries,
    balancers,
    hosts: hostSettingsIndex(table.hosts ?? []),
  };
}

function newState(
  key: string,
  balancerKey: string,
  route: GatewayRoute,
  servers: readonly UpstreamServer[],
  registry: UpstreamRegistry,
  metrics: GatewayMetrics,
): RouteState {
  const app = route.app;
  return {
    key,
    balancerKey,
    app: app?.code ?? null,
    env: app?.env ?? null,
    counters: metrics.counters(app?.code ?? '(none)', app?.env ?? 'prod', key),
    registry,
    toApp: true,
    ...balanceServers(servers, registry),
  };
}

/** The servers of a table's route that are not down, as the registry's upstreams, in the primary
 *  and backup groups `pickUpstream` balances over. */
export function balanceServers(
  servers: readonly UpstreamServer[],
  registry: UpstreamRegistry,
): Pick<RouteState, 'primaries' | 'backups'> {
  const primaries: Upstream[] = [];
  const primaryWeights: number[] = [];
  const backups: Upstream[] = [];
  const backupWeights: number[] = [];
  for (const server of servers) {
    if (server.down === true) continue;
    const upstream = registry.get(server.id);
    if (upstream === undefined) continue;
    if (server.backup === true) {
      backups.push(upstream);
      backupWeights.push(server.weight ?? 1);
    } else {
      primaries.push(upstream);
      primaryWeights.push(server.weight ?? 1);
    }
  }
  return {
    primaries: { upstreams: primaries, weights: primaryWeights, current: primaries.map(() => 0) },
    backups: { upstreams: backups, weights: backupWeights, current: backups.map(() => 0) },
  };
}

/** Identifies an upstream list with its weights and roles (routes of one app normally share one). */
function signature(servers: readonly UpstreamServer[]): string {
  let text = '';
  for (const s of servers) {
    text += `${s.id}:${s.weight ?? 1}${s.backup === true ? 'b' : ''}${s.down === true ? 'd' : ''},`;
  }
  return text;
}

function hostSettingsIndex(list: readonly HostSettings[]): HostSettingsIndex {
  const exact = new Map<string, HostSettings>();
  const wildcard = new Map<string, HostSettings>();
  for (const settings of list) {
    if (settings.host.startsWith('*.')) wildcard.set(settings.host.slice(1), settings);
    else exact.set(settings.host, settings);
  }
  return {
    size: list.length,
    get(rawHost) {
      const host = normaliseHost(rawHost);
      const found = exact.get(host);
      if (found !== undefined) return found;
      const dot = host.indexOf('.');
      return dot > 0 ? wildcard.get(host.slice(dot)) : undefined;
    },
  };
}

/**
 * The next upstream of an app among the primaries that are up, else among the backups that are up
 * (`exclude` is the upstream that just failed, `excludeAlso` the others a retried request failed on;
 * null: none is up): the one with the fewest requests
 * in flight for its weight, ties (the usual case at low load) broken by smooth weighted round robin,
 * so that shares follow the weights and a busy instance gets no more until it catches up.
 */
export function pickUpstream(
  state: Pick<RouteState, 'primaries' | 'backups'>,
  exclude: Upstream | null,
  excludeAlso?: readonly Upstream[],
): Upstream | null {
  return pickFrom(state.primaries, exclude, excludeAlso) ?? pickFrom(state.backups, exclude, excludeAlso);
}

function pickFrom(
  group: Balanced,
  exclude: Upstream | null,
  also: readonly Upstream[] | undefined,
): Upstream | null {
  const list = group.upstreams;
  const n = list.length;
  if (n === 0) return null;
  if (n === 1) {
    const only = list[0]!;
    return only.up && only !== exclude && !also?.includes(only) ? only : null;
  }
  const { weights, current } = group;
  // The lowest load (requests in flight per unit of weight) among the servers that are up…
  let least = -1;
  for (let i = 0; i < n; i++) {
    const upstream = list[i]!;
    if (!upstream.up || upstream === exclude || also?.includes(upstream)) continue;
    // inFlight / weight, compared without dividing.
    if (least === -1 || upstream.inFlight * weights[least]! < list[least]!.inFlight * weights[i]!) least = i;
  }
  if (least === -1) return null;
  // …then smooth weighted round robin among the servers at that load (only they gain credit, so
  // that a busy server does not come back with a burst of it).
  const leastLoad = list[least]!.inFlight;
  const leastWeight = weights[least]!;
  let total = 0;
  let best = -1;
  for (let i = 0; i < n; i++) {
    const upstream = list[i]!;
    if (!upstream.up || upstream === exclude || also?.includes(upstream)) continue;
    const weight = weights[i]!;
    if (upstream.inFlight * leastWeight !== leastLoad * weight) continue;
    current[i]! += weight;
    total += weight;
    if (best === -1 || current[i]! > current[best]!) best = i;
  }
  current[best]! -= total;
  return list[best]!;
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
    app: state === null ? null : state.app,
    env: state === null ? null : state.env,
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
