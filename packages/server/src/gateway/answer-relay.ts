// What every dispatch handler that relays an upstream's answer to a client shares (the app gateway's
// proxy-exchange.ts, the API gateway's call-exchange.ts): the answer's bytes go from undici's parser
// to the client's response; when the client's socket is full the upstream connection is paused until
// it drains; when the client goes away the upstream request is aborted, so its pooled connection is
// freed. The answer's head goes out as it comes (its headers as the exchange filters them: the
// `answerHeaders` of each), and the attempt's upstream counts one request in flight until its end.
// Listeners are functions shared by every answer (the relay is found on the response), not closures
// made per request.
import type { ServerResponse } from 'node:http';
import type { Upstream } from './upstreams.ts';

const kRelay = Symbol('berth.gateway.answer-relay');
type TaggedResponse = ServerResponse & { [kRelay]: AnswerRelay };

function onResponseClose(this: TaggedResponse): void {
  this[kRelay].clientClosed();
}

function onResponseDrain(this: TaggedResponse): void {
  this[kRelay].clientDrained();
}

export abstract class AnswerRelay {
  protected readonly res: ServerResponse;
  /** Aborts the upstream request under way (null between attempts). */
  protected abortUpstream: ((err?: Error) => void) | null = null;
  /** Resumes the upstream after the client drained. */
  protected resumeUpstream: (() => void) | null = null;
  /** The answer's status, once its head went out. */
  protected status = 0;
  protected headersSent = false;
  /** Answer body bytes written to the client. */
  protected bytes = 0;
  protected finished = false;
  protected clientGone = false;
  /** The upstream of the attempt under way (null between attempts). */
  protected upstream: Upstream | null = null;
  /** The upstream of the last attempt, kept once it ended. */
  protected lastUpstream: Upstream | null = null;
  private waitingDrain = false;

  constructor(res: ServerResponse) {
    this.res = res;
    (res as TaggedResponse)[kRelay] = this;
    res.on('close', onResponseClose);
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.clientGone) abort();
    else this.abortUpstream = abort;
  }

  /** The answer's headers as the client gets them, into `out` (flat); whether it has a length. */
  protected abstract answerHeaders(raw: Buffer[], out: string[]): boolean;

  /** Writes the answer's head (1xx answers are not passed on). One of unknown length may be a
   *  stream that sends nothing for a while (a log stream, server-sent events): the client gets its
   *  head now, not with the first bytes. */
  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true;
    this.resumeUpstream = resume;
    const headers: string[] = [];
    const hasLength = this.answerHeaders(rawHeaders, headers);
    this.status = statusCode;
    this.res.writeHead(statusCode, statusText || undefined, headers);
    if (!hasLength) this.res.flushHeaders();
    this.headersSent = true;
    return true;
  }

  /** Counts an attempt in flight on `upstream` (its dispatch is the exchange's). */
  protected attempt(upstream: Upstream): void {
    this.upstream = upstream;
    this.abortUpstream = null;
    upstream.inFlight++;
  }

  /** Ends the attempt under way; returns its upstream (null when none was under way). */
  protected release(): Upstream | null {
    const upstream = this.upstream;
    if (upstream !== null) {
      upstream.inFlight--;
      this.upstream = null;
      this.lastUpstream = upstream;
    }
    this.abortUpstream = null;
    return upstream;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    if (this.res.write(chunk)) return true;
    if (!this.waitingDrain) {
      this.waitingDrain = true;
      this.res.once('drain', onResponseDrain);
    }
    return false;
  }

  /** The client's socket took what was written: let the upstream send more. */
  clientDrained(): void {
    this.waitingDrain = false;
    this.resumeUpstream?.();
  }

  /** The response closed: normal once the answer finished, else the client went away. */
  clientClosed(): void {
    if (this.finished) return;
    this.clientGone = true;
    if (this.abortUpstream !== null) this.abortUpstream();
  }
}
