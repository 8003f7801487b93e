// GET /downloads/berth-cli.tgz: the CLI package berthd serves without a login, with its size, type
// and an ETag; HEAD describes it without the body; a berthd without the package says so with
// CLI_PACKAGE_MISSING. (packages/cli/test/install.system.test.ts installs what it serves.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CLI_PACKAGE } from '../src/http/download-routes.ts';
import { startTestBerthd, type TestBerthd } from './support/harness.ts';

const ROUTE = '/downloads/berth-cli.tgz';

describe('GET /downloads/berth-cli.tgz', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-downloads-'));
  const file = path.join(dir, 'cli.tgz');
  // Not a real package: the route serves bytes, whatever they are.
  const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256));
  let t: TestBerthd;
  let missing: TestBerthd;
  beforeAll(async () => {
    fs.writeFileSync(file, bytes);
    t = await startTestBerthd({ env: { BERTH_CLI_PACKAGE: file } });
    missing = await startTestBerthd({ env: { BERTH_CLI_PACKAGE: path.join(dir, 'nothing.tgz') } });
  });
  afterAll(async () => {
    await t?.stop();
    await missing?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the package to anyone, as gzip with its length and an ETag', async () => {
    const res = await fetch(t.url + ROUTE);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="berth-cli.tgz"');
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('answers HEAD with the same headers and no body', async () => {
    const get = await fetch(t.url + ROUTE);
    await get.arrayBuffer();
    const head = await fetch(t.url + ROUTE, { method: 'HEAD' });
    expect(head.status).toBe(200);
    for (const name of ['content-type', 'content-length', 'etag', 'last-modified'])
      expect([name, head.headers.get(name)]).toEqual([name, get.headers.get(name)]);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers 304 to a client that has this version, and 200 once the package is rebuilt', async () => {
    const etag = (await fetch(t.url + ROUTE, { method: 'HEAD' })).headers.get('etag')!;
    const cached = await fetch(t.url + ROUTE, { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    expect((await cached.arrayBuffer()).byteLength).toBe(0);

    const rebuilt = Buffer.concat([bytes, Buffer.from('more')]);
    fs.writeFileSync(file, rebuilt);
    const fresh = await fetch(t.url + ROUTE, { headers: { 'if-none-match': etag } });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('etag')).not.toBe(etag);
    expect(Buffer.from(await fresh.arrayBuffer()).equals(rebuilt)).toBe(true);
    fs.writeFileSync(file, bytes);
  });

  it('refuses other methods with 405', async () => {
    const res = await t.api('POST', ROUTE, { body: {} });
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe('METHOD_NOT_ALLOWED');
    expect(res.headers.get('allow')).toContain('GET');
  });

  it('answers CLI_PACKAGE_MISSING, naming the path, when the package is not there', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await missing.api(method, ROUTE);
      expect([method, res.status]).toEqual([method, 404]);
    }
    const res = await missing.api('GET', ROUTE);
    expect(res.body.error.code).toBe('CLI_PACKAGE_MISSING');
    expect(res.body.error.message).toContain(path.join(dir, 'nothing.tgz'));
  });

  it('looks by default where the build writes it: packages/server/dist/berth-cli.tgz', () => {
    expect(BUILT_CLI_PACKAGE).toBe(path.join(import.meta.dirname, '..', 'dist', 'berth-cli.tgz'));
  });
});
