// The gateway table of a set of app environments, as a pure function (the route tables module reads
// the store and the runtime, then calls this). Per environment: a path route (`/o/{code}/` prod,
// `/t/{code}/` stag, the prefix stripped); with an apps domain a host route (`{code}-stag.{domain}`
// first, then `{code}.{domain}` unless a staging host took the name); host routes for the custom
// domains bound to it (extras) — a per-app host wins over a custom domain of the same name (one
// bound before the app existed), and that domain's host settings are left out with it; with a
// shared origin a catch-all route to berthd's API and console.
// An environment with nothing to serve is a proxy with no upstreams: 503 GATEWAY_NO_UPSTREAM.
import { envPathPrefix } from '@berth/sdk';
import { ERRORS } from '../errors.ts';
import {
  GATEWAY_TABLE_FORMAT,
  type GatewayEnv,
  type GatewayRoute,
  type GatewayTable,
  type HealthCheckSpec,
  type RouteTarget,
  type StaticSiteSpec,
  type UpstreamServer,
} from '../gateway/route-model.ts';
import type { GatewayExtras } from './gateway-extras.ts';

/** What serves one app environment. */
export interface EnvServing {
  app: string;
  env: GatewayEnv;
  /** Instances of the web process (empty: nothing to send requests to). */
  upstreams: UpstreamServer[];
  /** A static site served by the gateway itself, instead of instances. */
  static?: StaticSiteSpec;
  healthCheck?: HealthCheckSpec;
}

export interface GatewayTableInput {
  envs: EnvServing[];
  /** BERTH_APPS_DOMAIN: per-app hosts under it. */
  appsDomain?: string | undefined;
  /** BERTH_SHARED_ORIGIN: where berthd's API and console listen (a catch-all route). */
  platform?: { host: string; port: number } | undefined;
  /** Where berthd's API listens: API gateway calls (`/api/c/`) on the apps origin are a route with
   *  the `apigw` policy to it (served by the driver's own processes when it runs the policy). */
  apigw?: { host: string; port: number } | undefined;
  /** Custom domains, certificates, host settings and routes of other modules. */
  extras?: GatewayExtras | undefined;
  /** Instances the health checks found down: in the table, marked `down`. */
  down?: ReadonlySet<string>;
}

/** The JSON body of the catalogue's GATEWAY_NO_ROUTE (an unknown `/o/…` path on a shared origin). */
const NO_ROUTE_BODY = JSON.stringify({
  error: { code: 'GATEWAY_NO_ROUTE', message: ERRORS.GATEWAY_NO_ROUTE.message },
});

export function buildGatewayTable(input: GatewayTableInput): GatewayTable {
  const routes: GatewayRoute[] = [];
  const down = input.down ?? new Set<string>();
  const targets = new Map<string, { serving: EnvServing; target: (strip: boolean) => RouteTarget }>();
  for (const serving of input.envs) {
    const upstreams = serving.upstreams.map((u) => (down.has(u.id) ? { ...u, down: true } : u));
    const target = (stripPrefix: boolean): RouteTarget =>
      serving.static !== undefined
        ? { kind: 'static', site: serving.static }
        : {
            kind: 'proxy',
            upstreams,
            stripPrefix,
            ...(serving.healthCheck === undefined ? {} : { healthCheck: serving.healthCheck }),
          };
    targets.set(`${serving.app}/${serving.env}`, { serving, target });
    const prefix = envPathPrefix(serving.app, serving.env);
    routes.push({
      id: prefix.slice(1),
      match: { pathPrefix: `${prefix}/` },
      target: target(true),
      app: { code: serving.app, env: serving.env },
    });
  }
  const hosts = new Set<string>();
  /** Custom domains whose host a per-app host took. */
  const lost = new Set<string>();
  const addHost = (host: string, app: string, env: GatewayEnv): void => {
    const found = targets.get(`${app}/${env}`);
    if (found === undefined) return;
    if (hosts.has(host)) {
      lost.add(host);
      return;
    }
    hosts.add(host);
    routes.push({
      id: `host/${host}`,
      match: { host },
      target: found.target(false),
      app: { code: app, env },
    });
  };
  const domain = input.appsDomain?.toLowerCase().replace(/\.$/, '');
  if (domain) {
    // Staging hosts first: `shop-stag.<domain>` is shop's staging even if an app is named
    // `shop-stag` (the apps module refuses such codes).
    for (const { serving } of targets.values()) {
      if (serving.env === 'stag') addHost(`${serving.app}-stag.${domain}`, serving.app, 'stag');
    }
    for (const { serving } of targets.values()) {
      if (serving.env === 'prod') addHost(`${serving.app}.${domain}`, serving.app, 'prod');
    }
  }
  const extras = input.extras;
  for (const binding of extras?.bindings ?? []) {
    addHost(binding.host.toLowerCase(), binding.app, binding.env);
  }
  for (const route of extras?.routes ?? []) routes.push(route);
  if (input.apigw !== undefined) {
    routes.push({
      id: 'apigw',
      match: { pathPrefix: '/api/c/' },
      target: { kind: 'platform', ...input.apigw },
      policy: 'apigw',
    });
  }
  if (input.platform !== undefined) {
    routes.push({
      id: 'platform',
      match: { pathPrefix: '/' },
      target: { kind: 'platform', ...input.platform },
    });
    // `/o/…` and `/t/…` are the apps' space even where no app is: not the API's.
    for (const kind of ['o', 't']) {
      routes.push({
        id: `${kind}/`,
        match: { pathPrefix: `/${kind}/` },
        target: {
          kind: 'respond',
          status: ERRORS.GATEWAY_NO_ROUTE.status,
          contentType: 'application/json; charset=utf-8',
          body: NO_ROUTE_BODY,
        },
      });
    }
  }
  const table: GatewayTable = { format: GATEWAY_TABLE_FORMAT, routes };
  // A custom domain's redirect and HSTS apply to its own route only, not to a per-app host that
  // took its name.
  const hostSettings = extras?.hosts.filter((h) => !lost.has(h.host.toLowerCase())) ?? [];
  if (hostSettings.length > 0) table.hosts = hostSettings;
  if (extras !== undefined && extras.certificates.length > 0) table.certificates = extras.certificates;
  return table;
}
