import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBerthd, type TestBerthd } from './support/harness.ts';

describe('http edge', () => {
  let t: TestBerthd;
  beforeAll(async () => {
    t = await startTestBerthd();
  });
  afterAll(async () => t?.stop());

  it('GET /healthz reports the store and version', async () => {
    const res = await t.api('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', store: { dialect: 'sqlite', reachable: true } });
    expect(res.body.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('unknown API routes get ROUTE_NOT_FOUND in the error envelope', async () => {
    const res = await t.api('GET', '/api/v1/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: expect.any(String) } });
  });

  it('serves an OpenAPI 3.1 document', async () => {
    const res = await t.api('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.paths['/healthz']).toBeDefined();
  });
});
