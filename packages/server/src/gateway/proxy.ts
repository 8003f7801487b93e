// The gateway's request handler for Node's http.Server: match the route (route-matcher.ts), then
// answer by its target: forward to an upstream the balancer picks with undici (proxy-exchange.ts),
// or tunnel an Upgrade request (tunnel.ts); serve a static site's files; redirect; answer a fixed
// body; or hand the request to berthd's API and console (the platform target: a handler in this
// process, or a proxied pool to berthd's loopback port from a gateway worker).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../logger.ts';
import type { GatewayErrorCode } from './error-page.ts';
import { addPrefix, clientOf, scanRequestHeaders } from './forward-headers.ts';
import { errorStatus, sendGatewayError, sendRedirect, writeGatewayErrorToSocket } from './gateway-errors.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';
import {
  buildSnapshot,
  type PlatformPool,
  type ProxyContext,
  pickUpstream,
  type RequestDoneInfo,
  type RouteEntry,
  type RouteState,
  report,
} from './proxy-context.ts';
import { ProxyExchange } from './proxy-exchange.ts';
import type { RouteMatch } from './route-matcher.ts';
import { emptyGatewayTable, type GatewayTable, type RoutePolicy } from './route-model.ts';
import { createStaticFiles, type StaticSite } from './static-files.ts';
import { createProxyTrust, type TrustProxySetting } from './trusted-proxies.ts';
import { openTunnel } from './tunnel.ts';
import type { UpstreamRegistry } from './upstreams.ts';

export interface ProxyFallback {
  /** A request for a `platform` route, served in this process (berthd's API and console). */
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** Serves the requests of routes that name a policy (route-model.ts, ROUTE_POLICIES) in this
 *  process: the policy's checks, then its own way to a destination. */
export interface PolicyHandler {
  request(req: IncomingMessage, res: ServerResponse, call: PolicyCall): void;
  /** Called once when the gateway worker stops, after the requests it served are done and before
   *  the process exits: what the policy still holds (counts not sent yet) goes out now. */
  close?(): Promise<void>;
}

export interface PolicyCall {
  /** The client's address (a trusted proxy's X-Forwarded-For believed, as for app routes). */
  clientIp: string;
  /** The request's id, the gateway's own (never the client's): the handler answers and forwards the
   *  request under it, and the access log records it. */
  requestId: string;
}

export interface ProxyOptions {
  logger: Logger;
  registry: UpstreamRegistry;
  metrics: GatewayMetrics;
  table?: GatewayTable;
  /** Time allowed for the app to start answering. Default 60 s. */
  headersTimeoutMs?: number;
  /** Longest silence while the app sends its response body. Default 120 s. */
  bodyTimeoutMs?: number;
  /** Connect timeout of Upgrade tunnels (pools take theirs from the registry). Default 5 s. */
  connectTimeoutMs?: number;
  /** Peers whose X-Forwarded-* and X-Request-Id are believed (trusted-proxies.ts). Default none. */
  trustProxy?: TrustProxySetting;
  onRequestDone?: (info: RequestDoneInfo) => void;
  /** Serves `platform` routes in this process (berthd in front of its own API) instead of
   *  proxying them to the target's address. */
  platformHandler?: ProxyFallback;
  /** Handlers of route policies by name; a policy route without one goes to its platform target
   *  (berthd runs the policy's checks itself). */
  policies?: ReadonlyMap<RoutePolicy, PolicyHandler>;
  /** Proxies `platform` routes (a gateway worker forwarding to berthd's loopback port): the pool. */
  platformPool?: PlatformPool;
  /** Extra headers (flat `[name, value, …]`) on requests proxied to a platform target. */
  platformHeaders?: readonly string[];
  /** The HTTPS listener's port, for `httpsRedirect` hosts (unset: no HTTPS, nothing redirected). */
  httpsPort?: () => number | undefined;
}

export interface Proxy {
  readonly table: GatewayTable;
  /** Swaps the table in one assignment. The registry must already hold its upstreams. */
  setTable(table: GatewayTable): void;
  /** `(req, res)` for `http.createServer` / the server's 'request' event. */
  readonly handleRequest: (req: IncomingMessage, res: ServerResponse) => void;
  /** For the server's 'upgrade' event (WebSocket and other Upgrade requests). */
  readonly handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export function createProxy(options: ProxyOptions): Proxy {
  const { registry, metrics } = options;
  const platformHandler = options.platformHandler;
  const policies = options.policies;
  const platformPool = options.platformPool ?? null;
  const platformHeaders = options.platformHeaders ?? [];
  const httpsPort = options.httpsPort ?? (() => undefined);
  const staticFiles = createStaticFiles({ logger: options.logger });
  const ctx: ProxyContext = {
    snapshot: buildSnapshot(options.table ?? emptyGatewayTable(), registry, metrics, platformPool),
    registry,
    metrics,
    logger: options.logger,
    headersTimeoutMs: options.headersTimeoutMs ?? 60_000,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 120_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    trust: createProxyTrust(options.trustProxy ?? false),
    onRequestDone: options.onRequestDone,
  };

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const start = performance.now();
    const snapshot = ctx.snapshot;
    const url = req.url ?? '/';
    const host = findHost(req.rawHeaders);
    const socket = req.socket as TLSSocket;
    const encrypted = socket.encrypted === true;
    const settings = snapshot.hosts.size > 0 && host !== undefined ? snapshot.hosts.get(host) : undefined;
    const matched = snapshot.matcher.match(host, url);
    const entry = matched === null ? undefined : snapshot.entries.get(matched.route.id);
    const kind = entry?.route.target.kind;
    // Exact paths (ACME HTTP-01 challenges) stay reachable over plain HTTP: a renewal's validation
    // must not be sent to HTTPS (nginx renders the same exception).
    const toHttps =
      settings?.httpsRedirect === true && !encrypted && matched?.route.match.path === undefined
        ? httpsPort()
        : undefined;
    const policy = entry?.route.policy === undefined ? undefined : policies?.get(entry.route.policy);
    if (policy !== undefined && toHttps === undefined) {
      servePolicy(policy, req, res, socket, start);
      return;
    }
    if (kind === 'platform' && platformHandler !== undefined && toHttps === undefined) {
      platformHandler.request(req, res);
      return;
    }
    const scanned = scanRequestHeaders(req.rawHeaders, {
      peerTrusted: peerTrusted(ctx, socket),
      trust: ctx.trust,
      proto: encrypted ? 'https' : 'http',
      remoteAddress: socket.remoteAddress,
      toApp: kind !== 'platform',
    });
    const requestId = scanned.requestId;
    const state = entry?.state ?? null;
    if (settings !== undefined) {
      if (toHttps !== undefined) {
        const name = bareHost(host!);
        const authority = toHttps === 443 ? name : `${name}:${toHttps}`;
        sendRedirectTo(res, 308, `https://${authority}${url}`, requestId);
        done(req, state, 308, 0, start, requestId);
        return;
      }
      if (encrypted && settings.hstsMaxAge !== undefined && settings.hstsMaxAge > 0) {
        res.setHeader('strict-transport-security', `max-age=${settings.hstsMaxAge}`);
      }
    }
    if (entry === undefined || matched === null) {
      metrics.unrouted.requests++;
      const bytes = sendGatewayError(res, 'GATEWAY_NO_ROUTE', requestId);
      report(ctx, req, null, 404, bytes, start, requestId, 'GATEWAY_NO_ROUTE');
      return;
    }
    if (matched.redirect !== undefined) {
      sendRedirect(res, matched.redirect, requestId);
      done(req, state, 308, 0, start, requestId);
      return;
    }
    const target = entry.route.target;
    switch (target.kind) {
      case 'proxy':
        if (entry.stripPrefix) {
          addPrefix(scanned.headers, matched.prefix);
          forward(req, res, state!, matched.rest, scanned.headers, scanned.hasBody, requestId, start);
        } else {
          forward(req, res, state!, url, scanned.headers, scanned.hasBody, requestId, start);
        }
        return;
      case 'platform':
        for (const value of platformHeaders) scanned.headers.push(value);
        forward(req, res, state!, url, scanned.headers, scanned.hasBody, requestId, start);
        return;
      case 'static':
        serveSite(req, res, state, entry.site!, matched.rest, requestId, start);
        return;
      case 'redirect': {
        const location = target.keepPath ? joinPath(target.to, matched.rest) : target.to;
        sendRedirectTo(res, target.status, location, requestId);
        done(req, state, target.status, 0, start, requestId);
        return;
      }
      case 'respond': {
        const body = Buffer.from(target.body);
        res.writeHead(target.status, [
          'content-type',
          target.contentType,
          'content-length',
          String(body.length),
          'cache-control',
          'no-store',
          'x-request-id',
          requestId,
        ]);
        res.end(req.method === 'HEAD' ? undefined : body);
        done(req, state, target.status, body.length, start, requestId);
        return;
      }
    }
  }

  /** A policy route's request, handed to its handler with the client's address; reported to the
   *  access log when its answer ends. */
  function servePolicy(
    policy: PolicyHandler,
    req: IncomingMessage,
    res: ServerResponse,
    socket: TLSSocket,
    start: number,
  ): void {
    const peer = socket.remoteAddress ?? 'unknown';
    // (Node joins repeated X-Forwarded-For headers into one string.)
    const forwardedFor = peerTrusted(ctx, socket)
      ? (req.headers['x-forwarded-for'] as string | undefined)
      : undefined;
    const clientIp = clientOf(forwardedFor, ctx.trust, peer);
    const requestId = randomUUID();
    if (ctx.onRequestDone !== undefined) {
      res.once('close', () => {
        const status = res.headersSent ? res.statusCode : 499;
        report(ctx, req, null, status, 0, start, requestId, undefined);
      });
    }
    policy.request(req, res, { clientIp, requestId });
  }

  function done(
    req: IncomingMessage,
    state: RouteState | null,
    status: number,
    bytes: number,
    start: number,
    requestId: string,
  ): void {
    if (state !== null) metrics.record(state.counters, status, bytes, performance.now() - start);
    report(ctx, req, state, status, bytes, start, requestId, undefined);
  }

  function serveSite(
    req: IncomingMessage,
    res: ServerResponse,
    state: RouteState | null,
    site: StaticSite,
    rest: string,
    requestId: string,
    start: number,
  ): void {
    res.setHeader('x-request-id', requestId);
    staticFiles.serve(site, rest, req, res).then(
      (outcome) => done(req, state, outcome.status, outcome.bytes, start, requestId),
      (err: unknown) => {
        ctx.logger.warn({ err, app: state?.app, requestId }, 'static file failed');
        if (!res.headersSent) res.writeHead(500, ['content-length', '0']).end();
        else res.destroy();
        if (state !== null) metrics.record(state.counters, 500, 0, performance.now() - start);
        report(ctx, req, state, 500, 0, start, requestId, 'STATIC_FILE_FAILED');
      },
    );
  }

  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    state: RouteState,
    path: string,
    headers: string[],
    hasBody: boolean,
    requestId: string,
    start: number,
  ): void {
    const upstream = pickUpstream(state, null);
    if (upstream === null) {
      answerError(ctx, req, res, state, 'GATEWAY_NO_UPSTREAM', requestId, start);
      return;
    }
    new ProxyExchange(ctx, req, res, state, path, headers, hasBody, requestId, start).send(upstream);
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const start = performance.now();
    const snapshot = ctx.snapshot;
    const url = req.url ?? '/';
    const host = findHost(req.rawHeaders);
    const matched: RouteMatch | null = snapshot.matcher.match(host, url);
    const entry: RouteEntry | undefined =
      matched === null ? undefined : snapshot.entries.get(matched.route.id);
    const kind = entry?.route.target.kind;
    if (kind === 'platform' && platformHandler?.upgrade !== undefined) {
      platformHandler.upgrade(req, socket, head);
      return;
    }
    const client = req.socket as TLSSocket;
    const scanned = scanRequestHeaders(req.rawHeaders, {
      peerTrusted: peerTrusted(ctx, client),
      trust: ctx.trust,
      proto: client.encrypted === true ? 'https' : 'http',
      remoteAddress: client.remoteAddress,
      tunnel: true,
      toApp: kind !== 'platform',
    });
    const state = entry?.state ?? null;
    if (entry === undefined || matched === null || matched.redirect !== undefined || state === null) {
      // A tunnel cannot follow a redirect; `/o/app` without the slash is not a WebSocket URL.
      metrics.unrouted.requests++;
      const bytes = writeGatewayErrorToSocket(socket, 'GATEWAY_NO_ROUTE', scanned.requestId);
      report(ctx, req, null, 404, bytes, start, scanned.requestId, 'GATEWAY_NO_ROUTE');
      return;
    }
    let path = url;
    if (kind === 'platform') {
      for (const value of platformHeaders) scanned.headers.push(value);
    } else if (entry.stripPrefix) {
      addPrefix(scanned.headers, matched.prefix);
      path = matched.rest;
    }
    // Static sites, redirects and fixed answers have no upstream: the state's balancer is empty
    // (GATEWAY_NO_UPSTREAM), as for an environment with nothing running.
    openTunnel(ctx, {
      req,
      socket,
      head,
      state,
      path,
      headers: scanned.headers,
      requestId: scanned.requestId,
      start,
    });
  }

  return {
    get table() {
      return ctx.snapshot.table;
    },
    setTable(table) {
      ctx.snapshot = buildSnapshot(table, registry, metrics, platformPool);
      const roots = new Set<string>();
      for (const route of table.routes) if (route.target.kind === 'static') roots.add(route.target.site.root);
      staticFiles.retain(roots);
    },
    handleRequest,
    handleUpgrade,
  };
}

/** The Host header without its port. */
function bareHost(host: string): string {
  const colon = host.lastIndexOf(':');
  if (colon > 0 && !host.startsWith('[')) return host.slice(0, colon);
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    return close > 0 ? host.slice(0, close + 1) : host;
  }
  return host;
}

/** `to` with the path after the route's prefix (and the query) appended. */
function joinPath(to: string, rest: string): string {
  return to.endsWith('/') && rest.startsWith('/') ? to + rest.slice(1) : to + rest;
}

function sendRedirectTo(res: ServerResponse, status: number, location: string, requestId: string): void {
  res.writeHead(status, ['location', location, 'content-length', '0', 'x-request-id', requestId]);
  res.end();
}

/** Whether the trust test was made for a connection, and its answer (kept for keep-alive requests). */
const kPeerTrusted = Symbol('berth.gateway.peerTrusted');
type TrustTagged = { [kPeerTrusted]?: boolean; remoteAddress?: string | undefined };

function peerTrusted(ctx: ProxyContext, socket: TrustTagged): boolean {
  if (ctx.trust === null) return false;
  let trusted = socket[kPeerTrusted];
  if (trusted === undefined) {
    trusted = socket.remoteAddress !== undefined && ctx.trust(socket.remoteAddress);
    socket[kPeerTrusted] = trusted;
  }
  return trusted;
}

function findHost(raw: string[]): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && (name === 'Host' || name === 'host' || name.toLowerCase() === 'host')) {
      return raw[i + 1];
    }
  }
  return undefined;
}

function answerError(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  state: RouteState,
  code: GatewayErrorCode,
  requestId: string,
  start: number,
): void {
  const bytes = sendGatewayError(res, code, requestId);
  const status = errorStatus(code);
  ctx.metrics.record(state.counters, status, bytes, performance.now() - start);
  report(ctx, req, state, status, bytes, start, requestId, code);
}
