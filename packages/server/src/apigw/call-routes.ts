// The HTTP side of API gateway calls: `/api/c/{system}/{path}` and `/api/c/compapi/{path}` on
// berthd's own server, every method. The body is read whole as bytes (up to `bodyLimit`; any content
// type) and the call answered by call-http.ts on the raw response (the reply is taken over from the
// framework, so nothing is added to the destination's answer but the gateway's headers), the
// gateway's own refusals in BlueKing's envelope. No platform session or API token is looked at on these paths
// (http/server.ts leaves them out of authentication).
import type { IncomingHttpHeaders } from 'node:http';
import type { RouteModule } from '../http/server.ts';
import type { CallAnswerer } from './call-http.ts';

/** The paths of API gateway calls; http/server.ts does not authenticate them as platform calls. */
export const CALL_PATH_PREFIX = '/api/c/';

/** Largest call body the gateway takes (10 MiB): bodies are read whole (signatures, placeholders). */
export const APIGW_CALL_BODY_LIMIT = 10 * 1024 * 1024;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export function apigwCallRoutes(deps: {
  /** Answers the calls (call-http.ts; the same as the gateway's policy route in this process). */
  answerer: CallAnswerer;
  bodyLimit: number;
  /** The id the gateway in front gave a request, when berthd believes it (behind nginx, whose key
   *  berthd's guard checked: requests without it reach here without an X-Request-Id). */
  gatewayRequestId?: ((headers: IncomingHttpHeaders) => string | undefined) | undefined;
}): RouteModule {
  const { answerer } = deps;
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
          // The answer is written on the raw response, as the gateway's own route writes it.
          reply.hijack();
          answerer.answer(
            {
              method: req.method,
              url: req.url,
              headers: req.headers,
              body: Buffer.isBuffer(req.body) ? req.body : null,
              clientIp: req.ip,
            },
            reply.raw,
            deps.gatewayRequestId?.(req.headers),
          );
          return reply;
        },
      });
    });
  };
}
