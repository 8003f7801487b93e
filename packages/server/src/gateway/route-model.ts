// The general route model every gateway driver serves: a versioned table of routes, each a match
// (`{host?, pathPrefix?}`) -> a target (proxy to upstreams with weights and backup servers, a static
// site, a redirect, a fixed answer, or berthd's own API and console) -> an optional policy
// reference (ROUTE_POLICIES: the API gateway's). The control plane computes the table from the store; the
// `/t/{app}/` and `/o/{app}/` routes, per-app hosts under the apps domain and custom domains are all
// data in it. Plain data only: it is `structuredClone`-able, sent to gateway workers over IPC and
// rendered into nginx's configuration.
//
// Matching, the same in every driver:
//   1. The host: an exact name beats a wildcard (`*.example.com`, one label), which beats routes
//      with no host. A host name is compared lower-cased, without its port or a trailing dot.
//   2. Within the routes of the chosen host, the longest `pathPrefix` that the path starts with,
//      compared segment by segment (a prefix always starts and ends with `/`). A request for a
//      prefix without its trailing slash (`/o/shop`, `/o/shop?x=1`) is redirected with 308 to the
//      prefix (`/o/shop/`, query kept).
//      An exact `path` (`/.well-known/acme-challenge/{token}`) beats every prefix; it is compared
//      with the path without its query.
//   3. When a host's routes match nothing, the routes with no host are tried; when nothing matches,
//      the answer is GATEWAY_NO_ROUTE (404).
// Routes with the same host and prefix (or path) are an error in the table.

/**
 * The policies a route may name. `apigw`: an API gateway call (`/api/c/…`), which authenticates the
 * calling app and the user and checks the app's permission and rate limit before it goes to the
 * component's destination app (not to the route's target).
 */
export const ROUTE_POLICIES = ['apigw'] as const;
export type RoutePolicy = (typeof ROUTE_POLICIES)[number];

/** The table's shape version: a driver refuses a table of a format it does not know. */
export const GATEWAY_TABLE_FORMAT = 1;

export type GatewayEnv = 'stag' | 'prod';

export interface GatewayTable {
  format: typeof GATEWAY_TABLE_FORMAT;
  routes: GatewayRoute[];
  /** Settings of hosts named by routes: TLS certificate, HTTP -> HTTPS redirect, HSTS. A host
   *  with no entry here is served over plain HTTP only (and over HTTPS only if a wildcard
   *  certificate covers it). */
  hosts?: HostSettings[];
  /** TLS certificates the HTTPS listener offers, chosen by SNI. */
  certificates?: TlsCertificate[];
}

export interface GatewayRoute {
  /** Unique in the table and stable across tables for the same route (`o/shop`, `host/shop.example.com`). */
  id: string;
  match: RouteMatch;
  target: RouteTarget;
  /** The app environment this route serves: its counters, access-log fields and balancing state
   *  are shared by every route of the same environment. Absent for platform and ACME routes. */
  app?: { code: string; env: GatewayEnv };
  /** A policy the request must pass first (one of ROUTE_POLICIES); a table naming another is
   *  refused. A policy route's target is `platform`: a driver that runs the policy in its own
   *  processes serves the route with the policy's handler, one that does not sends the request to
   *  berthd, which runs the same checks itself. */
  policy?: RoutePolicy;
}

export interface RouteMatch {
  /** `shop.example.com`, or `*.apps.example.com` for any one label in front of it. */
  host?: string;
  /** `/`, `/o/shop/`. Default `/` (unless `path` is set). */
  pathPrefix?: string;
  /** This path exactly (no query), instead of a prefix: `/.well-known/acme-challenge/{token}`. */
  path?: string;
}

export type RouteTarget = ProxyTarget | StaticTarget | RedirectTarget | RespondTarget | PlatformTarget;

/** Forward to app instances. */
export interface ProxyTarget {
  kind: 'proxy';
  upstreams: UpstreamServer[];
  /** The app sees the path without the route's prefix (`/o/shop/x` -> `/x`, with
   *  `X-Forwarded-Prefix: /o/shop`). */
  stripPrefix: boolean;
  /** How the control plane checks these upstreams (drivers only read `down`). */
  healthCheck?: HealthCheckSpec;
}

export interface UpstreamServer {
  /** Stable id of the instance (a new instance gets a new id). */
  id: string;
  host: string;
  port: number;
  /** Relative share of requests (default 1). */
  weight?: number;
  /** Used only when no primary server is up. */
  backup?: boolean;
  /** Taken out by the control plane's health checks: gets no requests. */
  down?: boolean;
}

/** Files served by the gateway itself (`runtime: static` releases). */
export interface StaticTarget {
  kind: 'static';
  site: StaticSiteSpec;
}

export interface StaticSiteSpec {
  /** Absolute directory; nothing outside it is ever served. */
  root: string;
  /** File served for a directory, e.g. `index.html`. */
  index: string;
  /** Single-page app: unknown paths get the root index instead of a 404. */
  spa: boolean;
  /** Serve paths with a segment starting with `.`; `.well-known` always is. Default false. */
  dotfiles?: boolean;
  /** When set, only files owned by this uid are served (others answer 404 and are logged). */
  owner?: number;
}

export interface RedirectTarget {
  kind: 'redirect';
  /** An absolute URL or a path. */
  to: string;
  status: 301 | 302 | 307 | 308;
  /** Append the path after the route's prefix and the query to `to`. */
  keepPath: boolean;
}

/** A fixed answer, e.g. an ACME HTTP-01 challenge's key authorisation. */
export interface RespondTarget {
  kind: 'respond';
  status: number;
  contentType: string;
  body: string;
}

/** berthd's API and console (a shared origin). The driver adds the secret header berthd trusts
 *  X-Forwarded-* with, and platform cookies are not filtered. */
export interface PlatformTarget {
  kind: 'platform';
  host: string;
  port: number;
}

/** Active health check of a route's instances; unset fields take the checker's defaults. */
export interface HealthCheckSpec {
  /** Path requested on the instance, e.g. `/healthz`. */
  path?: string;
  /** Status that means healthy; when unset any status below 500 does. */
  expectStatus?: number;
  intervalMs?: number;
  timeoutMs?: number;
  /** Consecutive successes that bring a down instance back. */
  rise?: number;
  /** Consecutive failures that take an up instance out. */
  fall?: number;
}

export interface HostSettings {
  /** Exact or wildcard host, as in `RouteMatch.host`. */
  host: string;
  /** Id of the certificate served for it (from `GatewayTable.certificates`). */
  certificate?: string;
  /** Plain HTTP requests are redirected (308) to HTTPS. Needs a certificate. */
  httpsRedirect?: boolean;
  /** `Strict-Transport-Security: max-age=N` on HTTPS answers (0 or absent: none). */
  hstsMaxAge?: number;
}

export interface TlsCertificate {
  id: string;
  /** Leaf first, then the intermediates. */
  certPem: string;
  keyPem: string;
  /** The names it covers (from its subjectAltName), lower-case; wildcards as `*.example.com`. */
  names: string[];
  /** Expiry, ISO 8601. */
  notAfter: string;
}

/** An empty table: every request is a 404 (the state before the control plane's first table). */
export function emptyGatewayTable(): GatewayTable {
  return { format: GATEWAY_TABLE_FORMAT, routes: [] };
}

export class GatewayTableError extends Error {
  constructor(message: string) {
    super(`invalid gateway table: ${message}`);
    this.name = 'GatewayTableError';
  }
}

const HOST_NAME = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const PREFIX_SEGMENT = /^[A-Za-z0-9._~!$&'()*+,;=:@%-]+$/;
const APP_CODE = /^[a-z][a-z0-9_-]{1,29}$/;
const ROUTE_ID = /^[A-Za-z0-9._~:/*@+-]{1,300}$/;

/** Throws GatewayTableError unless the table is well formed (a programming error of the control
 *  plane: every driver checks a table before it serves it, and serves nothing of a bad one). */
export function checkGatewayTable(table: GatewayTable): void {
  if (table.format !== GATEWAY_TABLE_FORMAT) {
    throw new GatewayTableError(`format ${String(table.format)} is not ${GATEWAY_TABLE_FORMAT}`);
  }
  const ids = new Set<string>();
  const matches = new Set<string>();
  const upstreamAddress = new Map<string, string>();
  for (const route of table.routes) {
    if (typeof route.id !== 'string' || !ROUTE_ID.test(route.id)) {
      throw new GatewayTableError(`route id "${String(route.id)}" is not valid`);
    }
    if (ids.has(route.id)) throw new GatewayTableError(`route id ${route.id} is listed twice`);
    ids.add(route.id);
    const host = route.match.host;
    if (host !== undefined && !isHostPattern(host)) {
      throw new GatewayTableError(`${route.id}: host "${host}" is not a host name`);
    }
    let key: string;
    if (route.match.path !== undefined) {
      if (route.match.pathPrefix !== undefined) {
        throw new GatewayTableError(`${route.id}: both a path and a path prefix`);
      }
      if (!isExactPath(route.match.path)) {
        throw new GatewayTableError(`${route.id}: path "${route.match.path}" is not a plain absolute path`);
      }
      key = `${host ?? ''} =${route.match.path}`;
    } else {
      const prefix = route.match.pathPrefix ?? '/';
      if (!isPathPrefix(prefix)) {
        throw new GatewayTableError(`${route.id}: path prefix "${prefix}" must start and end with "/"`);
      }
      key = `${host ?? ''} ${prefix}`;
    }
    if (matches.has(key)) {
      throw new GatewayTableError(`${route.id}: another route matches ${key.trim() || 'any host at /'}`);
    }
    matches.add(key);
    if (route.app !== undefined) {
      if (!APP_CODE.test(route.app.code)) {
        throw new GatewayTableError(`${route.id}: app code "${route.app.code}" is not valid`);
      }
      if (route.app.env !== 'stag' && route.app.env !== 'prod') {
        throw new GatewayTableError(`${route.id}: env "${String(route.app.env)}" is not stag or prod`);
      }
    }
    if (route.policy !== undefined) {
      if (!(ROUTE_POLICIES as readonly string[]).includes(route.policy)) {
        throw new GatewayTableError(`${route.id}: policy "${String(route.policy)}" is not known`);
      }
      if (route.target.kind !== 'platform' || route.app !== undefined) {
        throw new GatewayTableError(`${route.id}: a route with a policy goes to berthd (a platform target)`);
      }
    }
    checkTarget(route.id, route.target, upstreamAddress);
  }
  const certificates = new Set<string>();
  for (const cert of table.certificates ?? []) {
    if (typeof cert.id !== 'string' || cert.id === '' || certificates.has(cert.id)) {
      throw new GatewayTableError(`certificate id "${String(cert.id)}" is empty or listed twice`);
    }
    if (!cert.certPem.includes('-----BEGIN CERTIFICATE-----') || !cert.keyPem.includes('PRIVATE KEY-----')) {
      throw new GatewayTableError(`certificate ${cert.id} is not PEM`);
    }
    for (const name of cert.names) {
      if (!isHostPattern(name))
        throw new GatewayTableError(`certificate ${cert.id}: "${name}" is not a host name`);
    }
    certificates.add(cert.id);
  }
  const hosts = new Set<string>();
  for (const settings of table.hosts ?? []) {
    if (!isHostPattern(settings.host) || hosts.has(settings.host)) {
      throw new GatewayTableError(`host settings "${settings.host}" are not a host name or listed twice`);
    }
    hosts.add(settings.host);
    if (settings.certificate !== undefined && !certificates.has(settings.certificate)) {
      throw new GatewayTableError(
        `${settings.host}: certificate ${settings.certificate} is not in the table`,
      );
    }
    if (settings.httpsRedirect === true && settings.certificate === undefined) {
      throw new GatewayTableError(`${settings.host}: an HTTPS redirect needs a certificate`);
    }
    const hsts = settings.hstsMaxAge;
    if (hsts !== undefined && (!Number.isInteger(hsts) || hsts < 0)) {
      throw new GatewayTableError(`${settings.host}: HSTS max-age ${String(hsts)} is not a whole number`);
    }
  }
}

function checkTarget(id: string, target: RouteTarget, upstreamAddress: Map<string, string>): void {
  switch (target.kind) {
    case 'proxy':
      for (const u of target.upstreams) {
        if (typeof u.id !== 'string' || u.id === '') throw new GatewayTableError(`${id}: empty upstream id`);
        if (typeof u.host !== 'string' || u.host === '') {
          throw new GatewayTableError(`${id}: upstream ${u.id} has no host`);
        }
        if (!Number.isInteger(u.port) || u.port < 1 || u.port > 65535) {
          throw new GatewayTableError(`${id}: upstream ${u.id} has port ${u.port}`);
        }
        if (u.weight !== undefined && (!Number.isInteger(u.weight) || u.weight < 1 || u.weight > 1000)) {
          throw new GatewayTableError(`${id}: upstream ${u.id} has weight ${u.weight}`);
        }
        const address = `${u.host}:${u.port}`;
        const known = upstreamAddress.get(u.id);
        if (known !== undefined && known !== address) {
          throw new GatewayTableError(`upstream id ${u.id} names both ${known} and ${address}`);
        }
        upstreamAddress.set(u.id, address);
      }
      return;
    case 'static': {
      const site = target.site;
      if (typeof site.root !== 'string' || !site.root.startsWith('/')) {
        throw new GatewayTableError(`${id}: static root "${String(site.root)}" is not an absolute path`);
      }
      if (typeof site.index !== 'string' || site.index === '' || site.index.startsWith('/')) {
        throw new GatewayTableError(`${id}: static index "${String(site.index)}" is not a relative path`);
      }
      if (site.owner !== undefined && (!Number.isInteger(site.owner) || site.owner < 0)) {
        throw new GatewayTableError(`${id}: static owner "${String(site.owner)}" is not a uid`);
      }
      return;
    }
    case 'redirect':
      if (![301, 302, 307, 308].includes(target.status)) {
        throw new GatewayTableError(`${id}: redirect status ${target.status}`);
      }
      if (!/^(https?:\/\/[^\s"'<>\\]+|\/[^\s"'<>\\]*)$/.test(target.to)) {
        throw new GatewayTableError(`${id}: redirect target "${target.to}" is not a URL or path`);
      }
      return;
    case 'respond':
      if (!Number.isInteger(target.status) || target.status < 200 || target.status > 599) {
        throw new GatewayTableError(`${id}: status ${target.status}`);
      }
      if (!/^[\w.+-]+\/[\w.+-]+(; ?charset=[\w-]+)?$/.test(target.contentType)) {
        throw new GatewayTableError(`${id}: content type "${target.contentType}"`);
      }
      return;
    case 'platform':
      if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535 || target.host === '') {
        throw new GatewayTableError(`${id}: platform address ${target.host}:${target.port}`);
      }
      return;
    default:
      throw new GatewayTableError(`${id}: target kind "${String((target as { kind?: unknown }).kind)}"`);
  }
}

export function isHostPattern(host: string): boolean {
  return typeof host === 'string' && host.length <= 253 && HOST_NAME.test(host);
}

export function isExactPath(path: string): boolean {
  return (
    typeof path === 'string' &&
    path.startsWith('/') &&
    path.length <= 1024 &&
    path
      .slice(1)
      .split('/')
      .every(
        (segment) => segment === '' || (segment !== '.' && segment !== '..' && PREFIX_SEGMENT.test(segment)),
      )
  );
}

export function isPathPrefix(prefix: string): boolean {
  if (typeof prefix !== 'string' || !prefix.startsWith('/') || !prefix.endsWith('/')) return false;
  if (prefix === '/') return true;
  return prefix
    .slice(1, -1)
    .split('/')
    .every((segment) => segment !== '.' && segment !== '..' && PREFIX_SEGMENT.test(segment));
}
