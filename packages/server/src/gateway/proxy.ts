// The gateway's request handler for Node's http.Server: resolve the route, pick a healthy upstream,
// forward with undici (see proxy-exchange.ts), or tunnel an Upgrade request (see tunnel.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../logger.ts';
import type { GatewayErrorCode } from './error-page.ts';
import { addPrefix, scanRequestHeaders } from './forward-headers.ts';
import { errorStatus, sendGatewayError, sendRedirect, writeGatewayErrorToSocket } from './gateway-errors.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';
import {
  buildSnapshot,
  type ProxyContext,
  pickUpstream,
  type RequestDoneInfo,
  type RouteState,
  report,
} from './proxy-context.ts';
import { ProxyExchange } from './proxy-exchange.ts';
import { emptyRouteTable, type Route, type RouteTable } from './route-table.ts';
import { createStaticFiles, type StaticSite } from './static-files.ts';
import { createProxyTrust, type TrustProxySetting } from './trusted-proxies.ts';
import { openTunnel } from './tunnel.ts';
import type { Upstream, UpstreamRegistry } from './upstreams.ts';

export interface ProxyFallback {
  /** Requests not addressed to the gateway (berthd's API and console). */
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface ProxyOptions {
  logger: Logger;
  registry: UpstreamRegistry;
  metrics: GatewayMetrics;
  table?: RouteTable;
  /** Time allowed for the app to start answering. Default 60 s. */
  headersTimeoutMs?: number;
  /** Longest silence while the app sends its response body. Default 120 s. */
  bodyTimeoutMs?: number;
  /** Connect timeout of Upgrade tunnels (pools take theirs from the registry). Default 5 s. */
  connectTimeoutMs?: number;
  /** Peers whose X-Forwarded-* and X-Request-Id are believed (trusted-proxies.ts). Default none. */
  trustProxy?: TrustProxySetting;
  onRequestDone?: (info: RequestDoneInfo) => void;
  /** Where requests that are not for an app go; without it (or `fallbackUpstream`) they get
   *  GATEWAY_NO_ROUTE. */
  fallback?: ProxyFallback;
  /** Or: proxy requests that are not for an app to this upstream of its own registry (pool), path
   *  unchanged (a gateway worker forwarding berthd's API and console to the primary process).
   *  X-Forwarded-For is rewritten as for apps: berthd sees the address we saw unless the peer is a
   *  trusted proxy. */
  fallbackUpstream?: { upstream: Upstream; registry: UpstreamRegistry };
  /** Extra headers (flat `[name, value, …]`) on requests sent to `fallbackUpstream`. */
  fallbackHeaders?: readonly string[];
}

export interface Proxy {
  readonly table: RouteTable;
  /** Swaps the table in one assignment. The registry must already hold its upstreams. */
  setTable(table: RouteTable): void;
  /** `(req, res)` for `http.createServer` / the server's 'request' event. */
  readonly handleRequest: (req: IncomingMessage, res: ServerResponse) => void;
  /** For the server's 'upgrade' event (WebSocket and other Upgrade requests). */
  readonly handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export function createProxy(options: ProxyOptions): Proxy {
  const { registry, metrics, fallback } = options;
  const fallbackHeaders = options.fallbackHeaders ?? [];
  const staticFiles = createStaticFiles({ logger: options.logger });
  const fallbackState =
    options.fallbackUpstream === undefined
      ? null
      : fallbackRoute(options.fallbackUpstream.upstream, options.fallbackUpstream.registry, metrics);
  const ctx: ProxyContext = {
    snapshot: buildSnapshot(options.table ?? emptyRouteTable(), registry, metrics),
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
    const resolved = snapshot.table.resolve(host, url);
    if (resolved === null && fallback !== undefined && !snapshot.table.claims(host, url)) {
      fallback.request(req, res);
      return;
    }
    const toFallback = resolved === null && fallbackState !== null && !snapshot.table.claims(host, url);
    const socket = req.socket as TLSSocket;
    const scanned = scanRequestHeaders(req.rawHeaders, {
      peerTrusted: peerTrusted(ctx, socket),
      trust: ctx.trust,
      proto: socket.encrypted === true ? 'https' : 'http',
      remoteAddress: socket.remoteAddress,
      toApp: !toFallback,
    });
    if (resolved === null) {
      if (toFallback) {
        for (const value of fallbackHeaders) scanned.headers.push(value);
        forward(req, res, fallbackState!, url, scanned.headers, scanned.hasBody, scanned.requestId, start);
        return;
      }
      metrics.unrouted.requests++;
      const bytes = sendGatewayError(res, 'GATEWAY_NO_ROUTE', scanned.requestId);
      report(ctx, req, null, 404, bytes, start, scanned.requestId, 'GATEWAY_NO_ROUTE');
      return;
    }
    const state = snapshot.routes.get(resolved.route.key)!;
    if (resolved.redirect !== undefined) {
      sendRedirect(res, resolved.redirect, scanned.requestId);
      metrics.record(state.counters, 308, 0, performance.now() - start);
      report(ctx, req, state, 308, 0, start, scanned.requestId, undefined);
      return;
    }
    if (state.route.static !== undefined) {
      serveSite(req, res, state, state.route.static, resolved.rest, scanned.requestId, start);
      return;
    }
    addPrefix(scanned.headers, resolved.prefix);
    forward(req, res, state, resolved.rest, scanned.headers, scanned.hasBody, scanned.requestId, start);
  }

  function serveSite(
    req: IncomingMessage,
    res: ServerResponse,
    state: RouteState,
    site: StaticSite,
    rest: string,
    requestId: string,
    start: number,
  ): void {
    res.setHeader('x-request-id', requestId);
    staticFiles.serve(site, rest, req, res).then(
      (outcome) => {
        metrics.record(state.counters, outcome.status, outcome.bytes, performance.now() - start);
        report(ctx, req, state, outcome.status, outcome.bytes, start, requestId, undefined);
      },
      (err: unknown) => {
        ctx.logger.warn({ err, app: state.route.app, requestId }, 'static file failed');
        if (!res.headersSent) res.writeHead(500, ['content-length', '0']).end();
        else res.destroy();
        metrics.record(state.counters, 500, 0, performance.now() - start);
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
    const resolved = snapshot.table.resolve(host, url);
    if (resolved === null && fallback?.upgrade !== undefined && !snapshot.table.claims(host, url)) {
      fallback.upgrade(req, socket, head);
      return;
    }
    const toFallback = resolved === null && fallbackState !== null && !snapshot.table.claims(host, url);
    const client = req.socket as TLSSocket;
    const scanned = scanRequestHeaders(req.rawHeaders, {
      peerTrusted: peerTrusted(ctx, client),
      trust: ctx.trust,
      proto: client.encrypted === true ? 'https' : 'http',
      remoteAddress: client.remoteAddress,
      tunnel: true,
      toApp: !toFallback,
    });
    if (toFallback) {
      for (const value of fallbackHeaders) scanned.headers.push(value);
      openTunnel(ctx, {
        req,
        socket,
        head,
        state: fallbackState!,
        path: url,
        headers: scanned.headers,
        requestId: scanned.requestId,
        start,
      });
      return;
    }
    if (resolved === null || resolved.redirect !== undefined) {
      // A tunnel cannot follow a redirect; `/o/app` without the slash is not a WebSocket URL.
      metrics.unrouted.requests++;
      const bytes = writeGatewayErrorToSocket(socket, 'GATEWAY_NO_ROUTE', scanned.requestId);
      report(ctx, req, null, 404, bytes, start, scanned.requestId, 'GATEWAY_NO_ROUTE');
      return;
    }
    const state = snapshot.routes.get(resolved.route.key)!;
    addPrefix(scanned.headers, resolved.prefix);
    openTunnel(ctx, {
      req,
      socket,
      head,
      state,
      path: resolved.rest,
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
      ctx.snapshot = buildSnapshot(table, registry, metrics);
      const roots = new Set<string>();
      for (const route of table.routes) if (route.static !== undefined) roots.add(route.static.root);
      staticFiles.retain(roots);
    },
    handleRequest,
    handleUpgrade,
  };
}

/** A route-like state for the fallback upstream (counted as `(berthd)`, never in a table). */
function fallbackRoute(upstream: Upstream, registry: UpstreamRegistry, metrics: GatewayMetrics): RouteState {
  const route: Route = Object.freeze({
    app: '(berthd)',
    env: 'prod',
    key: '(berthd)/fallback',
    pathPrefix: '',
    upstreams: Object.freeze([Object.freeze({ id: upstream.id, host: upstream.host, port: upstream.port })]),
    static: undefined,
    healthCheck: undefined,
  });
  return {
    route,
    upstreams: [upstream],
    counters: metrics.counters(route.app, route.env, route.key),
    registry,
    toApp: false,
    next: 0,
  };
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
