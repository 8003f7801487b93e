// The HTTP edge: builds the Fastify app, validates requests against the wire schemas (which also
// produce the OpenAPI document, http/openapi.ts), resolves who is calling, and maps errors to the
// catalogue's `{"error":{"code","message"}}` bodies. Modules add their routes through `RouteModule`s.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { BerthError, ERRORS, type ErrorCode } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import type { Logger } from '../logger.ts';
import { createAllowedMethods } from './allowed-methods.ts';
import { readCookie } from './cookies.ts';
import { csrfRefusal, isUnsafeMethod } from './csrf.ts';
import { openApiOptions, sharedSchemas, withServer } from './openapi.ts';

export type Api = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** A module's routes; registered under the app, paths are absolute (`/api/v1/...`). */
export type RouteModule = (app: Api) => void | Promise<void>;

export interface Authentication {
  actor: Actor | null;
  /** Set when a credential was presented but is not valid (expired, revoked, unknown). */
  error?: ErrorCode;
}

export type Authenticate = (req: FastifyRequest) => Promise<Authentication>;

declare module 'fastify' {
  interface FastifyRequest {
    auth: Authentication;
  }
  interface FastifyContextConfig {
    /** Guard this route against cross-site requests even without a session (the login). */
    csrf?: boolean;
  }
}

export interface HttpDeps {
  logger: Logger;
  version: string;
  /** Whose X-Forwarded-* to believe: nobody (false), or a test of each hop's address. */
  trustProxy: boolean | ((address: string, hop: number) => boolean);
  authenticate: Authenticate;
  routes: RouteModule[];
  /** Maximum JSON body size in bytes. */
  bodyLimit?: number;
  /** Builds the http.Server from Fastify's request handler (berthd puts the app gateway in front
   *  when apps share the console's origin). */
  serverFactory?: (apiHandler: (req: IncomingMessage, res: ServerResponse) => void) => Server;
  /** The console's origin (BERTH_PUBLIC_URL's), which cookie-authenticated changes must come from
   *  (besides the request's own scheme://Host), and the OpenAPI document's server; read per request. */
  consoleOrigin: () => string;
  /** The session cookie's name (identity decides it): requests carrying it are guarded against
   *  cross-site forgery; the OpenAPI document names it. */
  sessionCookieName: string;
  /** Asked about a request no route matched (and that is not a known path asked with another
   *  method) before it gets ROUTE_NOT_FOUND: the web console answers its pages here (deep links of
   *  the single-page app). Resolves true when it answered. */
  notFound?: (req: FastifyRequest, reply: FastifyReply) => Promise<boolean>;
}

/** The actor of an authenticated request; throws UNAUTHENTICATED (or the credential's error). */
export function requireActor(req: FastifyRequest): Actor {
  if (req.auth.actor) return req.auth.actor;
  throw new BerthError(req.auth.error ?? 'UNAUTHENTICATED');
}

export async function createHttpApp(deps: HttpDeps): Promise<Api> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ mod: 'http' }) as FastifyBaseLogger,
    trustProxy: deps.trustProxy,
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ...(deps.serverFactory ? { serverFactory: deps.serverFactory } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies are validated strictly: no coercion, no silently dropped fields (schemas say
  // additionalProperties: false, so an unknown field is an error). Path and query strings are
  // coerced, since they arrive as text.
  const bodyAjv = new Ajv({
    allErrors: false,
    coerceTypes: false,
    useDefaults: true,
    removeAdditional: false,
  });
  const paramAjv = new Ajv({
    allErrors: false,
    coerceTypes: 'array',
    useDefaults: true,
    removeAdditional: false,
  });
  for (const ajv of [bodyAjv, paramAjv]) {
    ajv.addKeyword('x-secret');
  }
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : paramAjv).compile(schema as object),
  );

  const sessionCookie = deps.sessionCookieName;
  app.decorateRequest('auth', null as unknown as Authentication);
  app.addHook('onRequest', async (req) => {
    // A change a browser may have sent on another page's behalf: it carries the session cookie (an
    // API token in Authorization takes precedence and no browser adds one by itself), or it logs in.
    // Refused before anything else happens (http/csrf.ts).
    const browserCredential =
      (req.headers.authorization === undefined &&
        readCookie(req.headers.cookie, sessionCookie) !== undefined) ||
      req.routeOptions.config.csrf === true;
    if (browserCredential && isUnsafeMethod(req.method)) {
      const why = csrfRefusal(req, deps.consoleOrigin());
      if (why !== undefined) throw new BerthError('CSRF_REFUSED', `${ERRORS.CSRF_REFUSED.message}: ${why}`);
    }
    // Only the API authenticates; /healthz and other platform paths need no credential lookup, and
    // API gateway calls (/api/c/) authenticate apps and users their own way (apigw/), never with a
    // platform session or API token.
    req.auth =
      req.url.startsWith('/api/') && !req.url.startsWith('/api/c/')
        ? await deps.authenticate(req)
        : { actor: null };
  });
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    // No page of another origin may frame the console (clickjacking). The console's pages set a
    // whole policy of their own (http/console-routes.ts), which says the same.
    reply.header('x-frame-options', 'DENY');
    if (!reply.hasHeader('content-security-policy'))
      reply.header('content-security-policy', "frame-ancestors 'none'");
  });

  app.setErrorHandler((err: FastifyError | BerthError | Error, req, reply) => sendError(err, req, reply));
  // JSON routes take JSON only: a text/plain body is refused with 415, not parsed as a string and
  // refused by the schema (routes that take uploads add their own parsers).
  app.removeContentTypeParser('text/plain');

  // Every route's pattern and methods, so that a known path asked with another method gets 405.
  const allowed = createAllowedMethods();
  app.addHook('onRoute', (route) => allowed.add(route.method, route.url));
  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const methods = allowed.of(path);
    if (methods.length > 0 && !methods.includes(req.method)) {
      reply.header('allow', methods.join(', '));
      sendError(
        new BerthError(
          'METHOD_NOT_ALLOWED',
          `${req.method} is not allowed on ${path}; use ${methods.join(', ')}`,
        ),
        req,
        reply,
      );
      return reply;
    }
    try {
      if (deps.notFound !== undefined && (await deps.notFound(req, reply))) return reply;
    } catch (err) {
      sendError(err as Error, req, reply);
      return reply;
    }
    sendError(new BerthError('ROUTE_NOT_FOUND', `No route ${req.method} ${path}`), req, reply);
    return reply;
  });

  for (const schema of sharedSchemas()) app.addSchema(schema);
  await app.register(
    swagger,
    openApiOptions({ version: deps.version, sessionCookieName: deps.sessionCookieName }),
  );
  // Its server is the console's origin (BERTH_PUBLIC_URL), read when asked (a port 0 is bound late).
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () =>
    withServer(app.swagger(), deps.consoleOrigin()),
  );

  for (const register of deps.routes) await register(app);
  return app;
}

function sendError(err: FastifyError | BerthError | Error, req: FastifyRequest, reply: FastifyReply): void {
  const berth = toBerthError(err);
  if (berth.status >= 500) req.log.error({ err }, 'request failed');
  else req.log.debug({ code: berth.code }, 'request refused');
  const body: { error: { code: string; message: string; details?: unknown } } = {
    error: { code: berth.code, message: berth.message },
  };
  if (berth.details !== undefined) body.error.details = berth.details;
  // LOGIN_RATE_LIMITED, LOGIN_BUSY: when to come back.
  if (typeof berth.details === 'object' && berth.details) {
    const retry = (berth.details as { retryAfterSeconds?: number }).retryAfterSeconds;
    if (retry) reply.header('retry-after', String(retry));
  }
  reply.status(berth.status).type('application/json; charset=utf-8').send(body);
}

function toBerthError(err: FastifyError | BerthError | Error): BerthError {
  if (err instanceof BerthError) return err;
  const fe = err as FastifyError & {
    validation?: Array<{ instancePath: string; message?: string; params?: unknown }>;
  };
  if (fe.validation) {
    const first = fe.validation[0];
    const where = `${fe.validationContext ?? 'body'}${first?.instancePath ?? ''}`;
    return new BerthError(
      'VALIDATION_FAILED',
      `${where} ${first?.message ?? 'is invalid'}${describeParams(first?.params)}`,
      fe.validation.map((v) => ({
        path: `${fe.validationContext ?? 'body'}${v.instancePath}`,
        message: v.message,
        params: v.params,
      })),
    );
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new BerthError('BAD_JSON', fe.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BerthError('PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new BerthError('UNSUPPORTED_MEDIA_TYPE', fe.message);
  }
  if (
    err instanceof SyntaxError ||
    (fe.statusCode === 400 && /JSON|prototype|constructor/i.test(fe.message))
  ) {
    return new BerthError('BAD_JSON', err.message);
  }
  if (fe.statusCode === 413) return new BerthError('PAYLOAD_TOO_LARGE');
  if (fe.statusCode === 415) return new BerthError('UNSUPPORTED_MEDIA_TYPE', fe.message);
  if (fe.statusCode === 405) return new BerthError('METHOD_NOT_ALLOWED');
  if (isStoreDown(err)) return new BerthError('STORE_UNAVAILABLE');
  return new BerthError('INTERNAL');
}

function describeParams(params: unknown): string {
  if (!params || typeof params !== 'object') return '';
  const p = params as Record<string, unknown>;
  if (typeof p['additionalProperty'] === 'string') return `: ${p['additionalProperty']}`;
  if (Array.isArray(p['allowedValues'])) return `: ${p['allowedValues'].join(', ')}`;
  return '';
}

function isStoreDown(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return (
    code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === 'PROTOCOL_CONNECTION_LOST' || code === '57P01'
  );
}

/** Convenience for route modules: reply 204 No Content. */
export function noContent(reply: FastifyReply): FastifyReply {
  return reply.status(204).send();
}
