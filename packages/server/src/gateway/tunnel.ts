// Upgrade requests (WebSocket and friends): the request line and the rewritten headers go to the
// chosen upstream over a raw TCP connection; the upstream's response head gets our X-Request-Id.
// Only a `101 Switching Protocols` opens the tunnel: bytes are then piped both ways until either side
// closes, which closes the other. Until then nothing the client sent after its request head reaches
// the upstream, and any other answer is relayed as an HTTP response that closes the connection:
// piping on after a plain response would hand the app whatever requests the client sends next,
// without the gateway's rewriting (forged X-Forwarded-For, no access log).
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { GatewayErrorCode } from './error-page.ts';
import { errorStatus, writeGatewayErrorToSocket } from './gateway-errors.ts';
import {
  classifyFailure,
  type ProxyContext,
  pickUpstream,
  type RouteState,
  report,
} from './proxy-context.ts';
import { type BodyEnd, bodyEnd, headText, parseHead, type ResponseHead } from './upgrade-response.ts';
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
/** How long a client that got a relayed answer may keep its end open before it is cut. */
const LINGER_MS = 5_000;

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
  /** Relaying a response that is not a 101 (the connection closes after it). */
  private relaying = false;
  /** Where the relayed response's body ends. */
  private end: BodyEnd = 'close';

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
    const { req, headers, path } = this.r;
    let text = `${req.method ?? 'GET'} ${path} HTTP/1.1\r\n`;
    for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
    conn.write(`${text}\r\n`, 'latin1');
    // What the client sends next (`head`, and what its socket buffers meanwhile) waits for a 101.
    conn.on('data', this.onResponseHead);
  };

  /** Buffers the upstream's response head; informational answers (100, 103) are skipped. */
  private readonly onResponseHead = (chunk: Buffer): void => {
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    let all = this.pending.length === 1 ? chunk : Buffer.concat(this.pending, this.pendingLength);
    for (;;) {
      const end = all.indexOf(HEAD_END);
      if (end === -1) {
        this.pending = [all];
        this.pendingLength = all.length;
        if (all.length > MAX_RESPONSE_HEAD) this.conn!.destroy(new Error('response head too large'));
        return;
      }
      const head = parseHead(all.subarray(0, end));
      const rest = all.subarray(end + HEAD_END.length);
      if (head.status >= 100 && head.status < 200 && head.status !== 101) {
        all = rest;
        continue;
      }
      this.conn!.off('data', this.onResponseHead);
      this.pending = [];
      this.pendingLength = 0;
      this.status = head.status;
      if (head.status === 101) this.switchProtocols(head, rest);
      else this.relayAndClose(head, rest);
      return;
    }
  };

  /** 101: the tunnel opens; the client's held bytes go first, then both directions are piped. */
  private switchProtocols(head: ResponseHead, rest: Buffer): void {
    const conn = this.conn!;
    const { socket, head: early } = this.r;
    this.bytes += rest.length;
    socket.write(headText(head, this.r.requestId, this.r.state.toApp, false), 'latin1');
    if (rest.length > 0) socket.write(rest);
    if (early.length > 0) conn.write(early);
    socket.pipe(conn);
    conn.on('data', this.countBytes);
    conn.pipe(socket);
  }

  /**
   * Any other answer: relayed to the client as a response that closes the connection. The upstream
   * gets no more bytes; its body goes to the client up to its end (its length, its last chunk, or
   * the upstream closing), then both connections close.
   */
  private relayAndClose(head: ResponseHead, rest: Buffer): void {
    const conn = this.conn!;
    this.relaying = true;
    this.end = bodyEnd(head);
    conn.setTimeout(this.ctx.bodyTimeoutMs, () => conn.destroy());
    this.r.socket.write(headText(head, this.r.requestId, this.r.state.toApp, true), 'latin1');
    conn.on('data', this.relayBody);
    this.relayBody(rest);
  }

  private readonly relayBody = (chunk: Buffer): void => {
    if (this.finished) return;
    let bytes = chunk;
    let done = false;
    const end = this.end;
    if (end !== 'close' && end.chunked !== undefined) {
      let used: number;
      try {
        used = end.chunked.feed(bytes);
      } catch {
        this.cutRelay('UPSTREAM_BAD_BODY');
        return;
      }
      if (used >= 0) {
        bytes = bytes.subarray(0, used);
        done = true;
      }
    } else if (end !== 'close') {
      if (bytes.length >= end.length) {
        bytes = bytes.subarray(0, end.length);
        done = true;
      }
      end.length -= bytes.length;
    }
    if (bytes.length > 0) {
      this.bytes += bytes.length;
      const socket = this.r.socket;
      if (!socket.write(bytes) && !done) {
        const conn = this.conn!;
        conn.pause();
        socket.once('drain', () => conn.resume());
      }
    }
    if (done) this.endRelay();
  };

  /** The relayed response broke off: the client must not take it as whole. */
  private cutRelay(error: string): void {
    if (this.finished) return;
    this.r.socket.destroy();
    this.conn?.destroy();
    this.releaseUpstream();
    this.finish(this.status, error);
  }

  /** The relayed response is complete: close the client's connection (its unread bytes are
   *  discarded, never sent anywhere) and the upstream's. */
  private endRelay(): void {
    if (this.finished) return;
    const socket = this.r.socket;
    socket.end();
    // Reading what the client still sends lets it see our FIN rather than a reset that could cost it
    // the response; a client that keeps its end open is cut after a while.
    socket.resume();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
    this.conn?.destroy();
    this.releaseUpstream();
    this.finish(this.status, undefined);
  }

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
      this.r.state.registry.markDown(upstream, String((err as NodeJS.ErrnoException).code ?? 'error'));
    }
    if (this.attempts === 1 && (kind === 'refused' || kind === 'connect-timeout' || kind === 'reset')) {
      const state = this.ctx.snapshot.balancers.get(this.r.state.balancerKey);
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
    if (this.relaying) {
      if (this.end === 'close') this.endRelay();
      else this.cutRelay('UPSTREAM_CLOSED');
      return;
    }
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
