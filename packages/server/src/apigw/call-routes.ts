// The HTTP side of API gateway calls: `/api/c/{system}/{path}` and `/api/c/compapi/{path}` on
// berthd's own server, every method. The body is read whole as bytes (up to `bodyLimit`; any content
// type) and the call handed to call-handler.ts; the destination's answer is written as it came (the
// reply is taken over from the framework, so nothing is added to it but X-Request-Id), the gateway's
// own refusals in BlueKing's envelope. No platform session or API token is looked at on these paths
// (http/server.ts leaves them out of authentication).
import crypto from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { BerthError } from '../errors.ts';
import type { RouteModule } from '../http/server.ts';
import type { Logger } from '../logger.ts';
import { type CallSteps, handleCall } from './call-handler.ts';
import { gatewayEnvelope, parseCallAddress } from './call-request.ts';
import { relayAnswer } from './relay-answer.ts';

/** The paths of API gateway calls; http/server.ts does not authenticate them as platform calls. */
export const CALL_PATH_PREFIX = '/api/c/';

/** Largest call body the gateway takes (10 MiB): bodies are read whole (signatures, placeholders). */
export const APIGW_CALL_BODY_LIMIT = 10 * 1024 * 1024;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export function apigwCallRoutes(deps: {
  /** The steps of a call (built once berthd's modules are up). */
  steps: () => CallSteps;
  bodyLimit: number;
  logger: Logger;
}): RouteModule {
  return async (app) => {
    await app.register(async (scope) => {
      // Any body, as bytes: the caller's content type is the destination's business.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimit }, (_req, body, done) =>
        done(null, body),
      );
      scope.route({
        method: [...METHODS],
        url: `${CALL_PATH_PREFIX}*`,
        bodyLimit: deps.bodyLimit,
        schema: { hide: true },
        handler: async (req, reply) => {
          // The gateway's own id: a caller does not choose the id the destination logs its call
          // under (berthd's API takes a client's X-Request-Id for its own log lines).
          const requestId = crypto.randomUUID();
          const address = parseCallAddress(req.url);
          if (address === undefined) {
            return sendRefusal(
              reply,
              {
                code: 'APIGW_COMPONENT_NOT_FOUND',
                status: 404,
                message: 'An API gateway call is /api/c/{system}/{path} or /api/c/compapi/{path}',
              },
              requestId,
            );
          }
          const q = req.url.indexOf('?');
          const answer = await handleCall(deps.steps(), {
            method: req.method,
            rawPath: q < 0 ? req.url : req.url.slice(0, q),
            address,
            headers: req.headers,
            body: Buffer.isBuffer(req.body) ? req.body : null,
            clientIp: req.ip,
            requestId,
          });
          if (answer.kind === 'gateway') return sendRefusal(reply, answer.error, requestId);
          reply.hijack();
          const res = reply.raw;
          res.writeHead(answer.status, answer.headers);
          relayAnswer(answer.body, res, (err) =>
            deps.logger.debug({ err, requestId }, 'API gateway answer broke off'),
          );
          return reply;
        },
      });
    });
  };
}

function sendRefusal(
  reply: FastifyReply,
  error: Pick<BerthError, 'code' | 'status' | 'message'> & { details?: unknown },
  requestId: string,
): FastifyReply {
  const retry = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
  if (retry !== undefined) reply.header('retry-after', String(retry));
  reply.header('x-request-id', requestId);
  return reply
    .status(error.status)
    .type('application/json; charset=utf-8')
    .send(gatewayEnvelope(error.code, error.message, requestId));
}
