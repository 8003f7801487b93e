// An API gateway call on a Node.js server, from its request to its answer: the gateway's `apigw`
// route policy (`serve`: in a gateway worker, or in berthd's own gateway with no workers) and
// `/api/c/` on berthd's API port (`answer`: call-routes.ts, through Fastify, which read the body).
// The body is read whole, up to the limit (a larger one is refused with 413 PAYLOAD_TOO_LARGE before
// anything is checked), the call handed to call-handler.ts, and the answer written: the
// destination's as it comes (call-exchange.ts), a built-in component's, or the gateway's own
// refusal in BlueKing's envelope (call-request.ts), with Retry-After for a rate limit.
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BerthError, isBerthError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Awaitable } from './awaitable.ts';
import { type CallAnswer, type CallSteps, handleCall } from './call-handler.ts';
import { sendRefusal as refuse } from './call-refusal.ts';
import { parseCallAddress } from './call-request.ts';
import { relayAnswer } from './relay-answer.ts';

/** The refusal for a path that names no system (`/api/c/` alone, or a bad segment). */
export const NOT_A_CALL = {
  code: 'APIGW_COMPONENT_NOT_FOUND',
  status: 404,
  message: 'An API gateway call is /api/c/{system}/{path} or /api/c/compapi/{path}',
} as const;

/** A call as the server received it, its body read. */
export interface ReceivedCall {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer | null;
  clientIp: string;
}

export interface CallAnswerer {
  /** Answers a call whose body was read (berthd's API server: Fastify read it). `requestId`: the
   *  id the gateway in front gave the request (nginx, which vouches for it with its key); else the
   *  call gets one of its own. */
  answer(call: ReceivedCall, res: ServerResponse, requestId?: string): void;
  /** Reads the body (up to the limit) and answers (the gateway's policy route, which gave the
   *  request its id). */
  serve(req: IncomingMessage, res: ServerResponse, call: { clientIp: string; requestId: string }): void;
}

/** Answers calls with the steps `steps()` gives (made once the module is up). */
export function createCallAnswerer(deps: {
  steps: () => CallSteps;
  bodyLimit: number;
  logger: Logger;
}): CallAnswerer {
  const log = deps.logger.child({ mod: 'apigw' });

  function respond(
    call: ReceivedCall,
    res: ServerResponse,
    requestId: string,
    address = parseCallAddress(call.url),
  ): Promise<void> | undefined {
    if (address === undefined) {
      refuse(res, NOT_A_CALL, requestId);
      return;
    }
    const q = call.url.indexOf('?');
    return handleCall(deps.steps(), {
      method: call.method,
      rawPath: q < 0 ? call.url : call.url.slice(0, q),
      address,
      headers: call.headers,
      body: call.body,
      clientIp: call.clientIp,
      requestId,
    }).then((answer) => send(answer, res, requestId));
  }

  function send(answer: CallAnswer, res: ServerResponse, requestId: string): void {
    if (answer.kind === 'gateway') {
      refuse(res, answer.error, requestId);
      return;
    }
    if (answer.kind === 'forward') {
      answer.send(res);
      return;
    }
    res.writeHead(answer.status, answer.headers);
    relayAnswer(answer.body, res, (err) => log.debug({ err, requestId }, 'API gateway answer broke off'));
  }

  /** Runs `work`, answering what it throws or rejects with (a BerthError as itself, anything else as
   *  INTERNAL). */
  function guarded(
    res: ServerResponse,
    requestId: string,
    work: (requestId: string) => Promise<void> | undefined,
  ): void {
    const failed = (err: unknown) => {
      if (isBerthError(err)) {
        if (err.code === 'PAYLOAD_TOO_LARGE' && !res.headersSent) res.setHeader('connection', 'close');
        refuse(res, err, requestId);
        return;
      }
      log.error({ err, requestId }, 'API gateway call failed');
      refuse(res, new BerthError('INTERNAL'), requestId);
    };
    try {
      work(requestId)?.catch(failed);
    } catch (err) {
      failed(err);
    }
  }

  return {
    answer(call, res, gatewayId) {
      // The gateway's own id: a caller does not choose the id the destination logs its call under.
      guarded(res, gatewayId ?? crypto.randomUUID(), (requestId) => respond(call, res, requestId));
    },
    serve(req, res, { clientIp, requestId: id }) {
      guarded(res, id, (requestId) => {
        const url = req.url ?? '/';
        const address = parseCallAddress(url);
        const call = (body: Buffer | null): ReceivedCall => ({
          method: req.method ?? 'GET',
          url,
          headers: req.headers,
          body,
          clientIp,
        });
        // (A body nobody reads is drained by Node once the answer is sent.)
        const body = address === undefined ? null : readBody(req, deps.bodyLimit);
        return body instanceof Promise
          ? body.then((read) => respond(call(read), res, requestId, address))
          : respond(call(body), res, requestId, address);
      });
    },
  };
}

/** The request's body whole (null at once for none); PAYLOAD_TOO_LARGE past `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Awaitable<Buffer | null> {
  const length = req.headers['content-length'];
  if (Number(length ?? 0) > limit) {
    throw new BerthError('PAYLOAD_TOO_LARGE', `A call's body is at most ${limit} bytes`);
  }
  // No body: nothing to read (not even the end of the stream: Node finishes the request itself).
  if ((length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined) {
    return null;
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BerthError('PAYLOAD_TOO_LARGE', `A call's body is at most ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(size === 0 ? null : Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}
