// Sends one API gateway call to its destination app environment and hands back the app's answer as
// it came (status, headers, a body stream), for the handler to pass on untouched. The call's body is
// read whole before (the signature and the placeholders need it), so a call whose connection an
// instance refused is sent again to another instance: nothing of it reached the first. One that
// an instance accepted and then failed is not sent again (the app may have acted on it).
//
// Timeouts: the component's timeout bounds the wait for the answer's headers, and each wait between
// two parts of its body. A call that no instance can take is APIGW_DEST_UNAVAILABLE, one that took
// too long APIGW_DEST_TIMEOUT.
import type { Readable } from 'node:stream';
import { request } from 'undici';
import { BerthError } from '../errors.ts';
import { classifyFailure, type GatewayEnv, type Upstream } from '../gateway/index.ts';
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

export interface AppAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
  /** The instance that answered. */
  upstream: string;
}

export async function forwardCall(
  destinations: Destinations,
  target: { app: string; env: GatewayEnv },
  call: ForwardedCall,
): Promise<AppAnswer> {
  const tried: Upstream[] = [];
  for (;;) {
    const upstream = destinations.pick(target.app, target.env, tried);
    if (upstream === null) {
      throw new BerthError(
        'APIGW_DEST_UNAVAILABLE',
        tried.length === 0
          ? `${target.app} (${target.env}) has no healthy instance`
          : `no instance of ${target.app} (${target.env}) accepted the call`,
        { app: target.app, env: target.env },
      );
    }
    tried.push(upstream);
    try {
      const res = await request(`${upstream.origin}${call.path}`, {
        dispatcher: destinations.dispatcher(upstream),
        method: call.method as 'GET',
        headers: call.headers,
        body: call.body === null || call.body.length === 0 ? null : call.body,
        headersTimeout: call.timeoutMs,
        bodyTimeout: call.timeoutMs,
      });
      return { status: res.statusCode, headers: res.headers, body: res.body, upstream: upstream.id };
    } catch (err) {
      const kind = classifyFailure(err);
      if (kind === 'refused' || kind === 'connect-timeout' || kind === 'closed') continue;
      if (kind === 'timeout') {
        throw new BerthError(
          'APIGW_DEST_TIMEOUT',
          `${target.app} (${target.env}) did not answer within ${call.timeoutMs} ms`,
          { app: target.app, env: target.env, timeoutMs: call.timeoutMs },
        );
      }
      throw new BerthError(
        'APIGW_DEST_UNAVAILABLE',
        `${target.app} (${target.env}) failed the call: ${(err as Error).message}`,
        { app: target.app, env: target.env },
      );
    }
  }
}
