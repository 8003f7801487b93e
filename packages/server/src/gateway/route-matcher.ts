// Finds the route of a request in a GatewayTable, by the rules in route-model.ts: exact host, then
// wildcard host, then routes with no host; within them the longest segment-aligned path prefix.
// Built once per table; a lookup costs one or two Map lookups for the host and one per path
// segment of the matched prefix (two for `/o/{app}/`), whatever the number of routes.
import type { GatewayRoute, GatewayTable } from './route-model.ts';

export interface RouteMatch {
  route: GatewayRoute;
  /** The matched prefix without its trailing slash (`/o/shop`), `` for `/`. */
  prefix: string;
  /** The rest of the path, with the query, always starting with `/` (what a stripping proxy sends). */
  rest: string;
  /** Set when the client must first be sent here (308): `/o/shop?x` -> `/o/shop/?x`. */
  redirect?: string;
}

export interface RouteMatcher {
  /** The route for a Host header (may carry a port) and a request path with its query, or null. */
  match(host: string | undefined, path: string): RouteMatch | null;
}

interface PrefixNode {
  route: GatewayRoute | undefined;
  children: Map<string, PrefixNode> | undefined;
  /** Routes of exact paths (kept on the root node of a host only). */
  exact?: Map<string, GatewayRoute>;
}

const SLASH = 47;
const QUESTION = 63;

export function createRouteMatcher(table: GatewayTable): RouteMatcher {
  const exact = new Map<string, PrefixNode>();
  const wildcard = new Map<string, PrefixNode>();
  let anyHost: PrefixNode | undefined;

  for (const route of table.routes) {
    const host = route.match.host;
    let root: PrefixNode;
    if (host === undefined) {
      anyHost ??= { route: undefined, children: undefined };
      root = anyHost;
    } else {
      const map = host.startsWith('*.') ? wildcard : exact;
      const key = host.startsWith('*.') ? host.slice(1) : host;
      root = map.get(key) ?? { route: undefined, children: undefined };
      map.set(key, root);
    }
    if (route.match.path !== undefined) {
      root.exact ??= new Map();
      root.exact.set(route.match.path, route);
      continue;
    }
    let node = root;
    const prefix = route.match.pathPrefix ?? '/';
    for (const segment of prefix.split('/').slice(1, -1)) {
      node.children ??= new Map();
      let child = node.children.get(segment);
      if (child === undefined) {
        child = { route: undefined, children: undefined };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.route = route;
  }

  const hostless = anyHost;
  const withHosts = exact.size > 0 || wildcard.size > 0;

  return {
    match(rawHost, path) {
      if (path.charCodeAt(0) !== SLASH) return null;
      if (withHosts && rawHost !== undefined) {
        const host = normaliseHost(rawHost);
        const byName = exact.get(host);
        const found = byName === undefined ? null : lookup(byName, path);
        if (found !== null) return found;
        const dot = host.indexOf('.');
        if (dot > 0) {
          const byWildcard = wildcard.get(host.slice(dot));
          const wild = byWildcard === undefined ? null : lookup(byWildcard, path);
          if (wild !== null) return wild;
        }
      }
      return hostless === undefined ? null : lookup(hostless, path);
    },
  };
}

function lookup(root: PrefixNode, path: string): RouteMatch | null {
  if (root.exact !== undefined) {
    const query = path.indexOf('?');
    const route = root.exact.get(query < 0 ? path : path.slice(0, query));
    if (route !== undefined) return { route, prefix: '', rest: path };
  }
  let node = root;
  let best: GatewayRoute | undefined = root.route;
  /** Index of the matched prefix's trailing slash. */
  let bestEnd = 0;
  const length = path.length;
  let start = 1;
  while (node.children !== undefined && start <= length) {
    let end = start;
    while (end < length) {
      const c = path.charCodeAt(end);
      if (c === SLASH || c === QUESTION) break;
      end++;
    }
    const child = node.children.get(path.slice(start, end));
    if (child === undefined) break;
    if (end === length || path.charCodeAt(end) === QUESTION) {
      // The prefix without its trailing slash: send the client to the prefix.
      if (child.route !== undefined) {
        return {
          route: child.route,
          prefix: path.slice(0, end),
          rest: '/',
          redirect: `${path.slice(0, end)}/${path.slice(end)}`,
        };
      }
      break;
    }
    node = child;
    if (child.route !== undefined) {
      best = child.route;
      bestEnd = end;
    }
    start = end + 1;
  }
  if (best === undefined) return null;
  return { route: best, prefix: path.slice(0, bestEnd), rest: path.slice(bestEnd) };
}

/** Lower-cases a Host header and drops its port and a trailing dot. */
export function normaliseHost(host: string): string {
  let end = host.length;
  const colon = host.lastIndexOf(':');
  if (colon > 0 && host.charCodeAt(0) !== 91 /* '[' */) end = colon;
  if (end > 0 && host.charCodeAt(end - 1) === 46 /* '.' */) end--;
  const bare = end === host.length ? host : host.slice(0, end);
  return bare.toLowerCase();
}
