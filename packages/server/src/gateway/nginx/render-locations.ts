// The location blocks of one route (route-model.ts) inside a server block: prefixes as `^~`
// locations (nginx picks the longest, as the model does), exact paths as `=` locations, the 308 for
// a prefix asked without its slash, and the target: proxy, static site, redirect, fixed answer or
// berthd's platform. Every location sets the access log's route variables and carries the server's
// add_header lines (nginx does not merge add_header across levels).
import type { GatewayRoute, StaticSiteSpec } from '../route-model.ts';
import { literalPath, literalText, NginxRenderError, quote, regexLiteral } from './nginx-syntax.ts';
import { ERROR_URI, errorPageLines } from './render-errors.ts';

export interface LocationContext {
  /** add_header lines every location repeats (request id, HSTS). */
  headers: readonly string[];
  /** The upstream block name of a proxy or platform route; null when it has no server up. */
  upstreamOf(route: GatewayRoute): string | null;
  /** Absolute path of the include file with the common proxy settings. */
  proxyInclude: string;
  /** Secret header line(s) for platform routes. */
  platformLines: readonly string[];
}

function logVars(route: GatewayRoute): string[] {
  return [
    `set $berth_route ${quote(route.id)};`,
    `set $berth_app ${quote(route.app?.code ?? '')};`,
    `set $berth_env ${quote(route.app?.env ?? '')};`,
  ];
}

function block(head: string, body: readonly string[]): string[] {
  return [`${head} {`, ...body.map((line) => `  ${line}`), '}'];
}

/** The prefix without its trailing slash (`/o/shop`), `` for `/`. */
function bare(prefix: string): string {
  return prefix.slice(0, -1);
}

/** Locations for a route; `withSlashRedirect`: also answer the prefix without its slash (308). */
export function routeLocations(
  route: GatewayRoute,
  ctx: LocationContext,
  withSlashRedirect: boolean,
): string[] {
  const lines: string[] = [];
  const path = route.match.path;
  const prefix = route.match.pathPrefix ?? '/';
  if (path !== undefined) {
    lines.push(...block(`location = ${quote(path)}`, [...logVars(route), ...targetLines(route, ctx, null)]));
    return lines;
  }
  if (withSlashRedirect && prefix !== '/') {
    // nginx drops the query from $uri; the model keeps it.
    lines.push(
      ...block(`location = ${quote(bare(prefix))}`, [
        ...logVars(route),
        ...ctx.headers,
        'return 308 $uri/$is_args$args;',
      ]),
    );
  }
  lines.push(
    ...block(`location ^~ ${quote(prefix)}`, [...logVars(route), ...targetLines(route, ctx, prefix)]),
  );
  return lines;
}

/** Sets $berth_rest to the raw request URI after `prefix` (query kept, never decoded: a named
 *  capture, which nginx copies as it is, where `$1` would be escaped again); a request whose raw URI
 *  does not start with the prefix (it only matched once nginx decoded it) is no route. */
function restOfUri(prefix: string): string[] {
  return [`if ($request_uri !~ "^${regexLiteral(bare(prefix))}(?<berth_rest>/.*)$") { return 404; }`];
}

/** A proxy that strips its prefix and hands the app the raw rest of the request URI. When nginx's
 *  normalised URI is the raw one (no escapes, dot segments or double slashes: nearly every
 *  request), `proxy_pass http://u/` sends exactly that rest, with a fixed upstream and no regular
 *  expression. Otherwise the `if` takes over: `$berth_raw_rest` (render.ts's map) cuts the prefix
 *  off the raw URI, and is "-" when the raw URI does not start with it (it matched only once
 *  nginx decoded it), which is no route. */
function strippedProxy(prefix: string, upstream: string): string[] {
  // The second `if` reads $berth_raw_bad, set by the first only: a request it does not take pays
  // for no map look-up there.
  return [
    `if ($request_uri != "$uri$is_args$args") { set $berth_strip ${literalText(bare(prefix))}; set $berth_raw_bad $berth_raw_rest; proxy_pass http://${upstream}$berth_raw_rest; }`,
    'if ($berth_raw_bad = "-") { return 404; }',
  ];
}

function targetLines(route: GatewayRoute, ctx: LocationContext, prefix: string | null): string[] {
  const target = route.target;
  switch (target.kind) {
    case 'proxy': {
      const upstream = ctx.upstreamOf(route);
      if (upstream === null) return [...ctx.headers, 'return 503;'];
      const strip = target.stripPrefix && prefix !== null && prefix !== '/';
      // The proxy settings and headers are the server block's (server-common.conf): a location
      // with no proxy_set_header of its own shares them, where one with its own would have nginx
      // build a headers hash per location (slow to load, and memory, in a table of thousands).
      return [
        ...ctx.headers,
        ...(strip ? [`set $berth_forwarded_prefix ${literalText(bare(prefix))};`] : []),
        ...(strip ? strippedProxy(prefix, upstream) : []),
        strip ? `proxy_pass http://${upstream}/;` : `proxy_pass http://${upstream};`,
      ];
    }
    case 'platform': {
      const upstream = ctx.upstreamOf(route);
      return [
        ...ctx.headers,
        `include ${quote(ctx.proxyInclude)};`,
        'proxy_set_header Cookie $http_cookie;',
        // Log streams and server-sent events must not wait in nginx's buffers.
        'proxy_buffering off;',
        ...ctx.platformLines,
        `proxy_pass http://${upstream};`,
      ];
    }
    case 'static':
      if (prefix === null) {
        throw new NginxRenderError(`${route.id}: a static site on an exact path is not supported`);
      }
      return staticLines(route, target.site, prefix, ctx);
    case 'redirect': {
      const to = literalText(target.to).slice(1, -1);
      if (!target.keepPath || prefix === null) return [...ctx.headers, `return ${target.status} "${to}";`];
      // The rest after the prefix, without its leading slash when `to` ends with one.
      const rest = target.to.endsWith('/') ? '$berth_rest_tail' : '$berth_rest';
      return [
        ...ctx.headers,
        ...restOfUri(prefix),
        'if ($berth_rest ~ "^/(?<berth_rest_tail>.*)$") { }',
        `return ${target.status} "${to}${rest}";`,
      ];
    }
    case 'respond':
      if (target.status >= 300 && target.status < 400) {
        throw new NginxRenderError(`${route.id}: nginx cannot answer ${target.status} with a body`);
      }
      return [
        ...ctx.headers,
        `default_type ${quote(target.contentType)};`,
        `return ${target.status} ${literalText(target.body)};`,
      ];
    default:
      throw new NginxRenderError(`${route.id}: unknown target`);
  }
}

function staticLines(
  route: GatewayRoute,
  site: StaticSiteSpec,
  prefix: string,
  ctx: LocationContext,
): string[] {
  if (site.index.includes('/') || site.index.includes('$')) {
    throw new NginxRenderError(`${route.id}: index ${JSON.stringify(site.index)} is not a file name`);
  }
  const root = site.root.endsWith('/') ? site.root : `${site.root}/`;
  const fallback = site.spa ? `${quote(`${prefix}${site.index}`)}` : '=404';
  const lines = [
    ...ctx.headers,
    `alias ${literalPath(root)};`,
    `index ${quote(site.index)};`,
    // Links inside the site are not followed (a process of the app cannot point nginx elsewhere).
    'disable_symlinks on from=$document_root;',
    // nginx answers a refused link 403; the built-in gateway answers it as a missing file.
    ...errorPageLines(),
    `error_page 403 =404 ${ERROR_URI}404$berth_err_variant;`,
    `try_files $uri $uri/ ${fallback};`,
  ];
  if (site.dotfiles !== true) {
    lines.push(
      ...block('location ~ "/\\.(?!well-known(/|$))"', [...logVars(route), ...ctx.headers, 'return 404;']),
    );
  }
  return lines;
}
