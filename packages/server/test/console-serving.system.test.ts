// berthd serves the web console from BERTH_CONSOLE_DIR: index.html at `/` and at the deep links a
// browser opens (never for the API, the apps, the downloads or the assets), with its security
// headers; hashed assets with long-lived caching, their pre-compressed siblings, ETags and HEAD;
// nothing outside the assets directory (traversal, encoded slashes, links); CONSOLE_MISSING when
// there is no console; and, with BERTH_SHARED_ORIGIN, `/` through the gateway.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../src/http/console-routes.ts';
import { startTestBerthd, type TestBerthd } from './support/harness.ts';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/app-abc123.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = `console.log(${JSON.stringify('berth console '.repeat(50))});\n`;
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request with its path sent exactly as given (fetch would resolve `..` before sending). */
function raw(
  base: string,
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path: rawPath, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function json(res: RawResponse): { error: { code: string } } {
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return JSON.parse(res.body.toString('utf8'));
}

function makeConsole(root: string): string {
  const dir = path.join(root, 'console');
  fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), INDEX);
  fs.writeFileSync(path.join(dir, 'assets/app-abc123.js'), SCRIPT);
  fs.writeFileSync(path.join(dir, 'assets/app-abc123.js.gz'), gzipSync(SCRIPT));
  fs.writeFileSync(path.join(dir, 'assets/app-abc123.js.br'), brotliCompressSync(SCRIPT));
  fs.writeFileSync(path.join(dir, 'assets/style-def456.css'), 'body{margin:0}');
  // Outside the assets directory: never served through a link or a path.
  fs.writeFileSync(path.join(root, 'secret.js'), 'secret');
  fs.symlinkSync(path.join(root, 'secret.js'), path.join(dir, 'assets/leak-000000.js'));
  fs.symlinkSync('/etc', path.join(dir, 'assets/etc'));
  return dir;
}

describe('serving the web console', () => {
  let root: string;
  let consoleDir: string;
  let t: TestBerthd;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-console-'));
    consoleDir = makeConsole(root);
    t = await startTestBerthd({ env: { BERTH_CONSOLE_DIR: consoleDir } });
  });
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('answers a deep link a browser opens with index.html and the page headers', async () => {
    const res = await raw(t.url, 'GET', '/apps/x/stag', BROWSER);
    expect(res.status).toBe(200);
    expect(res.body.toString('utf8')).toBe(INDEX);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self';");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-encoding']).toBeUndefined();
  });

  it('answers `/` with index.html for anyone, gzipped when accepted, with an ETag and HEAD', async () => {
    const plain = await raw(t.url, 'GET', '/', { accept: '*/*' });
    expect(plain.status).toBe(200);
    expect(plain.body.toString('utf8')).toBe(INDEX);
    const zipped = await raw(t.url, 'GET', '/', { ...BROWSER, 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/accept-encoding/i);
    expect(gunzipSync(zipped.body).toString('utf8')).toBe(INDEX);
    const etag = plain.headers.etag!;
    expect(etag).toMatch(/^".+"$/);
    const again = await raw(t.url, 'GET', '/settings', { ...BROWSER, 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const head = await raw(t.url, 'HEAD', '/apps', BROWSER);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(INDEX)));
    expect(head.body.length).toBe(0);
  });

  it('never answers the API, the apps, the downloads or the health check with the console', async () => {
    for (const p of [
      '/api/v1/nope',
      '/api/nope',
      '/t/x/',
      '/o/x/',
      '/t/x',
      '/downloads/nope',
      '/healthz/x',
    ]) {
      const res = await raw(t.url, 'GET', p, BROWSER);
      expect([p, res.status]).toEqual([p, 404]);
      expect(json(res).error.code).toBe('ROUTE_NOT_FOUND');
    }
    // A program asking for JSON gets JSON on a console path too.
    const script = await raw(t.url, 'GET', '/apps/x', { accept: 'application/json' });
    expect(script.status).toBe(404);
    expect(json(script).error.code).toBe('ROUTE_NOT_FOUND');
    // Only GET and HEAD are pages.
    const post = await raw(t.url, 'POST', '/apps/x', BROWSER);
    expect(post.status).toBe(404);
    expect(json(post).error.code).toBe('ROUTE_NOT_FOUND');
    // The API itself still answers a browser in JSON.
    const api = await raw(t.url, 'GET', '/api/v1/me', BROWSER);
    expect(api.status).toBe(401);
    expect(json(api).error.code).toBe('UNAUTHENTICATED');
  });

  it('serves hashed assets with immutable caching, the right type and the best encoding', async () => {
    const identity = await raw(t.url, 'GET', '/assets/app-abc123.js');
    expect(identity.status).toBe(200);
    expect(identity.body.toString('utf8')).toBe(SCRIPT);
    expect(identity.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(identity.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(identity.headers['x-content-type-options']).toBe('nosniff');
    expect(identity.headers.vary).toMatch(/accept-encoding/i);
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.headers['content-length']).toBe(String(Buffer.byteLength(SCRIPT)));

    const br = await raw(t.url, 'GET', '/assets/app-abc123.js', { 'accept-encoding': 'gzip, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.body).toEqual(fs.readFileSync(path.join(consoleDir, 'assets/app-abc123.js.br')));
    const gz = await raw(t.url, 'GET', '/assets/app-abc123.js', { 'accept-encoding': 'gzip, br;q=0' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString('utf8')).toBe(SCRIPT);
    // Each encoding has its own ETag.
    expect(new Set([identity.headers.etag, br.headers.etag, gz.headers.etag]).size).toBe(3);

    const css = await raw(t.url, 'GET', '/assets/style-def456.css', { 'accept-encoding': 'gzip, br' });
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['content-encoding']).toBeUndefined();
  });

  it('answers a known ETag with 304 and HEAD with the headers only', async () => {
    const first = await raw(t.url, 'GET', '/assets/app-abc123.js', { 'accept-encoding': 'br' });
    const etag = first.headers.etag!;
    const cached = await raw(t.url, 'GET', '/assets/app-abc123.js', {
      'accept-encoding': 'br',
      'if-none-match': etag,
    });
    expect(cached.status).toBe(304);
    expect(cached.body.length).toBe(0);
    expect(cached.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // Another encoding is another representation: not 304.
    const other = await raw(t.url, 'GET', '/assets/app-abc123.js', { 'if-none-match': etag });
    expect(other.status).toBe(200);
    const head = await raw(t.url, 'HEAD', '/assets/app-abc123.js', { 'accept-encoding': 'br' });
    expect(head.status).toBe(200);
    expect(head.headers['content-encoding']).toBe('br');
    expect(head.headers['content-length']).toBe(first.headers['content-length']);
    expect(head.body.length).toBe(0);
  });

  it('serves nothing but the files listed in assets/: no traversal, no encoded paths, no links', async () => {
    const attempts = [
      '/assets/../index.html',
      '/assets/%2e%2e/index.html',
      '/assets/%2e%2e%2findex.html',
      '/assets/..%2Findex.html',
      '/assets/..%5cindex.html',
      '/assets/%2Fetc%2Fpasswd',
      '/assets//etc/passwd',
      '/assets/etc/passwd',
      '/assets/etc',
      '/assets/leak-000000.js',
      '/assets/app-abc123.js.br',
      '/assets/app-abc123.js%00',
      '/assets/APP-ABC123.JS',
      '/assets/',
      '/assets/nope-123.js',
    ];
    for (const p of attempts) {
      const res = await raw(t.url, 'GET', p, { ...BROWSER, 'accept-encoding': 'gzip, br' });
      expect([p, res.status]).toEqual([p, 404]);
      expect(json(res).error.code).toBe('ROUTE_NOT_FOUND');
      expect(res.body.toString('utf8')).not.toContain('secret');
    }
  });

  it('answers CONSOLE_MISSING without an index.html: a page for browsers, JSON for programs', async () => {
    const index = path.join(consoleDir, 'index.html');
    fs.renameSync(index, `${index}.away`);
    try {
      const page = await raw(t.url, 'GET', '/apps/x', { ...BROWSER, 'accept-language': 'zh-CN,zh;q=0.9' });
      expect(page.status).toBe(503);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy']).toMatch(/^default-src 'none'/);
      const text = page.body.toString('utf8');
      expect(text).toContain('CONSOLE_MISSING');
      expect(text).toContain('<html lang="zh-CN">');
      const program = await raw(t.url, 'GET', '/');
      expect(program.status).toBe(503);
      expect(json(program).error.code).toBe('CONSOLE_MISSING');
      // The API does not need the console.
      expect((await raw(t.url, 'GET', '/healthz')).status).toBe(200);
    } finally {
      fs.renameSync(`${index}.away`, index);
    }
    // Built again: served again, without a restart.
    expect((await raw(t.url, 'GET', '/', BROWSER)).status).toBe(200);
  });

  it('refuses an index.html that is a link', async () => {
    const index = path.join(consoleDir, 'index.html');
    fs.renameSync(index, path.join(root, 'index.html'));
    fs.symlinkSync(path.join(root, 'index.html'), index);
    try {
      const res = await raw(t.url, 'GET', '/');
      expect(res.status).toBe(503);
      expect(json(res).error.code).toBe('CONSOLE_MISSING');
    } finally {
      fs.unlinkSync(index);
      fs.renameSync(path.join(root, 'index.html'), index);
    }
  });
});

describe('the web console on a shared origin (BERTH_SHARED_ORIGIN)', () => {
  let root: string;
  let t: TestBerthd;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-console-'));
    t = await startTestBerthd({
      env: { BERTH_CONSOLE_DIR: makeConsole(root), BERTH_SHARED_ORIGIN: 'true' },
    });
  });
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('reaches the console through the gateway at `/`, and the apps at /t/ and /o/', async () => {
    expect(t.appsUrl).toBe(t.url);
    const page = await raw(t.url, 'GET', '/', BROWSER);
    expect(page.status).toBe(200);
    expect(page.body.toString('utf8')).toBe(INDEX);
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    const deep = await raw(t.url, 'GET', '/apps/x/stag', BROWSER);
    expect(deep.body.toString('utf8')).toBe(INDEX);
    const asset = await raw(t.url, 'GET', '/assets/app-abc123.js', { 'accept-encoding': 'br' });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-encoding']).toBe('br');
    // /t/ and /o/ belong to the gateway: no such app, not the console.
    for (const p of ['/t/x/', '/o/x/']) {
      const res = await raw(t.url, 'GET', p, BROWSER);
      expect([p, res.status]).toEqual([p, 404]);
      expect(res.body.toString('utf8')).not.toContain('id="root"');
    }
  });
});
