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
import { type CallSteps, handleCall } from './call-handler.ts';
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
  /** Answers a call whose body was read (berthd's API server: Fastify read it). */
  answer(call: ReceivedCall, res: ServerResponse): void;
  /** Reads the body (up to the limit) and answers (the gateway's policy route). */
  serve(req: IncomingMessage, res: ServerResponse, clientIp: string): void;
}

/** Answers calls with the steps `steps()` gives (made once the module is up). */
export function createCallAnswerer(deps: {
  steps: () => CallSteps;
  bodyLimit: number;
  logger: Logger;
}): CallAnswerer {
  const log = deps.logger.child({ mod: 'apigw' });

  async function respond(
    call: ReceivedCall,
    res: ServerResponse,
    requestId: string,
    address = parseCallAddress(call.url),
  ): Promise<void> {
    if (address === undefined) {
      refuse(res, NOT_A_CALL, requestId);
      return;
    }
    const q = call.url.indexOf('?');
    const answer = await handleCall(deps.steps(), {
      method: call.method,
      rawPath: q < 0 ? call.url : call.url.slice(0, q),
      address,
      headers: call.headers,
      body: call.body,
      clientIp: call.clientIp,
      requestId,
    });
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

  /** Runs `work`, answering what it throws (a BerthError as itself, anything else as INTERNAL). */
  function guarded(res: ServerResponse, work: (requestId: string) => Promise<void>): void {
    // The gateway's own id: a caller does not choose the id the destination logs its call under.
    const requestId = crypto.randomUUID();
    work(requestId).catch((err: unknown) => {
      if (isBerthError(err)) {
        if (err.code === 'PAYLOAD_TOO_LARGE' && !res.headersSent) res.setHeader('connection', 'close');
        refuse(res, err, requestId);
        return;
      }
      log.error({ err, requestId }, 'API gateway call failed');
      refuse(res, new BerthError('INTERNAL'), requestId);
    });
  }

  return {
    answer(call, res) {
      guarded(res, (requestId) => respond(call, res, requestId));
    },
    serve(req, res, clientIp) {
      guarded(res, async (requestId) => {
        const url = req.url ?? '/';
        const address = parseCallAddress(url);
        // (A body nobody reads is drained by Node once the answer is sent.)
        const body = address === undefined ? null : await readBody(req, deps.bodyLimit);
        const call = { method: req.method ?? 'GET', url, headers: req.headers, body, clientIp };
        await respond(call, res, requestId, address);
      });
    },
  };
}

/** The request's body whole (null for none); PAYLOAD_TOO_LARGE past `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const length = req.headers['content-length'];
  if (Number(length ?? 0) > limit) {
    return Promise.reject(new BerthError('PAYLOAD_TOO_LARGE', `A call's body is at most ${limit} bytes`));
  }
  // No body: nothing to read (not even the end of the stream: Node finishes the request itself).
  if ((length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined) {
    return Promise.resolve(null);
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
