// Upgrade requests (WebSocket and friends): the request line and the rewritten headers go to the
// chosen upstream over a raw TCP connection; the upstream's response head gets our X-Request-Id;
// after that bytes are piped both ways until either side closes, which closes the other.
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { errorStatus, type GatewayErrorCode, writeGatewayErrorToSocket } from './gateway-errors.ts';
import {
  classifyFailure,
  type ProxyContext,
  pickUpstream,
  type RouteState,
  report,
} from './proxy-context.ts';
import type { Upstream } from './upstreams.ts';

export interface TunnelRequest {
  req: IncomingMessage;
  socket: Duplex;
  /** Bytes the client sent after its request head. */
  head: Buffer;
  state: RouteState;
  path: string;
  headers: string[];
  requestId: string;
  start: number;
}

/** The longest response head we wait for before giving up on the upstream. */
const MAX_RESPONSE_HEAD = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

export function openTunnel(ctx: ProxyContext, request: TunnelRequest): void {
  const upstream = pickUpstream(request.state, null);
  const tunnel = new Tunnel(ctx, request);
  if (upstream === null) tunnel.fail('GATEWAY_NO_UPSTREAM');
  else tunnel.connect(upstream);
}

class Tunnel {
  private upstream: Upstream | null = null;
  private lastUpstream: Upstream | null = null;
  private conn: net.Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private attempts = 0;
  private connected = false;
  private status = 0;
  private bytes = 0;
  private finished = false;
  private pending: Buffer[] = [];
  private pendingLength = 0;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly r: TunnelRequest,
  ) {
    // The HTTP server keeps sockets half-open after the client's FIN; a tunnel closes instead, so
    // that 'close' (and the upstream's teardown) follows the client hanging up.
    r.socket.allowHalfOpen = false;
    r.socket.on('error', this.onClientGone);
    r.socket.on('close', this.onClientGone);
  }

  connect(upstream: Upstream): void {
    this.attempts++;
    this.upstream = upstream;
    upstream.inFlight++;
    const conn = net.connect({ host: upstream.host, port: upstream.port, noDelay: true });
    this.conn = conn;
    this.timer = setTimeout(() => {
      const err = new Error('connect timeout') as NodeJS.ErrnoException;
      err.code = 'UND_ERR_CONNECT_TIMEOUT';
      conn.destroy(err);
    }, this.ctx.connectTimeoutMs);
    conn.once('connect', this.onConnect);
    // Handlers check which connection they belong to: after a retry the first one may still report.
    conn.on('error', (err) => {
      if (conn === this.conn) this.onUpstreamError(err);
    });
    conn.on('close', () => {
      if (conn === this.conn) this.onUpstreamClose();
    });
  }

  /** Answers the client with a gateway error (no upstream reached) and ends. */
  fail(code: GatewayErrorCode): void {
    const bytes = writeGatewayErrorToSocket(this.r.socket, code, this.r.requestId);
    this.bytes = bytes;
    this.finish(errorStatus(code), code);
  }

  private readonly onConnect = (): void => {
    const conn = this.conn!;
    this.clearTimer();
    this.connected = true;
    const { req, headers, path, head, socket } = this.r;
    let text = `${req.method ?? 'GET'} ${path} HTTP/1.1\r\n`;
    for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
    conn.write(`${text}\r\n`, 'latin1');
    if (head.length > 0) conn.write(head);
    conn.on('data', this.onResponseHead);
    socket.pipe(conn);
  };

  /** Buffers the upstream's response head, adds X-Request-Id, then switches to piping. */
  private readonly onResponseHead = (chunk: Buffer): void => {
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    const all = this.pending.length === 1 ? chunk : Buffer.concat(this.pending, this.pendingLength);
    const end = all.indexOf(HEAD_END);
    if (end === -1) {
      if (this.pendingLength > MAX_RESPONSE_HEAD) this.conn!.destroy(new Error('response head too large'));
      return;
    }
    const conn = this.conn!;
    conn.off('data', this.onResponseHead);
    this.pending = [];
    const lines = all.subarray(0, end).toString('latin1').split('\r\n');
    this.status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 502);
    const kept = lines.filter((line, i) => i === 0 || !/^x-request-id\s*:/i.test(line));
    kept.push(`x-request-id: ${this.r.requestId}`);
    const rest = all.subarray(end + HEAD_END.length);
    this.bytes += rest.length;
    this.r.socket.write(`${kept.join('\r\n')}\r\n\r\n`, 'latin1');
    if (rest.length > 0) this.r.socket.write(rest);
    conn.on('data', this.countBytes);
    conn.pipe(this.r.socket);
  };

  private readonly countBytes = (chunk: Buffer): void => {
    this.bytes += chunk.length;
  };

  private onUpstreamError(err: Error): void {
    if (this.connected) {
      // Established tunnel: 'close' follows and closes the client side (or answers 502 when the
      // upstream never answered).
      return;
    }
    this.clearTimer();
    const upstream = this.releaseUpstream();
    if (this.finished || this.r.socket.destroyed) {
      this.finish(499, undefined);
      return;
    }
    const kind = classifyFailure(err);
    if (upstream !== null && (kind === 'refused' || kind === 'connect-timeout')) {
      this.ctx.registry.markDown(upstream, String((err as NodeJS.ErrnoException).code ?? 'error'));
    }
    if (this.attempts === 1 && (kind === 'refused' || kind === 'connect-timeout' || kind === 'reset')) {
      const state = this.ctx.snapshot.routes.get(this.r.state.route.key);
      const next = state === undefined ? null : pickUpstream(state, upstream);
      if (next !== null) {
        this.connect(next);
        return;
      }
    }
    this.fail(kind === 'connect-timeout' || kind === 'timeout' ? 'GATEWAY_TIMEOUT' : 'GATEWAY_BAD_UPSTREAM');
  }

  private onUpstreamClose(): void {
    if (!this.connected) return; // handled by onUpstreamError (or a retry is under way)
    if (this.status === 0) {
      // Closed before answering: nothing was sent to the client yet.
      this.releaseUpstream();
      this.fail('GATEWAY_BAD_UPSTREAM');
      return;
    }
    this.r.socket.destroy();
    this.releaseUpstream();
    this.finish(this.status, undefined);
  }

  private readonly onClientGone = (): void => {
    if (this.finished) return;
    this.clearTimer();
    this.conn?.destroy();
    this.r.socket.destroy();
    this.releaseUpstream();
    this.finish(this.status === 0 ? 499 : this.status, undefined);
  };

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private releaseUpstream(): Upstream | null {
    const upstream = this.upstream;
    if (upstream !== null) {
      upstream.inFlight--;
      this.upstream = null;
      this.lastUpstream = upstream;
    }
    return upstream;
  }

  private finish(status: number, error: string | undefined): void {
    if (this.finished) return;
    this.finished = true;
    const { req, state, start, requestId } = this.r;
    this.ctx.metrics.record(state.counters, status, this.bytes, performance.now() - start);
    report(this.ctx, req, state, status, this.bytes, start, requestId, error, this.lastUpstream?.id ?? null);
  }
}
