// One proxied request: the hand-written undici dispatch handler (no promises, no stream wrappers on
// the hot path). Response bytes go straight from undici's parser to the client socket, with the
// back-pressure and abort of answer-relay.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { AnswerRelay } from './answer-relay.ts';
import type { GatewayErrorCode } from './error-page.ts';
import { responseHeaders } from './forward-headers.ts';
import { errorStatus, sendGatewayError } from './gateway-errors.ts';
import {
  classifyFailure,
  type ProxyContext,
  pickUpstream,
  type RouteState,
  report,
} from './proxy-context.ts';
import type { Upstream } from './upstreams.ts';

/** Methods that may be sent twice when the first attempt never reached the app. */
const IDEMPOTENT: Record<string, true> = { GET: true, HEAD: true, OPTIONS: true, PUT: true, DELETE: true };

export class ProxyExchange extends AnswerRelay implements Dispatcher.DispatchHandler {
  private readonly ctx: ProxyContext;
  private readonly req: IncomingMessage;
  /** The client's connection (undici detaches the request from it when it stops reading the body). */
  private readonly socket: IncomingMessage['socket'];
  private readonly state: RouteState;
  private readonly options: Dispatcher.DispatchOptions;
  private readonly requestId: string;
  private readonly start: number;
  private readonly retryable: boolean;
  /** Upstreams that failed this request before it was sent elsewhere (retries only). */
  private failed: Upstream[] | null = null;

  constructor(
    ctx: ProxyContext,
    req: IncomingMessage,
    res: ServerResponse,
    state: RouteState,
    path: string,
    headers: string[],
    hasBody: boolean,
    requestId: string,
    start: number,
  ) {
    super(res);
    this.ctx = ctx;
    this.req = req;
    this.socket = req.socket;
    this.state = state;
    this.requestId = requestId;
    this.start = start;
    const method = req.method ?? 'GET';
    this.retryable = !hasBody && IDEMPOTENT[method] === true;
    this.options = {
      path,
      method,
      headers,
      body: hasBody ? req : null,
      headersTimeout: ctx.headersTimeoutMs,
      bodyTimeout: ctx.bodyTimeoutMs,
      // With one request per connection there is no pipeline to protect; skips a resume per request.
      blocking: false,
    };
  }

  /** Sends the request to `upstream` (first attempt or a retry). */
  send(upstream: Upstream): void {
    this.attempt(upstream);
    this.state.registry.dispatch(upstream, this.options, this);
  }

  protected answerHeaders(raw: Buffer[], out: string[]): boolean {
    return responseHeaders(raw, this.requestId, this.state.toApp, out);
  }

  onComplete(_trailers: string[] | null): void {
    this.release();
    this.res.end();
    this.finish(this.status, undefined);
  }

  onError(err: Error): void {
    const upstream = this.release();
    if (this.finished) return;
    if (this.clientGone || this.res.destroyed) {
      this.finish(this.headersSent ? this.status : 499, undefined);
      return;
    }
    if (this.headersSent) {
      // The response broke off midway; all we can do is cut the client's connection too.
      this.res.destroy();
      this.finish(this.status, codeOf(err));
      return;
    }
    const kind = classifyFailure(err);
    if (upstream !== null && (kind === 'refused' || kind === 'connect-timeout')) {
      this.state.registry.markDown(upstream, String(codeOf(err)));
    }
    if (
      this.retryable &&
      upstream !== null &&
      (kind === 'refused' || kind === 'connect-timeout' || kind === 'reset' || kind === 'closed')
    ) {
      // Retry on the current table's version of the route (it may have been swapped meanwhile), on
      // an instance this request has not failed on yet: each instance once at most, as nginx tries
      // every server of an upstream. (Several may be going at once: a drained node's.)
      const failed = this.failed ?? [];
      failed.push(upstream);
      this.failed = failed;
      const state = this.ctx.snapshot.balancers.get(this.state.balancerKey);
      const next = state === undefined ? null : pickUpstream(state, upstream, failed);
      if (next !== null) {
        this.send(next);
        return;
      }
    }
    let code: GatewayErrorCode = 'GATEWAY_BAD_UPSTREAM';
    if (kind === 'timeout' || kind === 'connect-timeout') code = 'GATEWAY_TIMEOUT';
    else if (kind === 'bad-request') code = 'GATEWAY_BAD_REQUEST';
    if (kind === 'other' || kind === 'bad-request') {
      this.ctx.logger.warn({ err, upstream: upstream?.id, requestId: this.requestId }, 'proxying failed');
    }
    this.bytes = sendGatewayError(this.res, code, this.requestId);
    this.finish(errorStatus(code), code);
  }

  private finish(status: number, error: string | undefined): void {
    if (this.finished) return;
    this.finished = true;
    // Answered before the client sent all its body (an early 413): the rest of the body is read and
    // dropped, as Node does for answers of its own (`_dump`), so that the connection can carry the
    // next request. Node skips that for a request someone read from (undici did), and undici
    // detached the request from its socket, which stays paused.
    if (hasBodyLeft(this.req) && !this.socket.destroyed) {
      (this.req as IncomingMessage & { _dump?: () => void })._dump?.();
      this.socket.resume();
    }
    const durationMs = performance.now() - this.start;
    this.ctx.metrics.record(this.state.counters, status, this.bytes, durationMs);
    report(
      this.ctx,
      this.req,
      this.state,
      status,
      this.bytes,
      this.start,
      this.requestId,
      error,
      this.lastUpstream?.id ?? null,
    );
  }
}

function hasBodyLeft(req: IncomingMessage): boolean {
  return !req.complete && req.method !== 'GET' && req.method !== 'HEAD';
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UPSTREAM_ERROR';
}
