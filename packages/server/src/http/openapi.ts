// The OpenAPI 3.1 document at GET /api/v1/openapi.json, complete enough to generate a client: the
// route schemas (which also validate requests) plus, for the document only, each operation's
// operationId, the error answers it can give (one shared `Error` schema; codes from the catalogue),
// the package upload's body, the NDJSON follow mode, the security schemes and `servers`. What is
// added here never changes how a request is validated or an answer serialised.
import { AppLogLineSchema, ENV_NAMES, ErrorBodySchema, PACKAGE_CONTENT_TYPES } from '@berth/sdk';
import type { FastifyDynamicSwaggerOptions, SwaggerTransform } from '@fastify/swagger';
import { ERRORS, type ErrorCode } from '../errors.ts';
import { isUnsafeMethod } from './csrf.ts';
import { flattenEnums } from './flat-enums.ts';
import { OPERATIONS, type OperationDoc } from './operations.ts';

export interface OpenApiDeps {
  version: string;
  sessionCookieName: string;
}

/** Errors any operation may answer: berthd's own failure, or its store's. */
const ALWAYS: readonly ErrorCode[] = ['INTERNAL', 'STORE_UNAVAILABLE'];
/** A request carrying a body (any change may): it is parsed, and it is checked against forgery. */
const WITH_BODY: readonly ErrorCode[] = [
  'BAD_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'CSRF_REFUSED',
];
/** A route that needs a user: no credential, a bad one, or a role that does not allow it. */
const AUTHENTICATED: readonly ErrorCode[] = [
  'UNAUTHENTICATED',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'TOKEN_REVOKED',
  'FORBIDDEN',
];
/** Codes whose answer says when to try again (http/server.ts sets Retry-After from their details). */
const RETRY_AFTER: ReadonlySet<ErrorCode> = new Set(['LOGIN_RATE_LIMITED', 'LOGIN_BUSY']);

/** Path parameters berthd checks itself (so that an unknown value gets its own 404, not a schema
 *  error), whose values the document still lists. */
const PARAM_VALUES: Readonly<Record<string, readonly string[]>> = { env: ENV_NAMES };

interface RouteSchema {
  params?: { properties?: Record<string, object> };
  querystring?: unknown;
  body?: unknown;
  headers?: unknown;
  security?: unknown[];
  response?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The catalogue errors an operation can answer, the shared ones first. */
function operationErrors(
  method: string,
  url: string,
  schema: RouteSchema,
  op: OperationDoc | undefined,
  allowPendingPasswordChange: boolean,
): ErrorCode[] {
  const codes: ErrorCode[] = [];
  const authenticated =
    url.startsWith('/api/') && !(Array.isArray(schema.security) && schema.security.length === 0);
  if (schema.params || schema.querystring || schema.body || schema.headers) codes.push('VALIDATION_FAILED');
  if (isUnsafeMethod(method)) codes.push(...WITH_BODY);
  if (authenticated) codes.push(...AUTHENTICATED);
  if (authenticated && !allowPendingPasswordChange) codes.push('PASSWORD_CHANGE_REQUIRED');
  codes.push(...(op?.errors ?? []), ...ALWAYS);
  return [...new Set(codes)];
}

/** Every error answer refers to the one shared schema (`components.schemas.Error`); http/server.ts
 *  adds `sharedSchemas()` to the app. */
const errorContent = { 'application/json': { schema: { $ref: `${ErrorBodySchema.$id}#` } } };

/** Schemas the document names once and routes refer to by $id. */
export function sharedSchemas(): object[] {
  return [ErrorBodySchema];
}

/** One response per status, listing its codes and the catalogue's messages. */
function errorResponses(codes: readonly ErrorCode[]): Record<string, object> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, object> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const description = list.map((code) => `\`${code}\`: ${ERRORS[code].message}`).join('\n\n');
    const retry = list.some((code) => RETRY_AFTER.has(code));
    responses[String(status)] = {
      description,
      content: errorContent,
      ...(retry
        ? {
            headers: {
              'retry-after': {
                type: 'integer',
                minimum: 1,
                description: 'Seconds to wait before trying again',
              },
            },
          }
        : {}),
    };
  }
  return responses;
}

const packageBody = {
  description: 'The package: a .tar.gz or .tar of the app source, sent as the raw body (streamed to disk)',
  content: Object.fromEntries(
    PACKAGE_CONTENT_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
  ),
};

function withParamValues(params: RouteSchema['params']): RouteSchema['params'] {
  if (!params?.properties) return params;
  const properties = { ...params.properties };
  for (const [name, values] of Object.entries(PARAM_VALUES)) {
    if (properties[name]) properties[name] = { ...properties[name], enum: [...values] };
  }
  return { ...params, properties };
}

/** The 200 answer of a route that streams NDJSON with `follow=true`: both media types. */
function withNdjson(ok: unknown): object {
  return {
    description:
      'JSON by default; with follow=true an `application/x-ndjson` stream, one JSON object (a log line) per line, until the client closes the connection',
    content: {
      'application/json': { schema: ok },
      'application/x-ndjson': { schema: AppLogLineSchema },
    },
  };
}

/** The document's view of one route (fastify-swagger's `transform`). */
function documentRoute(input: {
  schema: unknown;
  url: string;
  route: { method: string | string[]; config?: unknown };
}): { schema: RouteSchema; url: string } {
  const schema = (input.schema ?? {}) as RouteSchema;
  const method = Array.isArray(input.route.method) ? input.route.method[0]! : input.route.method;
  const op = OPERATIONS[`${method} ${input.url}`];
  const config = (input.route.config ?? {}) as { allowPendingPasswordChange?: boolean };
  const errors = errorResponses(
    operationErrors(method, input.url, schema, op, config.allowPendingPasswordChange === true),
  );
  const response: Record<string, unknown> = { ...errors, ...schema.response };
  if (op?.ndjsonFollow && response['200']) response['200'] = withNdjson(response['200']);
  const doc: RouteSchema = {
    ...schema,
    ...(op ? { operationId: op.id } : {}),
    ...(schema.params ? { params: withParamValues(schema.params) } : {}),
    ...(op?.packageBody ? { body: packageBody } : {}),
    // Only the API authenticates (http/server.ts): /healthz and other platform paths need nothing.
    ...(input.url.startsWith('/api/') ? {} : { security: [] }),
    ...(op?.appCredentials ? { security: [{ appCode: [], appSecret: [] }] } : {}),
    response,
  };
  return { schema: doc, url: input.url };
}

/** The @fastify/swagger options: the document's fixed parts and the per-route transform. */
export function openApiOptions(deps: OpenApiDeps): FastifyDynamicSwaggerOptions {
  return {
    // Shared schemas keep their $id as their name under components.schemas.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json['$id'] ?? `def-${i}`) },
    transform: documentRoute as SwaggerTransform,
    transformObject: (document) =>
      flattenEnums('openapiObject' in document ? document.openapiObject : document.swaggerObject) as object,
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Berth API',
        version: deps.version,
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
        description: [
          'REST API of Berth, the private-cloud application platform (docs/api.md).',
          'Every error is the `Error` schema, `{"error":{"code","message","details"}}`, with a stable code from docs/errors.md; each operation lists the codes it can answer.',
          'A path that exists asked with another method answers 405 `METHOD_NOT_ALLOWED` with an `Allow` header; an unknown path 404 `ROUTE_NOT_FOUND`.',
        ].join('\n\n'),
      },
      tags: [
        { name: 'platform', description: 'berthd itself' },
        { name: 'identity', description: 'Sessions, users, API tokens, the audit log, app logins' },
        { name: 'apps', description: 'Apps, their members, secret and limits' },
        { name: 'config', description: "Apps' environments and config vars" },
        { name: 'deploys', description: 'Deploys, releases, instances and app logs' },
        {
          name: 'requests',
          description: 'Deploy requests: filed, approved, refused, withdrawn (docs/deploys.md)',
        },
        { name: 'permissions', description: 'Who may do what with an app: policies and your permissions' },
        { name: 'jobs', description: 'Background jobs' },
        {
          name: 'notifications',
          description: 'Notification channels, app subscriptions and deliveries (docs/notifications.md)',
        },
        {
          name: 'webhooks',
          description:
            'Inbound push and tag deliveries from GitHub, GitLab, Gitea and Gogs (docs/webhooks.md)',
        },
      ],
      components: {
        securitySchemes: {
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: deps.sessionCookieName,
            description:
              "The console's session cookie (POST /api/v1/auth/login). A change (POST, PUT, PATCH, DELETE) made with it must come from the console's own origin: berthd checks the `Origin` and `Sec-Fetch-Site` headers browsers send and takes only JSON or package bodies (403 CSRF_REFUSED); there is no CSRF token.",
          },
          token: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API token (berth_…) from POST /api/v1/me/tokens; takes precedence over the cookie',
          },
          appCode: {
            type: 'apiKey',
            in: 'header',
            name: 'x-berth-app-code',
            description: "The app's code (app servers redeeming a login ticket; used with appSecret)",
          },
          appSecret: {
            type: 'apiKey',
            in: 'header',
            name: 'x-berth-app-secret',
            description: "The app's secret (GET /api/v1/apps/{code}/secret)",
          },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
  };
}

/** The served document: the generated one with the console's current URL as its server. */
export function withServer(document: object, consoleUrl: string): object {
  return {
    ...document,
    servers: [{ url: consoleUrl, description: "berthd's console and API (BERTH_PUBLIC_URL)" }],
  };
}
