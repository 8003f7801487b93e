// One system's API as an OpenAPI 3.1 document, made from its declaration (pure): each component a
// path and operation under `{server}/api/c/{system}`, with its `{var}` segments as path parameters,
// its label, Markdown docs, kind (query or operate), permission level, timeout and rate limit, the
// two ways a calling app authenticates, and the gateway's own refusals in BlueKing's envelope. What
// the destination answers is the destination's: the document says only that it passes through.
// Hidden components are left out. A built-in component (the system `berth`) is answered by berthd
// itself: its 200 is BlueKing's envelope with `result: true`, its body JSON, and it has no
// destination app to be unavailable (it may still be slow: 504).
import type { ApigwComponent, ApigwSystem } from '@berth/sdk';
import { effectiveTimeoutMs } from './model.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** The gateway's refusals, by status, as a call to a component may get them. */
const REFUSALS: Record<string, string> = {
  '400': 'A placeholder has no value in the call (VALIDATION_FAILED)',
  '401':
    'The calling app or the user is not authenticated (APIGW_APP_AUTH_FAILED, APIGW_SIGNATURE_INVALID, APIGW_TIMESTAMP_STALE, APIGW_NONCE_REPLAYED, APIGW_USER_AUTH_FAILED)',
  '403':
    'The calling app holds no grant, or an expired one (APIGW_PERMISSION_DENIED, APIGW_PERMISSION_EXPIRED)',
  '404': 'No component answers this path and method (APIGW_COMPONENT_NOT_FOUND)',
  '429': "The calling app used the component's rate limit (APIGW_RATE_LIMITED); see Retry-After",
  '503': 'The destination has no healthy instance (APIGW_DEST_UNAVAILABLE)',
  '504': 'The destination did not answer in time (APIGW_DEST_TIMEOUT)',
};

/** A built-in component's successful answer (BlueKing's ESB envelope). */
const BUILTIN_ANSWER = {
  type: 'object',
  description: "A built-in component's answer (BlueKing's ESB envelope)",
  required: ['result', 'code', 'message', 'data', 'request_id'],
  properties: {
    result: { const: true },
    code: { const: 0 },
    message: { type: 'string' },
    data: { description: "The component's answer (its docs say what it holds)" },
    request_id: { type: 'string' },
  },
};

export function systemOpenApi(
  system: ApigwSystem,
  components: readonly ApigwComponent[],
  serverUrl: string,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const component of components) {
    if (component.hidden) continue;
    const item = paths[component.path] ?? {};
    paths[component.path] = item;
    const methods = component.method === 'ANY' ? METHODS : [component.method.toLowerCase()];
    for (const method of methods) {
      if (item[method] !== undefined) continue; // a component of its own method wins over ANY
      item[method] = operation(system, component, method, methods.length > 1);
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: system.label,
      version: '1',
      ...(system.docs === undefined ? {} : { description: system.docs }),
      'x-berth-system': system.name,
      ...(system.builtIn === true ? { 'x-berth-builtin': true } : {}),
      ...(system.owner === undefined ? {} : { 'x-berth-owner': system.owner }),
    },
    servers: [{ url: `${serverUrl.replace(/\/$/, '')}/api/c/${encodeURIComponent(system.name)}` }],
    security: [
      { appCode: [], appSecret: [] },
      { appCode: [], signature: [], timestamp: [], nonce: [] },
    ],
    paths,
    components: {
      securitySchemes: {
        appCode: apiKey('X-Berth-App-Code', "The calling app's code"),
        appSecret: apiKey('X-Berth-App-Secret', "The calling app's secret (berth apps secret)"),
        signature: apiKey(
          'X-Berth-Signature',
          'Hex HMAC-SHA256 with the app secret of method, path, sorted query, body SHA-256, nonce and timestamp, one per line (docs/apigw.md)',
        ),
        timestamp: apiKey('X-Berth-Timestamp', 'Seconds since the epoch, within 300 s of the server'),
        nonce: apiKey('X-Berth-Nonce', 'New for every call: 8-128 of A-Z a-z 0-9 _ -'),
      },
      schemas: {
        ...(system.builtIn === true ? { BuiltinAnswer: BUILTIN_ANSWER } : {}),
        GatewayRefusal: {
          type: 'object',
          description: "The gateway's own answer (BlueKing's envelope); the destination's pass through",
          required: ['result', 'code', 'message', 'data', 'request_id'],
          properties: {
            result: { const: false },
            code: { type: 'string', description: 'A catalogue code (docs/errors.md)' },
            message: { type: 'string' },
            data: { type: 'null' },
            request_id: { type: 'string' },
          },
        },
      },
    },
  };
}

function operation(
  system: ApigwSystem,
  component: ApigwComponent,
  method: string,
  anyMethod: boolean,
): Record<string, unknown> {
  const vars = [...component.path.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);
  const rate = component.rateLimit;
  const builtIn = component.builtIn === true;
  const responses: Record<string, unknown> = {
    '200': builtIn
      ? {
          description: "berthd's answer",
          content: { 'application/json': { schema: { $ref: '#/components/schemas/BuiltinAnswer' } } },
        }
      : { description: "The destination app's answer, as it gave it (any status)" },
  };
  for (const [status, description] of Object.entries(REFUSALS)) {
    if (builtIn && status === '503') continue;
    responses[status] = {
      description,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/GatewayRefusal' } } },
    };
  }
  return {
    operationId: anyMethod ? `${component.name}_${method}` : component.name,
    summary: component.label,
    ...(component.docs === undefined ? {} : { description: component.docs }),
    tags: [component.type],
    ...(vars.length === 0
      ? {}
      : {
          parameters: vars.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        }),
    ...(method === 'get' || method === 'delete'
      ? {}
      : {
          requestBody: builtIn
            ? {
                required: true,
                description: "JSON (BlueKing's bk_* credential fields taken out)",
                content: { 'application/json': { schema: { type: 'object' } } },
              }
            : {
                required: false,
                description: "Passed to the destination (BlueKing's bk_* credential fields taken out)",
                content: { '*/*': { schema: {} } },
              },
        }),
    responses,
    'x-berth-component': {
      type: component.type,
      permLevel: component.permLevel,
      ...(builtIn ? { builtIn: true } : {}),
      timeoutMs: effectiveTimeoutMs(system, component),
      ...(rate === undefined ? {} : { rateLimit: `${rate.calls}/${rate.per}` }),
      ...(component.compCodename === undefined ? {} : { compCodename: component.compCodename }),
    },
  };
}

function apiKey(name: string, description: string): Record<string, unknown> {
  return { type: 'apiKey', in: 'header', name, description };
}
