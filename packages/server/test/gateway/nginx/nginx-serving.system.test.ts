// What the nginx driver's rendered configuration serves, with real nginx and real upstreams:
// prefix and host routing by the model's rules, forwarded headers and request ids, platform
// cookies kept from apps, raw (encoded) paths after a stripped prefix, redirects and fixed answers,
// weights / backup / down servers, static sites (dotfiles and links refused), the catalogue's
// 404/413/502/503/504 bodies (JSON and pages), WebSockets, TLS with SNI, and the access log's counters.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../../src/errors.ts';
import type { GatewayDriver } from '../../../src/gateway/driver.ts';
import type { GatewayRoute } from '../../../src/gateway/route-model.ts';
import { makeCertificate } from '../contract/certificates.ts';
import { send, startUpstream, type TestUpstream, waitFor } from '../support.ts';
import { freePort, nginxDriver, nginxProcessesOf, nginxUnavailable } from './nginx-support.ts';
import { table } from './tables.ts';

const unavailable = nginxUnavailable('the nginx serving system tests');

const noAgent = { agent: false as const };

function get(
  port: number,
  urlPath: string,
  headers: Record<string, string> = {},
  extra: http.RequestOptions = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: urlPath, headers, agent: false, ...extra },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function proxyRoute(
  id: string,
  prefix: string,
  ups: Array<
    | TestUpstream
    | { id: string; host: string; port: number; weight?: number; backup?: boolean; down?: boolean }
  >,
  extra: Partial<GatewayRoute> = {},
): GatewayRoute {
  return {
    id,
    match: { pathPrefix: prefix },
    target: {
      kind: 'proxy',
      upstreams: ups.map((u) => ('spec' in u ? u.spec() : u)),
      stripPrefix: true,
    },
    app: { code: id.split('/')[1]!.replace(/[^a-z0-9_-]/g, '') || 'app', env: 'prod' },
    ...extra,
  };
}

describe.skipIf(unavailable !== null)('nginx driver: what it serves', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  let driver: GatewayDriver;
  let port: number;
  let prefix: string;
  let siteRoot: string;
  const up: Record<string, TestUpstream> = {};
  let deadPort: number;

  beforeAll(async () => {
    for (const name of ['a', 'b', 'c', 'd', 'host', 'wild', 'platform', 'slow']) {
      up[name] = await startUpstream(
        name,
        name === 'slow'
          ? (_req, res) => {
              setTimeout(() => res.end('late'), 3_000);
            }
          : undefined,
      );
      cleanup.push(() => up[name]!.close());
    }
    const chat = up.a!;
    const tunnels = new Set<import('node:stream').Duplex>();
    cleanup.push(() => {
      for (const socket of tunnels) socket.destroy();
    });
    chat.server.on('upgrade', (req, socket) => {
      tunnels.add(socket);
      const accept = createHash('sha1')
        .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest('base64');
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${accept}\r\nX-Seen-Url: ${req.url}\r\n\r\n`,
      );
      socket.on('data', (data: Buffer) => socket.write(data));
      socket.on('error', () => {});
    });
    deadPort = await freePort();
    siteRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-nginx-site-'));
    fs.chmodSync(siteRoot, 0o755);
    fs.writeFileSync(path.join(siteRoot, 'index.html'), '<h1>home</h1>');
    fs.mkdirSync(path.join(siteRoot, 'sub'));
    fs.writeFileSync(path.join(siteRoot, 'sub', 'index.html'), 'sub index');
    fs.writeFileSync(path.join(siteRoot, 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(siteRoot, '.env'), 'SECRET=1');
    fs.mkdirSync(path.join(siteRoot, '.well-known'));
    fs.writeFileSync(path.join(siteRoot, '.well-known', 'security.txt'), 'contact: x');
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-nginx-outside-'));
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'outside');
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(siteRoot, 'link.txt'));
    cleanup.push(() => {
      fs.rmSync(siteRoot, { recursive: true, force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    });

    const n = await nginxDriver(cleanup, {
      render: {
        workerProcesses: 2,
        trustedProxies: ['127.0.0.2'],
        maxBodyBytes: 1000,
        timeouts: { connectMs: 1000, headersMs: 1000, bodyMs: 1000 },
        platformSecret: { header: 'X-Berth-Gateway', value: 'sec$ret' },
      },
    });
    driver = n.driver;
    port = n.port;
    prefix = n.prefix;
    const routes: GatewayRoute[] = [
      proxyRoute('o/shop', '/o/shop/', [up.a!]),
      proxyRoute('o/shop-api', '/o/shop/api/', [up.b!]),
      proxyRoute('o/keep', '/o/keep/', [up.a!], {
        target: { kind: 'proxy', upstreams: [up.a!.spec()], stripPrefix: false },
      }),
      proxyRoute('o/weights', '/o/weights/', [
        { ...up.a!.spec('wa'), weight: 3 },
        up.b!.spec('wb'),
        { ...up.c!.spec('wc'), down: true },
        { ...up.d!.spec('wd'), backup: true },
      ]),
      proxyRoute('o/backup', '/o/backup/', [
        { id: 'dead1', host: '127.0.0.1', port: deadPort },
        { ...up.d!.spec('bd'), backup: true },
      ]),
      proxyRoute('o/none', '/o/none/', []),
      proxyRoute('o/alldown', '/o/alldown/', [{ ...up.a!.spec('ad'), down: true }]),
      proxyRoute('o/refused', '/o/refused/', [{ id: 'dead2', host: '127.0.0.1', port: deadPort }]),
      proxyRoute('o/slow', '/o/slow/', [up.slow!]),
      {
        id: 'o/site',
        match: { pathPrefix: '/o/site/' },
        target: { kind: 'static', site: { root: siteRoot, index: 'index.html', spa: false } },
        app: { code: 'site', env: 'prod' },
      },
      {
        id: 't/site',
        match: { pathPrefix: '/t/site/' },
        target: { kind: 'static', site: { root: siteRoot, index: 'index.html', spa: true } },
        app: { code: 'site', env: 'stag' },
      },
      {
        id: 'o/old',
        match: { pathPrefix: '/o/old/' },
        target: { kind: 'redirect', to: 'https://new.example.com/', status: 301, keepPath: true },
      },
      {
        id: 'ping',
        match: { path: '/ping' },
        target: { kind: 'respond', status: 200, contentType: 'text/plain', body: 'pong $host "q"' },
      },
      {
        id: 'platform',
        match: { pathPrefix: '/api/' },
        target: { kind: 'platform', ...up.platform!.spec() },
      },
      {
        id: 'host/shop.example.com',
        match: { host: 'shop.example.com' },
        target: { kind: 'proxy', upstreams: [up.host!.spec()], stripPrefix: false },
        app: { code: 'shop', env: 'prod' },
      },
      {
        id: 'host/shop.example.com/api',
        match: { host: 'shop.example.com', pathPrefix: '/o/shop/api/' },
        target: { kind: 'proxy', upstreams: [up.c!.spec()], stripPrefix: false },
        app: { code: 'shop', env: 'prod' },
      },
      {
        id: 'wild/apps.example.com',
        match: { host: '*.apps.example.com', pathPrefix: '/w/' },
        target: { kind: 'proxy', upstreams: [up.wild!.spec()], stripPrefix: false },
        app: { code: 'wild', env: 'prod' },
      },
    ];
    await driver.start(table(routes), 1);
  }, 60_000);

  afterAll(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
    if (prefix !== undefined) expect(nginxProcessesOf(prefix)).toEqual([]);
  });

  it('routes by the longest prefix and strips it, keeping the raw path and query', async () => {
    expect(JSON.parse((await get(port, '/o/shop/x/y?q=1')).body)).toMatchObject({
      upstream: 'a',
      url: '/x/y?q=1',
    });
    expect(JSON.parse((await get(port, '/o/shop/api/v1')).body)).toMatchObject({ upstream: 'b', url: '/v1' });
    expect(JSON.parse((await get(port, '/o/shop/a%2Fb%20c/%2e%2e?q=%2F')).body).url).toBe(
      '/a%2Fb%20c/%2e%2e?q=%2F',
    );
    // Where nginx's normalised URI is not the raw one, the raw rest still goes: double slashes, dot
    // segments, an empty query.
    expect(JSON.parse((await get(port, '/o/shop//x/./y/../z?')).body).url).toBe('//x/./y/../z?');
    // A raw URI that reaches the prefix only once decoded is no route.
    expect((await get(port, '/o/%73hop/x')).status).toBe(404);
    expect(JSON.parse((await get(port, '/o/keep/z')).body).url).toBe('/o/keep/z');
    const redirect = await get(port, '/o/shop?x=1');
    expect(redirect.status).toBe(308);
    expect(redirect.headers.location).toBe('/o/shop/?x=1');
  });

  it('sets forwarded headers and request ids; believes them only from trusted proxies', async () => {
    const plain = await get(port, '/o/shop/h', {
      'x-request-id': 'client-made-up',
      'x-forwarded-for': '6.6.6.6',
      'x-forwarded-proto': 'https',
      forwarded: 'for=6.6.6.6',
    });
    const seen = JSON.parse(plain.body).headers;
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-prefix']).toBe('/o/shop');
    expect(seen['x-forwarded-host']).toBe(`127.0.0.1:${port}`);
    expect(seen.forwarded).toBeUndefined();
    expect(seen['x-request-id']).toMatch(/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);
    expect(plain.headers['x-request-id']).toBe(seen['x-request-id']);

    const trusted = await get(
      port,
      '/o/shop/h',
      { 'x-request-id': 'edge-1', 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' },
      { localAddress: '127.0.0.2' },
    );
    const seenTrusted = JSON.parse(trusted.body).headers;
    expect(seenTrusted['x-request-id']).toBe('edge-1');
    expect(trusted.headers['x-request-id']).toBe('edge-1');
    expect(seenTrusted['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.2');
    expect(seenTrusted['x-real-ip']).toBe('203.0.113.9');
    expect(seenTrusted['x-forwarded-proto']).toBe('https');
  });

  it('removes platform cookies from app requests, keeps them for the platform with its secret', async () => {
    const cookie = 'a=1; berth_session=s1; __Host-berth_session=s2; b=2; berth_token=t';
    const app = JSON.parse((await get(port, '/o/shop/c', { cookie })).body).headers;
    expect(app.cookie).not.toMatch(/berth_/);
    expect(app.cookie).toContain('a=1');
    expect(app.cookie).toContain('b=2');
    const only = JSON.parse((await get(port, '/o/shop/c', { cookie: 'berth_session=s1' })).body).headers;
    expect(only.cookie).toBeUndefined();
    const lookalike = JSON.parse((await get(port, '/o/shop/c', { cookie: 'xberth_session=1' })).body).headers;
    expect(lookalike.cookie).toBe('xberth_session=1');
    // No cookie, or an empty one (the filter's hash look-up): none reaches the app.
    expect(JSON.parse((await get(port, '/o/shop/c')).body).headers.cookie).toBeUndefined();
    expect(JSON.parse((await get(port, '/o/shop/c', { cookie: '' })).body).headers.cookie).toBeUndefined();
    const platform = JSON.parse((await get(port, '/api/v1/me', { cookie })).body);
    expect(platform.upstream).toBe('platform');
    expect(platform.headers.cookie).toBe(cookie);
    expect(platform.headers['x-berth-gateway']).toBe('sec$ret');
    const app2 = JSON.parse((await get(port, '/o/shop/c', { 'x-berth-gateway': 'forged' })).body).headers;
    expect(app2['x-berth-gateway']).toBe('forged'); // apps are not berthd: the header means nothing there
  });

  it('matches exact hosts, one-label wildcards, and falls back to hostless routes', async () => {
    const host = (h: string, p: string) => get(port, p, { host: h }).then((r) => JSON.parse(r.body).upstream);
    expect(await host('shop.example.com', '/anything')).toBe('host');
    expect(await host('SHOP.example.com.', '/anything')).toBe('host');
    expect(await host('shop.example.com', '/o/shop/api/x')).toBe('c');
    expect(await host('x.apps.example.com', '/w/1')).toBe('wild');
    // Not a route of the wildcard: the hostless routes answer.
    expect(await host('x.apps.example.com', '/o/shop/1')).toBe('a');
    // Two labels are not the wildcard's.
    expect((await get(port, '/w/1', { host: 'x.y.apps.example.com' })).status).toBe(404);
  });

  it('answers redirects and fixed answers literally', async () => {
    const r = await get(port, '/o/old/path/x?y=1');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('https://new.example.com/path/x?y=1');
    const pong = await get(port, '/ping?x');
    expect(pong.body).toBe('pong $host "q"');
    expect(pong.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('balances by weight, never sends to a down server, uses backups only when primaries fail', async () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      const name = JSON.parse((await get(port, '/o/weights/')).body).upstream as string;
      counts[name] = (counts[name] ?? 0) + 1;
    }
    expect(counts.c).toBeUndefined();
    expect(counts.d).toBeUndefined();
    expect(counts.a!).toBeGreaterThan(counts.b!);
    for (let i = 0; i < 4; i++) expect(JSON.parse((await get(port, '/o/backup/')).body).upstream).toBe('d');
  });

  it('serves static sites: index, SPA fallback, no dotfiles but .well-known, no links out', async () => {
    expect((await get(port, '/o/site/')).body).toBe('<h1>home</h1>');
    expect((await get(port, '/o/site/sub/')).body).toBe('sub index');
    const js = await get(port, '/o/site/app.js');
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect((await get(port, '/o/site/missing')).status).toBe(404);
    expect((await get(port, '/t/site/some/client/route')).body).toBe('<h1>home</h1>');
    expect((await get(port, '/o/site/.env')).status).toBe(404);
    expect((await get(port, '/t/site/.env')).status).toBe(404);
    expect((await get(port, '/o/site/.well-known/security.txt')).body).toBe('contact: x');
    const link = await get(port, '/o/site/link.txt');
    expect(link.status).toBe(404);
    expect(link.body).not.toContain('outside');
    expect(JSON.parse(link.body).error.code).toBe('GATEWAY_NO_ROUTE');
  });

  it("answers with the catalogue's bodies: JSON for programs, a page for browsers", async () => {
    const cases: Array<[string, number, string, RequestInit['method']?]> = [
      ['/nowhere', 404, 'GATEWAY_NO_ROUTE'],
      ['/o/none/', 503, 'GATEWAY_NO_UPSTREAM'],
      ['/o/alldown/', 503, 'GATEWAY_NO_UPSTREAM'],
      ['/o/refused/', 502, 'GATEWAY_BAD_UPSTREAM'],
      ['/o/slow/', 504, 'GATEWAY_TIMEOUT'],
    ];
    for (const [p, status, code] of cases) {
      const json = await get(port, p);
      expect(json.status, p).toBe(status);
      expect(JSON.parse(json.body)).toEqual({
        error: { code, message: ERRORS[code as 'GATEWAY_NO_ROUTE'].message },
      });
      expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(json.headers['cache-control']).toBe('no-store');
      expect(json.headers['x-request-id']).toMatch(/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);
      const page = await get(port, p, { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' });
      expect(page.status).toBe(status);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-language']).toBe('en');
      expect(page.headers['content-security-policy']).toContain("default-src 'none'");
      expect(page.body).toContain(`<code>${code}</code>`);
      expect(page.body).toContain(`<code>${page.headers['x-request-id']}</code>`);
      const zh = await get(port, p, { accept: 'text/html', 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' });
      expect(zh.headers['content-language']).toBe('zh-CN');
      expect(zh.body).toContain('无法显示此页面');
    }
    const big = await send(port, '/o/shop/upload', { method: 'POST', body: 'x'.repeat(5000), agent: false });
    expect(big.status).toBe(413);
    expect(big.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    const bigPage = await send(port, '/o/shop/upload', {
      method: 'POST',
      headers: { accept: 'text/html' },
      body: 'x'.repeat(5000),
      agent: false,
    });
    expect([bigPage.status, bigPage.headers['content-type']]).toEqual([413, 'text/html; charset=utf-8']);
    expect(bigPage.body.toString()).toContain('<code>PAYLOAD_TOO_LARGE</code>');
    const small = await send(port, '/o/shop/upload', { method: 'POST', body: 'x'.repeat(10), agent: false });
    expect(small.status).toBe(200);
  });

  it('relays app answers as they are (no error page over an app 404)', async () => {
    const r = await get(port, '/o/shop/x');
    expect(r.status).toBe(200);
    const u = await startUpstream('echo', (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('app says no');
    });
    cleanup.push(() => u.close());
    await driver.apply(table([proxyRoute('o/echo', '/o/echo/', [u])]), 2);
    const own = await get(port, '/o/echo/x', { accept: 'text/html' });
    expect(own.status).toBe(404);
    expect(own.body).toBe('app says no');
  });

  it('tunnels WebSockets after 101', async () => {
    await driver.apply(table([proxyRoute('o/chat', '/o/chat/', [up.a!])]), 3);
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'GET /o/chat/ws?room=1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    let received = '';
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString();
        if (received.includes('\r\n\r\n')) resolve();
      });
    });
    expect(received).toMatch(/^HTTP\/1\.1 101 /);
    expect(received.toLowerCase()).toContain('x-seen-url: /ws?room=1');
    received = '';
    socket.write('hello through nginx');
    await new Promise<void>((resolve) => {
      socket.on('data', () => {
        if (received.includes('hello through nginx')) resolve();
      });
    });
    socket.destroy();
  });

  it('counts requests per app environment from the access log', async () => {
    type Snapshot = Awaited<ReturnType<GatewayDriver['metrics']>>;
    const count = (m: Snapshot) => m.routes.find((r) => r.app === 'chat' && r.env === 'prod')?.requests ?? 0;
    // nginx buffers the log and writes it at most a second after a line (flush=1s): lines of the
    // tests before (the WebSocket's, once it closed) may still come. Counting starts once two reads
    // more than a second apart agree.
    let before = await driver.metrics();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const again = await driver.metrics();
      const same = count(again) === count(before) && again.unrouted.requests === before.unrouted.requests;
      before = again;
      if (same) break;
    }
    for (let i = 0; i < 3; i++) await get(port, '/o/chat/m');
    await get(port, '/not-routed');
    // The lines come within the log's flush time.
    let after = await driver.metrics();
    await waitFor(async () => {
      after = await driver.metrics();
      return count(after) - count(before) === 3 && after.unrouted.requests - before.unrouted.requests === 1;
    }, 30_000);
    expect(count(after) - count(before)).toBe(3);
    expect(after.unrouted.requests - before.unrouted.requests).toBe(1);
    const chat = after.routes.find((r) => r.app === 'chat')!;
    expect(chat.status2xx).toBeGreaterThanOrEqual(3);
    expect(chat.latencyBuckets.reduce((a, b) => a + b, 0)).toBe(chat.requests);
  });
});

describe.skipIf(unavailable !== null)('nginx driver: TLS', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('picks the certificate by SNI, redirects plain HTTP, sends HSTS', async () => {
    const u = await startUpstream('tls-app');
    cleanup.push(() => u.close());
    const httpsPort = await freePort();
    const n = await nginxDriver(cleanup, { https: { host: '127.0.0.1', port: httpsPort } });
    const shop = await makeCertificate('shop', ['shop.example.com']);
    const other = await makeCertificate('other', ['other.example.com']);
    const route = (host: string): GatewayRoute => ({
      id: `host/${host}`,
      match: { host },
      target: { kind: 'proxy', upstreams: [u.spec()], stripPrefix: false },
      app: { code: 'shop', env: 'prod' },
    });
    // Nothing listens there: the answer is the gateway's 502 page.
    const deadPort = await freePort();
    const gone = (host: string): GatewayRoute => ({
      id: `gone/${host}`,
      match: { host, pathPrefix: '/gone/' },
      target: {
        kind: 'proxy',
        upstreams: [{ id: `gone-${host}`, host: '127.0.0.1', port: deadPort }],
        stripPrefix: false,
      },
      app: { code: 'shop', env: 'prod' },
    });
    const started = n.driver.start(
      table(
        [
          route('shop.example.com'),
          route('other.example.com'),
          gone('shop.example.com'),
          gone('other.example.com'),
        ],
        {
          hosts: [{ host: 'shop.example.com', certificate: 'shop', httpsRedirect: true, hstsMaxAge: 600 }],
          certificates: [
            { ...shop, notAfter: '2030-01-01T00:00:00Z' },
            { ...other, notAfter: '2030-01-01T00:00:00Z' },
          ],
        },
      ),
      1,
    );
    await started.catch((error: { detail?: string }) => {
      throw new Error(`${String(error)}: ${error.detail}`);
    });
    const keyFile = fs.readdirSync(path.join(n.prefix, 'current', 'tls')).find((f) => f.endsWith('.key'))!;
    expect(fs.statSync(path.join(n.prefix, 'current', 'tls', keyFile)).mode & 0o777).toBe(0o600);

    const httpsGet = (servername: string, pathname = '/x') =>
      new Promise<{ cn: string; status: number; hsts: string | undefined; upstream: string }>(
        (resolve, reject) => {
          const socket = tls.connect(
            { host: '127.0.0.1', port: httpsPort, servername, rejectUnauthorized: false },
            () => {
              const cn = String(socket.getPeerCertificate().subject.CN);
              socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
              let text = '';
              socket.on('data', (c: Buffer) => {
                text += c.toString();
              });
              socket.on('end', () => {
                const status = Number(text.slice(9, 12));
                const hsts = /strict-transport-security: ([^\r]+)/i.exec(text)?.[1];
                const body = text.slice(text.indexOf('\r\n\r\n') + 4);
                const upstream = body.includes('"upstream":"tls-app"') ? 'tls-app' : body.slice(0, 80);
                resolve({ cn, status, hsts, upstream });
              });
            },
          );
          socket.on('error', reject);
        },
      );
    expect(await httpsGet('shop.example.com')).toEqual({
      cn: 'shop.example.com',
      status: 200,
      hsts: 'max-age=600',
      upstream: 'tls-app',
    });
    expect(await httpsGet('other.example.com')).toMatchObject({ cn: 'other.example.com', hsts: undefined });
    // The error pages too: HSTS where the host sends it, not elsewhere.
    expect(await httpsGet('shop.example.com', '/gone/x')).toMatchObject({ status: 502, hsts: 'max-age=600' });
    expect(await httpsGet('other.example.com', '/gone/x')).toMatchObject({ status: 502, hsts: undefined });
    const plain = await get(n.port, '/x?y=1', { host: 'shop.example.com' });
    expect(plain.status).toBe(308);
    expect(plain.headers.location).toBe(`https://shop.example.com:${httpsPort}/x?y=1`);
    const otherPlain = await get(n.port, '/x', { host: 'other.example.com' });
    expect(otherPlain.status).toBe(200);
    void noAgent;
  });
});
