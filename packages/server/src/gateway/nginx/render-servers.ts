// The server blocks of a rendered nginx configuration: the default server (routes with no host),
// one per wildcard host (a regex of exactly one label) and one per exact host, each also carrying
// the routes of the levels below it that none of its own covers (nginx never falls back from the
// server it chose, the model does); HTTP and HTTPS twins with the host's certificate, redirect and
// HSTS.
import type { GatewayRoute, GatewayTable, HostSettings, TlsCertificate } from '../route-model.ts';
import { address, headerName, literalPath, literalText, quote, regexLiteral } from './nginx-syntax.ts';
import {
  ERRORS_INCLUDE,
  HEADERS_INCLUDE,
  HSTS_HEADERS_INCLUDE,
  PROXY_INCLUDE,
  SERVER_INCLUDE,
} from './render-files.ts';
import { routeLocations } from './render-locations.ts';
import type { NginxListen, NginxRenderSettings } from './render-settings.ts';

function listenAddress(listen: NginxListen): string {
  return address(listen.host, listen.port);
}

/** Whether a certificate name (`a.example`, `*.example`) covers a host pattern. */
function certCovers(name: string, host: string): boolean {
  if (name === host) return true;
  if (!name.startsWith('*.')) return false;
  const suffix = name.slice(1);
  if (host.startsWith('*.')) return host.slice(1) === suffix;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot) === suffix;
}

/** Whether a route of a higher level makes `lower` unreachable there (the model never falls back). */
function covers(higher: GatewayRoute, lower: GatewayRoute): boolean {
  const lowerPath = lower.match.path ?? lower.match.pathPrefix ?? '/';
  if (higher.match.path !== undefined) return lower.match.path === higher.match.path;
  const prefix = higher.match.pathPrefix ?? '/';
  return lowerPath.startsWith(prefix) || lowerPath === prefix.slice(0, -1);
}

/** The routes one server block serves: its own, then those of lower levels nothing above covers. */
function mergeLevels(levels: readonly GatewayRoute[][]): GatewayRoute[] {
  const merged: GatewayRoute[] = [];
  for (const level of levels) {
    // A root prefix above covers every route below.
    if (merged.some((r) => r.match.path === undefined && (r.match.pathPrefix ?? '/') === '/')) break;
    const above = [...merged];
    for (const route of level) {
      if (!above.some((higher) => covers(higher, route))) merged.push(route);
    }
  }
  return merged;
}

export function serverBlocks(
  table: GatewayTable,
  settings: NginxRenderSettings,
  upstreamOf: (route: GatewayRoute) => string | null,
  certPaths: (id: string) => { cert: string; key: string },
): string[] {
  const hostless: GatewayRoute[] = [];
  const exact = new Map<string, GatewayRoute[]>();
  const wildcard = new Map<string, GatewayRoute[]>();
  for (const route of table.routes) {
    const host = route.match.host;
    if (host === undefined) hostless.push(route);
    else {
      const map = host.startsWith('*.') ? wildcard : exact;
      map.set(host, [...(map.get(host) ?? []), route]);
    }
  }
  const hostSettings = new Map<string, HostSettings>();
  for (const h of table.hosts ?? []) hostSettings.set(h.host, h);
  // Hosts with settings but no route still get their server block (TLS, redirect).
  for (const h of table.hosts ?? []) {
    const map = h.host.startsWith('*.') ? wildcard : exact;
    if (!map.has(h.host)) map.set(h.host, []);
  }
  const certificates = table.certificates ?? [];
  const platformLines: string[] = [];
  if (settings.platformSecret !== undefined) {
    platformLines.push(
      `proxy_set_header ${headerName(settings.platformSecret.header)} ${literalText(settings.platformSecret.value)};`,
    );
  }
  const proxyInclude = `${settings.confDir}/${PROXY_INCLUDE}`;

  /** The settings of a host: its own, else its wildcard's. */
  const settingsOf = (host: string): HostSettings | undefined => {
    const own = hostSettings.get(host);
    if (own !== undefined || host.startsWith('*.')) return own;
    const dot = host.indexOf('.');
    return dot > 0 ? hostSettings.get(`*${host.slice(dot)}`) : undefined;
  };
  const certificateOf = (host: string): TlsCertificate | undefined => {
    const chosen = settingsOf(host)?.certificate;
    if (chosen !== undefined) return certificates.find((c) => c.id === chosen);
    return certificates.find((c) => c.names.some((name) => certCovers(name, host)));
  };

  const blocks: string[] = [];
  // Every location repeats these (nginx does not merge add_header across levels). An HTTPS server
  // that sends HSTS sets $berth_hsts and its locations include the headers with HSTS; the others
  // evaluate no HSTS header at all.
  const headers = [`include ${quote(`${settings.confDir}/${HEADERS_INCLUDE}`)};`];
  const hstsHeaders = [`include ${quote(`${settings.confDir}/${HSTS_HEADERS_INCLUDE}`)};`];
  const common = `include ${quote(`${settings.confDir}/${SERVER_INCLUDE}`)};`;
  const errors = `include ${quote(`${settings.confDir}/${ERRORS_INCLUDE}`)};`;
  const server = (lines: string[]): string => {
    let text = 'server {';
    for (const line of lines) text += `\n  ${line}`;
    return `${text}\n}`;
  };
  const render = (serverName: string | null, host: string | null, routes: GatewayRoute[]) => {
    const hs = host === null ? undefined : settingsOf(host);
    const cert = host === null ? undefined : certificateOf(host);
    const names = serverName === null ? 'server_name "";' : `server_name ${serverName};`;
    const defaultFlag = serverName === null ? ' default_server' : '';
    // Plain HTTP.
    const httpLines: string[] = [
      `listen ${listenAddress(settings.listen)}${defaultFlag};`,
      names,
      common,
      errors,
    ];
    if (hs?.httpsRedirect === true && settings.https !== undefined && cert !== undefined) {
      const port = settings.https.port === 443 ? '' : `:${settings.https.port}`;
      // Exact paths (ACME challenges) stay reachable over plain HTTP.
      const exactOnly = routes.filter((r) => r.match.path !== undefined);
      for (const line of locations(exactOnly, false)) httpLines.push(line);
      httpLines.push(
        'location / {',
        `  ${headers[0]}`,
        `  return 308 https://$host${port}$request_uri;`,
        '}',
      );
    } else {
      for (const line of locations(routes)) httpLines.push(line);
    }
    blocks.push(server(httpLines));
    if (settings.https === undefined) return;
    // HTTPS.
    const httpsLines: string[] = [
      `listen ${listenAddress(settings.https)} ssl${defaultFlag};`,
      names,
      common,
      errors,
    ];
    const hsts = hs?.hstsMaxAge !== undefined && hs.hstsMaxAge > 0 ? `max-age=${hs.hstsMaxAge}` : '';
    if (hsts !== '') httpsLines.push(`set $berth_hsts "${hsts}";`);
    if (cert === undefined) httpsLines.push('ssl_reject_handshake on;');
    else {
      const paths = certPaths(cert.id);
      httpsLines.push(
        `ssl_certificate ${literalPath(`${settings.confDir}/${paths.cert}`)};`,
        `ssl_certificate_key ${literalPath(`${settings.confDir}/${paths.key}`)};`,
        'ssl_protocols TLSv1.2 TLSv1.3;',
        'ssl_session_cache shared:berth_tls:10m;',
      );
    }
    for (const line of locations(routes, true, hsts === '' ? headers : hstsHeaders)) httpsLines.push(line);
    blocks.push(server(httpsLines));
  };

  const locations = (routes: GatewayRoute[], fallback = true, headerLines = headers): string[] => {
    const ctx = { headers: headerLines, upstreamOf, proxyInclude, platformLines };
    const exactPaths = new Set(routes.flatMap((r) => (r.match.path === undefined ? [] : [r.match.path])));
    const lines: string[] = [];
    let hasRoot = false;
    for (const route of routes) {
      const prefix = route.match.pathPrefix ?? (route.match.path === undefined ? '/' : null);
      if (prefix === '/') hasRoot = true;
      const redirect = prefix !== null && !exactPaths.has(prefix.slice(0, -1));
      for (const line of routeLocations(route, ctx, redirect)) lines.push(line);
    }
    if (!hasRoot && fallback) {
      lines.push(
        'location / {',
        '  set $berth_route "-";',
        '  set $berth_app "";',
        '  set $berth_env "";',
        ...headerLines.map((h) => `  ${h}`),
        '  return 404;',
        '}',
      );
    }
    return lines;
  };

  render(null, null, hostless);
  for (const [pattern, routes] of [...wildcard].sort(([a], [b]) => a.localeCompare(b))) {
    // The model's `*.example.com` is exactly one label: a regex, not nginx's own wildcard.
    const regex = `"~^[^.]+${regexLiteral(pattern.slice(1))}$"`;
    render(regex, pattern, mergeLevels([routes, hostless]));
  }
  for (const [host, routes] of [...exact].sort(([a], [b]) => a.localeCompare(b))) {
    const dot = host.indexOf('.');
    const wild = dot > 0 ? (wildcard.get(`*${host.slice(dot)}`) ?? []) : [];
    render(quote(host), host, mergeLevels([routes, wild, hostless]));
  }
  return blocks;
}
