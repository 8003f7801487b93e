// docs/api.md must mention every route of the OpenAPI document (and no route that does not exist).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PACKAGE_ROUTE } from '../src/http/download-routes.ts';
import { startTestBerthd, type TestBerthd } from './support/harness.ts';

const doc = fs.readFileSync(path.join(import.meta.dirname, '../../../docs/api.md'), 'utf8');
const documented = new Set(
  [...doc.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`\s]*)`/g)].map((m) => `${m[1]} ${m[2]}`),
);

describe('docs/api.md', () => {
  let t: TestBerthd;
  let routes: string[];
  beforeAll(async () => {
    t = await startTestBerthd();
    const res = await t.api('GET', '/api/v1/openapi.json');
    routes = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${p}`),
    );
    // Served but left out of the document: the document itself, and the CLI package (a file).
    routes.push('GET /api/v1/openapi.json', `GET ${CLI_PACKAGE_ROUTE}`);
  });
  afterAll(async () => t?.stop());

  it('documents every route', () => {
    expect(routes.filter((r) => !documented.has(r))).toEqual([]);
  });

  it('documents no route that does not exist', () => {
    expect([...documented].filter((r) => !routes.includes(r))).toEqual([]);
  });

  it('names every shared schema in the OpenAPI components', async () => {
    const res = await t.api('GET', '/api/v1/openapi.json');
    for (const name of Object.keys(res.body.components?.schemas ?? {})) expect(name).not.toMatch(/^def-\d+$/);
  });
});
