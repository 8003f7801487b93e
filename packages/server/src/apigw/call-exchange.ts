// Sends one API gateway call to its destination app environment and writes the app's answer to the
// caller as it comes: an undici dispatch handler of its own (as the app gateway's proxy-exchange.ts
// is), no promise, no stream wrapper and no header object between the app's bytes and the caller's
// socket. The answer's headers are the app's as the app gateway passes them on (responseHeaders:
// no hop-by-hop header, the gateway's X-Request-Id), less those the gateway's origin does not pass
// on, plus the gateway's safety headers (`AnswerRules`). Back-pressure, and the abort when the caller
// goes away, are the app gateway's too (AnswerRelay, gateway/answer-relay.ts).
//
// The call's body was read whole before (the signature and the placeholders need it), so a call
// whose connection an instance refused (or closed before answering) is sent again to another
// instance: nothing of it reached the first. One that an instance accepted and then failed is not
// sent again (the app may have acted on it). The component's timeout bounds the wait for the
// answer's headers and each wait between two parts of its body. A call that no instance can take
// is answered APIGW_DEST_UNAVAILABLE, one that took too long APIGW_DEST_TIMEOUT (in BlueKing's
// envelope); an answer that breaks off after its headers went out cuts the caller's connection.
import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { BerthError } from '../errors.ts';
import {
  AnswerRelay,
  classifyFailure,
  type GatewayEnv,
  responseHeaders,
  type Upstream,
} from '../gateway/index.ts';
import { sendRefusal } from './call-refusal.ts';
import type { Destinations } from './destinations.ts';

export interface ForwardedCall {
  method: string;
  /** Path and query on the destination instance (`/apigw/list/?page=2`). */
  path: string;
  /** Headers as they go to the app (credentials already removed, ours added). */
  headers: Record<string, string>;
  body: Buffer | null;
  timeoutMs: number;
}

/** What becomes of the app's answer headers. */
export interface AnswerRules {
  /** Lower-case names never passed on. */
  dropped: ReadonlySet<string>;
  /** Added to every answer, flat `[name, value, …]` (after the app's). */
  added: readonly string[];
}

/** Told once, when the call is over: the status the caller got, and the gateway's error if it
 *  answered one (or the app's answer broke off). */
export type CallDone = (status: number, error?: BerthError) => void;

/** Sends `call` to an instance of `target` and answers the caller on `res`. */
export function sendCall(
  destinations: Destinations,
  target: { app: string; env: GatewayEnv },
  call: ForwardedCall,
  res: ServerResponse,
  answer: { requestId: string; rules: AnswerRules },
  done: CallDone,
): void {
  new CallExchange(destinations, target, call, res, answer.requestId, answer.rules, done).start();
}

class CallExchange extends AnswerRelay implements Dispatcher.DispatchHandler {
  private readonly options: Dispatcher.DispatchOptions;
  private readonly tried: Upstream[] = [];
  private readonly destinations: Destinations;
  private readonly target: { app: string; env: GatewayEnv };
  private readonly requestId: string;
  private readonly rules: AnswerRules;
  private readonly done: CallDone;

  constructor(
    destinations: Destinations,
    target: { app: string; env: GatewayEnv },
    call: ForwardedCall,
    res: ServerResponse,
    requestId: string,
    rules: AnswerRules,
    done: CallDone,
  ) {
    super(res);
    this.destinations = destinations;
    this.target = target;
    this.requestId = requestId;
    this.rules = rules;
    this.done = done;
    this.options = {
      path: call.path,
      method: call.method as Dispatcher.HttpMethod,
      headers: call.headers,
      body: call.body === null || call.body.length === 0 ? null : call.body,
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
      blocking: false,
    };
  }

  start(): void {
    const upstream = this.destinations.pick(this.target.app, this.target.env, this.tried);
    if (upstream === null) {
      const { app, env } = this.target;
      this.fail(
        new BerthError(
          'APIGW_DEST_UNAVAILABLE',
          this.tried.length === 0
            ? `${app} (${env}) has no healthy instance`
            : `no instance of ${app} (${env}) accepted the call`,
          { app, env },
        ),
      );
      return;
    }
    this.tried.push(upstream);
    this.attempt(upstream);
    this.destinations.dispatch(upstream, this.options, this);
  }

  protected answerHeaders(raw: Buffer[], out: string[]): boolean {
    const hasLength = responseHeaders(raw, this.requestId, true, out, this.rules.dropped);
    for (const value of this.rules.added) out.push(value);
    return hasLength;
  }

  onComplete(_trailers: string[] | null): void {
    this.release();
    this.res.end();
    this.finish(this.status);
  }

  onError(err: Error): void {
    const upstream = this.release();
    if (this.finished) return;
    if (this.clientGone || this.res.destroyed) {
      this.finish(this.headersSent ? this.status : 499);
      return;
    }
    const { app, env } = this.target;
    if (this.headersSent) {
      // The answer broke off midway: all that can be done is cut the caller's connection too.
      this.res.destroy();
      this.finish(
        this.status,
        new BerthError('APIGW_DEST_UNAVAILABLE', `${app} (${env}) broke off its answer: ${err.message}`, {
          app,
          env,
        }),
      );
      return;
    }
    const kind = classifyFailure(err);
    if (upstream !== null && (kind === 'refused' || kind === 'connect-timeout' || kind === 'closed')) {
      this.start();
      return;
    }
    if (kind === 'timeout') {
      const timeoutMs = this.options.headersTimeout;
      this.fail(
        new BerthError('APIGW_DEST_TIMEOUT', `${app} (${env}) did not answer within ${timeoutMs} ms`, {
          app,
          env,
          timeoutMs,
        }),
      );
      return;
    }
    this.fail(
      new BerthError('APIGW_DEST_UNAVAILABLE', `${app} (${env}) failed the call: ${err.message}`, {
        app,
        env,
      }),
    );
  }

  /** The gateway's own answer (the call reached no instance, or none answered in time). */
  private fail(error: BerthError): void {
    if (!this.res.headersSent) sendRefusal(this.res, error, this.requestId);
    this.finish(error.status, error);
  }

  private finish(status: number, error?: BerthError): void {
    if (this.finished) return;
    this.finished = true;
    this.done(status, error);
  }
}
