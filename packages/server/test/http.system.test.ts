import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfRefusal, isUnsafeMethod } from '../src/http/csrf.ts';
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

  it('a known path asked with another method gets 405 METHOD_NOT_ALLOWED and an Allow header', async () => {
    const res = await t.api('DELETE', '/api/v1/apps');
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe('METHOD_NOT_ALLOWED');
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
    // Parameters match any segment; an unknown path under a known one stays 404.
    const put = await t.api('DELETE', '/api/v1/apps/whatever/envs/stag/restart');
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('POST');
    const deeper = await t.api('DELETE', '/api/v1/apps/whatever/no-such-part');
    expect(deeper.status).toBe(404);
    expect(deeper.body.error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('a JSON route given another content type answers 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    // (A route a browser may post to refuses such a body earlier, as a forgery: http/csrf.ts.)
    const res = await fetch(`${t.url}/api/v1/apps`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'code=x',
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('serves an OpenAPI 3.1 document', async () => {
    const res = await t.api('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.paths['/healthz']).toBeDefined();
  });
});

describe('csrfRefusal', () => {
  const CONSOLE = 'https://console.example.com';
  const req = (headers: Record<string, string>, method = 'POST') => ({
    method,
    headers,
    protocol: 'https',
    host: 'console.example.com',
  });

  it('lets the console pages, typed URLs and non-browser clients through', () => {
    const json = { 'content-type': 'application/json', 'content-length': '2' };
    expect(
      csrfRefusal(req({ ...json, origin: CONSOLE, 'sec-fetch-site': 'same-origin' }), CONSOLE),
    ).toBeUndefined();
    expect(csrfRefusal(req({ origin: CONSOLE }), CONSOLE)).toBeUndefined();
    expect(csrfRefusal(req({ 'sec-fetch-site': 'none' }), CONSOLE)).toBeUndefined();
    expect(csrfRefusal(req(json), CONSOLE)).toBeUndefined();
    expect(
      csrfRefusal(req({ 'content-type': 'application/gzip', 'transfer-encoding': 'chunked' }), CONSOLE),
    ).toBeUndefined();
    // The request's own scheme://Host counts as the console (another name for the same berthd).
    expect(
      csrfRefusal(req({ origin: 'https://console.example.com' }), 'http://localhost:8080'),
    ).toBeUndefined();
  });

  it.each([
    ['another origin', { origin: 'https://apps.example.com' }],
    ['the console on another port', { origin: 'https://console.example.com:8081' }],
    ['an opaque origin', { origin: 'null' }],
    ['a same-site page', { 'sec-fetch-site': 'same-site' }],
    ['a cross-site page', { 'sec-fetch-site': 'cross-site' }],
    ['a text/plain body', { 'content-type': 'text/plain', 'content-length': '2' }],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '3' }],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x', 'content-length': '9' }],
    ['a body without a type', { 'transfer-encoding': 'chunked' }],
  ])('refuses %s', (_what, headers) => {
    expect(csrfRefusal(req(headers), CONSOLE)).toEqual(expect.any(String));
  });

  it('is for unsafe methods only', () => {
    expect(['GET', 'HEAD', 'OPTIONS'].map(isUnsafeMethod)).toEqual([false, false, false]);
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].map(isUnsafeMethod)).toEqual([true, true, true, true]);
  });
});
