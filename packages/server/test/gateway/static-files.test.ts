// The gateway's static file answers through a real HTTP server: content, types, 304 and HEAD, 404
// pages and single-page fallbacks, and the per-process cache (release files never change, so a path
// once resolved is answered without the file system; bounded in entries and bytes; sites a new
// route table drops are forgotten).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStaticFiles, type StaticFiles, type StaticSite } from '../../src/gateway/static-files.ts';

describe('static files', () => {
  let dir: string;
  let server: http.Server | undefined;
  let base = '';
  let files: StaticFiles;
  let site: StaticSite;

  const serveWith = async (options: Parameters<typeof createStaticFiles>[0], s: () => StaticSite) => {
    files = createStaticFiles(options);
    server = http.createServer((req, res) => {
      void files.serve(s(), req.url ?? '/', req, res);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  const makeSite = (name: string, content: Record<string, string | Buffer>, spa = false): StaticSite => {
    const root = path.join(dir, name);
    for (const [file, body] of Object.entries(content)) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), body);
    }
    return { root, index: 'index.html', spa };
  };

  beforeAll(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-static-files-')));
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('answers files with their type, revalidates with 304, and answers HEAD without a body', async () => {
    const big = Buffer.alloc(300 * 1024, 'b');
    site = makeSite('one', { 'index.html': '<p>home</p>', 'app.css': 'p{}', 'big.bin': big });
    await serveWith({}, () => site);

    const home = await fetch(`${base}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(home.headers.get('cache-control')).toBe('no-cache');
    expect(await home.text()).toBe('<p>home</p>');
    const lastModified = home.headers.get('last-modified')!;
    expect(lastModified).toMatch(/GMT$/);

    const again = await fetch(`${base}/`, { headers: { 'if-modified-since': lastModified } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const older = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    expect((await fetch(`${base}/`, { headers: { 'if-modified-since': older } })).status).toBe(200);

    const css = await fetch(`${base}/app.css?v=2`, { method: 'HEAD' });
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('content-length')).toBe('3');

    // Above the in-memory size: streamed from disk, whole.
    const bin = await fetch(`${base}/big.bin`);
    expect(bin.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await bin.arrayBuffer()).equals(big)).toBe(true);
    expect((await fetch(`${base}/x`, { method: 'POST' })).status).toBe(405);
  });

  it('redirects a directory asked for without its slash, keeping the query, and never to another host', async () => {
    site = makeSite('dirs', { 'index.html': 'home', 'docs/index.html': 'docs', 'docs/a.txt': 'a' });
    await serveWith({}, () => site);
    for (const round of [1, 2]) {
      // The second round is answered from the cache: the same redirects.
      const bare = await fetch(`${base}/docs?v=${round}`, { redirect: 'manual' });
      expect(bare.status).toBe(301);
      expect(bare.headers.get('location')).toBe(`/docs/?v=${round}`);
      const sneaky = await fetch(`${base}//docs`, { redirect: 'manual' });
      expect(sneaky.status).toBe(301);
      expect(sneaky.headers.get('location')).toBe('/docs/');
      const slashed = await fetch(`${base}/docs/`);
      expect(slashed.status).toBe(200);
      expect(await slashed.text()).toBe('docs');
      expect(await (await fetch(`${base}/docs/a.txt`)).text()).toBe('a');
    }
  });

  it('answers unknown paths with the 404 page, or the index for a single-page app, and remembers neither', async () => {
    const plain = makeSite('plain', { 'index.html': 'home', '404.html': 'lost' });
    const spa = makeSite('spa', { 'index.html': 'app shell' }, true);
    let current = plain;
    await serveWith({}, () => current);
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('lost');
    current = spa;
    const deep = await fetch(`${base}/users/42`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toBe('app shell');
    expect(files.stats().entries).toBe(0);
  });

  it('answers a path from memory once resolved, within its bounds, and forgets dropped sites', async () => {
    site = makeSite('cached', { 'a.txt': 'aaaa', 'b.txt': 'bbbb', 'c.txt': 'cccc' });
    await serveWith({ maxEntries: 2 }, () => site);
    expect(await (await fetch(`${base}/a.txt`)).text()).toBe('aaaa');
    expect(files.stats()).toEqual({ entries: 1, bytes: 4, openFiles: 0 });

    // A release's files never change; what was read is served without touching the disk again.
    fs.rmSync(path.join(site.root, 'a.txt'));
    expect(await (await fetch(`${base}/a.txt`)).text()).toBe('aaaa');

    // Two more paths: the least recently used (a.txt) goes, and it is looked up on disk again.
    expect(await (await fetch(`${base}/b.txt`)).text()).toBe('bbbb');
    expect(await (await fetch(`${base}/c.txt`)).text()).toBe('cccc');
    expect(files.stats()).toEqual({ entries: 2, bytes: 8, openFiles: 0 });
    expect((await fetch(`${base}/a.txt`)).status).toBe(404);

    files.retain(new Set([site.root]));
    expect(files.stats().entries).toBe(2);
    files.retain(new Set(['/some/other/release']));
    expect(files.stats()).toEqual({ entries: 0, bytes: 0, openFiles: 0 });
  });

  it('keeps file bytes within its byte budget', async () => {
    site = makeSite('budget', { 'x.txt': 'x'.repeat(600), 'y.txt': 'y'.repeat(600) });
    await serveWith({ maxBytes: 1000, maxFileBytes: 1000 }, () => site);
    await (await fetch(`${base}/x.txt`)).text();
    await (await fetch(`${base}/y.txt`)).text();
    expect(files.stats()).toEqual({ entries: 1, bytes: 600, openFiles: 0 });
    expect(await (await fetch(`${base}/x.txt`)).text()).toBe('x'.repeat(600));
  });
});
