// The served OpenAPI document is complete enough to generate a client: Redocly's linter (its
// `recommended` rules) finds nothing in it, every operation has a unique operationId, the package
// upload has a body, the follow mode is declared, and every status berthd answers on a route is one
// the document declares for it (asked of a real berthd, route by route).
import { DEPLOY_STATUSES, ROLES } from '@berth/sdk';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../src/http/operations.ts';
import { VERSION } from '../src/version.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from './support/harness.ts';

interface Operation {
  operationId?: string;
  security?: unknown[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
  parameters?: Array<{ name: string; in: string; schema: { enum?: string[] } }>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

describe('the OpenAPI document', () => {
  let t: TestBerthd;
  // biome-ignore lint/suspicious/noExplicitAny: the document is arbitrary JSON
  let doc: any;
  let operations: Array<{ method: string; path: string; op: Operation }>;
  let token: string;

  beforeAll(async () => {
    t = await startTestBerthd();
    const res = await t.api('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
    operations = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(
      ([path, item]) =>
        METHODS.filter((m) => item[m] !== undefined).map((method) => ({ method, path, op: item[method]! })),
    );
    const cookie = await t.login('admin', ADMIN_PASSWORD);
    const created = await t.api('POST', '/api/v1/me/tokens', { cookie, body: { name: 'openapi-test' } });
    expect(created.status).toBe(201);
    token = created.body.secret;
  });
  afterAll(async () => t?.stop());

  it('lints with no error or warning (Redocly, recommended rules)', async () => {
    // A name, not the URL: the linter has the text and must fetch nothing.
    const source = 'openapi.json';
    const config = await createConfig(
      { extends: ['recommended'] },
      {
        // Two operations the rules cannot know: GET /healthz takes no input and needs no
        // credential, so no client error is possible; the app login answers with a redirect.
        ignore: {
          [source]: {
            'operation-4xx-response': new Set(['#/paths/~1healthz/get/responses']),
            'operation-2xx-response': new Set(['#/paths/~1api~1v1~1auth~1app-login/get/responses']),
          },
        },
      },
    );
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: source, config });
    expect(
      problems
        .filter((p) => !p.ignored)
        .map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`),
    ).toEqual([]);
    // The ignored two are still found: the linter did read the document.
    expect(problems.filter((p) => p.ignored)).toHaveLength(2);
  });

  it('names its version, licence and server', () => {
    expect(doc.info.version).toBe(VERSION);
    expect(doc.info.license).toEqual({ name: 'Apache-2.0', identifier: 'Apache-2.0' });
    expect(doc.servers).toEqual([expect.objectContaining({ url: t.url })]);
  });

  it('gives every operation a unique camelCase operationId', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(operations.filter(({ op }) => !op.operationId).map((o) => `${o.method} ${o.path}`)).toEqual([]);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has no operationId for a route that does not exist', () => {
    const served = new Set(
      operations.map(({ method, path }) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(Object.keys(OPERATIONS).filter((route) => !served.has(route))).toEqual([]);
  });

  it('writes fixed values as flat enums', () => {
    expect(doc.components.schemas.Deploy.properties.status).toMatchObject({
      type: 'string',
      enum: [...DEPLOY_STATUSES],
    });
    expect(doc.components.schemas.Deploy.properties.env.enum).toEqual(['stag', 'prod']);
    const user =
      doc.paths['/api/v1/users/{username}'].get.responses['200'].content['application/json'].schema;
    expect(user.properties.user.properties.role.enum).toEqual([...ROLES]);
  });

  it('answers every error with the one Error schema', () => {
    expect(doc.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
    for (const { method, path, op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400 || path === '/healthz') continue;
        expect(response.content?.['application/json']?.schema, `${method} ${path} ${status}`).toEqual({
          $ref: '#/components/schemas/Error',
        });
      }
    }
  });

  it('declares the package upload as a binary body of the package types', () => {
    const upload = doc.paths['/api/v1/apps/{code}/envs/{env}/deploys'].post as Operation;
    expect(upload.operationId).toBe('createDeploy');
    expect(upload.requestBody?.required).toBe(true);
    expect(Object.keys(upload.requestBody!.content).sort()).toEqual([
      'application/gzip',
      'application/octet-stream',
      'application/x-tar',
    ]);
    for (const media of Object.values(upload.requestBody!.content)) {
      expect(media.schema).toEqual({ type: 'string', format: 'binary' });
    }
    expect(Object.keys(upload.responses)).toEqual(
      expect.arrayContaining(['202', '400', '401', '404', '413', '415']),
    );
  });

  it('declares the NDJSON follow mode of the app logs', () => {
    const logs = doc.paths['/api/v1/apps/{code}/envs/{env}/logs'].get as Operation;
    expect(Object.keys(logs.responses['200']!.content!)).toEqual([
      'application/json',
      'application/x-ndjson',
    ]);
    expect(logs.responses['429']).toBeDefined();
    expect(logs.parameters?.find((p) => p.name === 'env')?.schema.enum).toEqual(['stag', 'prod']);
  });

  it('declares 401 and 403 on every authenticated operation, 400 where there is input', () => {
    for (const { method, path, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      const hasInput = op.parameters !== undefined || op.requestBody !== undefined || method !== 'get';
      if (path !== '/healthz') expect(op.responses['500'], where).toBeDefined();
      if (hasInput) expect(op.responses['400'], where).toBeDefined();
      if (op.security === undefined) {
        expect(op.responses['401'], where).toBeDefined();
        expect(op.responses['403'], where).toBeDefined();
      }
    }
  });

  it('declares every status berthd answers on each route', async () => {
    // Each operation asked wrongly in the ways a client can: without a credential, with a token
    // and unknown ids, with a body that is not JSON, with JSON of the wrong shape. Every status that
    // comes back must be one the operation declares.
    const undeclared: string[] = [];
    const seen = new Set<number>();
    for (const { method, path, op } of operations) {
      const url = path
        .replace('{env}', 'qa')
        .replace(/\{code\}/, 'nosuchapp')
        .replace(/\{[a-z]+\}/g, 'nosuch');
      const asks: Array<{ token?: string; rawBody?: string; contentType?: string; body?: unknown }> = [
        {},
        { token },
        { token, body: { unknownField: 1 } },
        { token, rawBody: 'not json', contentType: 'text/plain' },
        { token, rawBody: '{', contentType: 'application/json' },
      ];
      for (const ask of asks) {
        // Logging out with the token would revoke it for the rest of the test.
        if (path === '/api/v1/auth/logout' && ask.token !== undefined) continue;
        if (method === 'get' && (ask.body !== undefined || ask.rawBody !== undefined)) continue;
        const res = await t.api(method.toUpperCase(), url, ask);
        seen.add(res.status);
        if (!(String(res.status) in op.responses)) {
          undeclared.push(`${method.toUpperCase()} ${path}: ${res.status} ${res.body?.error?.code ?? ''}`);
        }
      }
    }
    expect(undeclared).toEqual([]);
    // The token worked, and the asks reached each kind of refusal.
    expect([...seen]).toEqual(expect.arrayContaining([400, 401, 403, 404, 415]));
  });
});
