// The route table: which instances serve each app environment. Plain data in (the engine computes
// it from the store), an immutable lookup structure out. `resolve` is O(1) in the number of apps:
// one Map lookup on the Host header (per-app subdomains), else one on the `/o/{code}/` or
// `/t/{code}/` path segment.

export type GatewayEnv = 'stag' | 'prod';

export interface UpstreamSpec {
  /** Stable id of the instance (a new instance gets a new id). */
  id: string;
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

/** A static site (`runtime: static` releases): the gateway serves its files itself. */
export interface StaticSiteSpec {
  /** Absolute directory; nothing outside it is ever served. */
  root: string;
  /** File served for a directory, e.g. `index.html`. */
  index: string;
  /** Single-page app: unknown paths get the root index instead of a 404. */
  spa: boolean;
  /** Serve paths with a segment starting with `.` (`.env`, `.git/…`); `.well-known` always is.
   *  Default false. */
  dotfiles?: boolean;
  /** When set, only files owned by this uid are served (others answer 404 and are logged). */
  owner?: number;
}

export interface RouteSpec {
  app: string;
  env: GatewayEnv;
  upstreams: UpstreamSpec[];
  /** Files served by the gateway for this route, instead of proxying to upstreams. */
  static?: StaticSiteSpec;
  healthCheck?: HealthCheckSpec;
}

/** The serialised form of a table: plain data, `structuredClone`-able, sent to gateway workers. */
export interface RouteTableInput {
  /** With `apps.example.com`, app `shop` is also served at `shop.apps.example.com` (prod) and
   *  `shop-stag.apps.example.com` (stag). */
  baseDomain?: string;
  routes: RouteSpec[];
}

export interface Route {
  readonly app: string;
  readonly env: GatewayEnv;
  /** `app/env`, the key of the route's counters and balancing state. */
  readonly key: string;
  /** `/o/{app}` or `/t/{app}`. */
  readonly pathPrefix: string;
  readonly upstreams: readonly Readonly<UpstreamSpec>[];
  readonly static: Readonly<StaticSiteSpec> | undefined;
  readonly healthCheck: Readonly<HealthCheckSpec> | undefined;
}

export interface Resolution {
  route: Route;
  /** The part of the path the app does not see: `/o/{app}`, or `` for a subdomain. */
  prefix: string;
  /** The path (with query) the app sees, always starting with `/`. */
  rest: string;
  /** Set when the client must be sent elsewhere first (`/o/app` -> 308 `/o/app/`). */
  redirect?: string;
}

export interface RouteTable {
  readonly baseDomain: string | undefined;
  readonly routes: readonly Route[];
  /** Finds the route of a request from its Host header and path (with query), or null. */
  resolve(host: string | undefined, path: string): Resolution | null;
  /** Whether a request is addressed to the gateway at all (an app host, or `/o/…`, `/t/…`), as
   *  opposed to berthd's own API and console. */
  claims(host: string | undefined, path: string): boolean;
  /** The plain data the table was built from. */
  toInput(): RouteTableInput;
}

const APP_CODE = /^[a-z][a-z0-9_-]{1,29}$/;
const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const SLASH = 47; // '/'
const QUESTION = 63; // '?'
const LOWER_O = 111;
const LOWER_T = 116;

export class RouteTableError extends Error {
  constructor(message: string) {
    super(`invalid route table: ${message}`);
    this.name = 'RouteTableError';
  }
}

/** Builds an immutable table; throws RouteTableError on malformed input (a programming error). */
export function createRouteTable(input: RouteTableInput): RouteTable {
  const baseDomain = normaliseBaseDomain(input.baseDomain);
  const prod = new Map<string, Route>();
  const stag = new Map<string, Route>();
  const hosts = new Map<string, Route>();
  const upstreamAddress = new Map<string, string>();
  const routes: Route[] = [];

  for (const spec of input.routes) {
    if (!APP_CODE.test(spec.app)) throw new RouteTableError(`app code "${spec.app}" is not valid`);
    if (spec.env !== 'prod' && spec.env !== 'stag') {
      throw new RouteTableError(`env "${String(spec.env)}" of ${spec.app} is not stag or prod`);
    }
    const byCode = spec.env === 'prod' ? prod : stag;
    if (byCode.has(spec.app)) throw new RouteTableError(`${spec.app}/${spec.env} is listed twice`);
    const upstreams = spec.upstreams.map((u) => {
      if (typeof u.id !== 'string' || u.id === '')
        throw new RouteTableError(`${spec.app}: empty upstream id`);
      if (!Number.isInteger(u.port) || u.port < 1 || u.port > 65535) {
        throw new RouteTableError(`${spec.app}: upstream ${u.id} has port ${u.port}`);
      }
      if (typeof u.host !== 'string' || u.host === '') {
        throw new RouteTableError(`${spec.app}: upstream ${u.id} has no host`);
      }
      const address = `${u.host}:${u.port}`;
      const known = upstreamAddress.get(u.id);
      if (known !== undefined && known !== address) {
        throw new RouteTableError(`upstream id ${u.id} names both ${known} and ${address}`);
      }
      upstreamAddress.set(u.id, address);
      return Object.freeze({ id: u.id, host: u.host, port: u.port });
    });
    const route: Route = Object.freeze({
      app: spec.app,
      env: spec.env,
      key: `${spec.app}/${spec.env}`,
      pathPrefix: `/${spec.env === 'prod' ? 'o' : 't'}/${spec.app}`,
      upstreams: Object.freeze(upstreams),
      static: staticSite(spec),
      healthCheck: spec.healthCheck ? Object.freeze({ ...spec.healthCheck }) : undefined,
    });
    byCode.set(spec.app, route);
    routes.push(route);
  }

  if (baseDomain !== undefined) {
    // Staging hosts first: `shop-stag.<domain>` is shop's staging even if an app is named
    // `shop-stag` (the apps module should refuse such codes).
    for (const route of stag.values()) hosts.set(`${route.app}-stag.${baseDomain}`, route);
    for (const route of prod.values()) {
      const host = `${route.app}.${baseDomain}`;
      if (!hosts.has(host)) hosts.set(host, route);
    }
  }

  Object.freeze(routes);
  const rawBaseDomain = input.baseDomain;
  // Built on first use (the primary, to send the table to its workers): a worker never needs it,
  // and a copy of every route made on every table swap is most of what building a big table costs.
  let plain: RouteTableInput | undefined;

  function byHost(host: string | undefined): Route | undefined {
    if (hosts.size === 0 || host === undefined) return undefined;
    return hosts.get(normaliseHost(host));
  }

  return Object.freeze({
    baseDomain,
    routes,
    resolve(host: string | undefined, path: string): Resolution | null {
      const hostRoute = byHost(host);
      if (hostRoute !== undefined) {
        return { route: hostRoute, prefix: '', rest: path.charCodeAt(0) === SLASH ? path : `/${path}` };
      }
      if (path.charCodeAt(0) !== SLASH || path.charCodeAt(2) !== SLASH) return null;
      const kind = path.charCodeAt(1);
      const map = kind === LOWER_O ? prod : kind === LOWER_T ? stag : undefined;
      if (map === undefined) return null;
      let end = 3;
      const length = path.length;
      while (end < length) {
        const c = path.charCodeAt(end);
        if (c === SLASH || c === QUESTION) break;
        end++;
      }
      const route = map.get(path.slice(3, end));
      if (route === undefined) return null;
      if (end === length || path.charCodeAt(end) === QUESTION) {
        return {
          route,
          prefix: route.pathPrefix,
          rest: '/',
          redirect: `${route.pathPrefix}/${path.slice(end)}`,
        };
      }
      return { route, prefix: route.pathPrefix, rest: path.slice(end) };
    },
    claims(host: string | undefined, path: string): boolean {
      if (byHost(host) !== undefined) return true;
      if (path.charCodeAt(0) !== SLASH) return false;
      const kind = path.charCodeAt(1);
      if (kind !== LOWER_O && kind !== LOWER_T) return false;
      const next = path.charCodeAt(2);
      return next === SLASH || Number.isNaN(next) || next === QUESTION;
    },
    toInput(): RouteTableInput {
      plain ??= plainInput(rawBaseDomain, routes);
      return plain;
    },
  });
}

function staticSite(spec: RouteSpec): Readonly<StaticSiteSpec> | undefined {
  const site = spec.static;
  if (site === undefined) return undefined;
  if (typeof site.root !== 'string' || !site.root.startsWith('/')) {
    throw new RouteTableError(`${spec.app}: static root "${String(site.root)}" is not an absolute path`);
  }
  if (typeof site.index !== 'string' || site.index === '' || site.index.startsWith('/')) {
    throw new RouteTableError(`${spec.app}: static index "${String(site.index)}" is not a relative path`);
  }
  if (site.owner !== undefined && (!Number.isInteger(site.owner) || site.owner < 0)) {
    throw new RouteTableError(`${spec.app}: static owner "${String(site.owner)}" is not a uid`);
  }
  const frozen: StaticSiteSpec = { root: site.root, index: site.index, spa: site.spa === true };
  if (site.dotfiles === true) frozen.dotfiles = true;
  if (site.owner !== undefined) frozen.owner = site.owner;
  return Object.freeze(frozen);
}

/** An empty table: every request is a 404 (the state before the engine's first table). */
export function emptyRouteTable(): RouteTable {
  return createRouteTable({ routes: [] });
}

function normaliseBaseDomain(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const domain = raw.toLowerCase().replace(/\.$/, '');
  if (!HOST_NAME.test(domain)) throw new RouteTableError(`base domain "${raw}" is not a host name`);
  return domain;
}

/** Lower-cases a Host header and drops its port and a trailing dot. */
function normaliseHost(host: string): string {
  let end = host.length;
  const colon = host.lastIndexOf(':');
  if (colon > 0 && host.charCodeAt(0) !== 91 /* '[' */) end = colon;
  if (end > 0 && host.charCodeAt(end - 1) === 46 /* '.' */) end--;
  const bare = end === host.length ? host : host.slice(0, end);
  return bare.toLowerCase();
}

/** The table as frozen plain data, made from its (already frozen) routes. */
function plainInput(baseDomain: string | undefined, routes: readonly Route[]): RouteTableInput {
  const specs = routes.map((route) => {
    const spec: RouteSpec = {
      app: route.app,
      env: route.env,
      upstreams: route.upstreams as UpstreamSpec[],
    };
    if (route.static !== undefined) spec.static = route.static;
    if (route.healthCheck !== undefined) spec.healthCheck = route.healthCheck;
    return Object.freeze(spec);
  });
  const input: RouteTableInput = { routes: Object.freeze(specs) as RouteSpec[] };
  if (baseDomain !== undefined) input.baseDomain = baseDomain;
  return Object.freeze(input);
}
