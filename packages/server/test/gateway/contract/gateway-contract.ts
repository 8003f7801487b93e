// The gateway contract: what every GatewayDriver does with a table, run against each driver (the
// built-in one in-process and in workers: builtin.system.test.ts; nginx: its own file). The suite
// starts the driver on loopback ports, applies one table per case and checks the answers with
// real upstream servers, files, sockets and certificates. Every case runs for every driver: there
// is no way to skip one. A driver that lacks a feature lists the case in `knownFailures` with the
// reason: the case then runs as `it.fails` (and fails the suite once the driver passes it), with
// the reason in its title, where a reviewer sees it.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it as vitestIt } from 'vitest';
import {
  GATEWAY_TABLE_FORMAT,
  GatewayApplyError,
  type GatewayDriver,
  type GatewayListeners,
  type GatewayRoute,
  type GatewayTable,
  type TlsCertificate,
  type UpstreamServer,
} from '../../../src/gateway/index.ts';
import { httpsGet } from '../../support/tls-client.ts';
import { startUpstream, type TestUpstream, type UpstreamHandler, waitFor } from '../support.ts';
import { makeCertificate } from './certificates.ts';

/** What the suite needs the driver configured with. */
export interface ContractSettings {
  /** Peers whose X-Forwarded-* and X-Request-Id are believed: 127.0.0.2 (the suite's "proxy"). */
  trustProxy: string[];
  /** Time an app gets to start answering before the gateway answers 504. */
  upstreamTimeoutMs: number;
}

/**
 * Makes a driver, not started, that listens on loopback: plain HTTP and HTTPS both on port 0 (any
 * free port). `cleanup` runs after the driver is closed (a data plane's own files, say).
 */
export type ContractFactory = (
  settings: ContractSettings,
) => Promise<{ driver: GatewayDriver; cleanup?: () => Promise<void> }>;

const SETTINGS: ContractSettings = { trustProxy: ['127.0.0.2'], upstreamTimeoutMs: 1_000 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON
  json(): any;
}

interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Connect from this loopback address (127.0.0.2 is a trusted proxy). */
  localAddress?: string;
  agent?: http.Agent | false;
}

function request(port: number, urlPath: string, options: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? false,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      },
      (res) => collect(res, resolve, reject),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A request failed before any answer, and whether it went out on a reused keep-alive connection. */
class LoadRequestError extends Error {
  constructor(
    readonly original: Error,
    readonly reusedSocket: boolean,
  ) {
    super(original.message);
  }
}

/** GET on a keep-alive agent, telling apart a failure on a reused connection before any answer. */
function loadRequest(port: number, urlPath: string, agent: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, agent }, (res) => {
      answered = true;
      collect(res, resolve, reject);
    });
    req.on('error', (err) => reject(answered ? err : new LoadRequestError(err, req.reusedSocket)));
    req.end();
  });
}

/**
 * A client's GET as HTTP clients make it (RFC 9112 9.3.1; Node's and browsers' agents): an
 * idempotent request that failed on a reused keep-alive connection before any answer (the server
 * closed the idle connection as the request went out) is sent once more on a new connection.
 * `resent` counts those; any other failure is the caller's.
 */
async function clientGet(
  port: number,
  urlPath: string,
  agent: http.Agent,
  counts: { resent: number },
): Promise<Answer> {
  try {
    return await loadRequest(port, urlPath, agent);
  } catch (err) {
    if (!(err instanceof LoadRequestError) || !err.reusedSocket) throw err;
    counts.resent++;
    return request(port, urlPath);
  }
}

function collect(res: http.IncomingMessage, resolve: (a: Answer) => void, reject: (e: Error) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('error', reject);
  res.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
  });
}

/** The names of the certificate the server shows for `servername` (or the handshake's error). */
function certificateFor(port: number, servername: string | undefined): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ...(servername === undefined ? {} : { servername }),
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      const alt = socket.getPeerCertificate().subjectaltname ?? '';
      socket.end();
      resolve(alt.split(', ').map((n) => n.replace(/^DNS:/, '')));
    });
    socket.once('error', reject);
  });
}

const proxy = (upstreams: UpstreamServer[], stripPrefix = true): GatewayRoute['target'] => ({
  kind: 'proxy',
  upstreams,
  stripPrefix,
});

function tableOf(routes: GatewayRoute[], extra: Partial<GatewayTable> = {}): GatewayTable {
  return { format: GATEWAY_TABLE_FORMAT, routes, ...extra };
}

export interface ContractOptions {
  /** Cases this driver is known to fail, by title, each with the reason. */
  knownFailures?: Record<string, string>;
  /** A swap of servers closes no client connection (no process is replaced): the swap case then
   *  also requires that no request had to be resent. */
  swapsKeepConnections?: boolean;
}

export function gatewayContract(name: string, factory: ContractFactory, options: ContractOptions = {}): void {
  const known = new Map(Object.entries(options.knownFailures ?? {}));
  const titles = new Set<string>();
  /** `it`, or `it.fails` for a case the driver is known to fail. */
  const it = (title: string, fn: () => unknown, timeout?: number): void => {
    titles.add(title);
    const reason = known.get(title);
    if (reason === undefined) vitestIt(title, fn, timeout);
    else vitestIt.fails(`${title} (known to fail: ${reason})`, fn, timeout);
  };
  describe(`gateway contract: ${name}`, () => {
    let driver: GatewayDriver;
    let cleanupDriver: (() => Promise<void>) | undefined;
    let listeners: GatewayListeners;
    let port: number;
    let seq = 1;
    const upstreams: TestUpstream[] = [];
    let siteRoot: string;
    let certA: TlsCertificate;
    let certB: TlsCertificate;

    async function upstream(label: string, handler?: UpstreamHandler): Promise<TestUpstream> {
      const u = await startUpstream(label, handler);
      upstreams.push(u);
      return u;
    }

    /** Applies a table; the driver resolves once every process serves it. */
    async function apply(table: GatewayTable): Promise<void> {
      seq += 1;
      await driver.apply(table, seq);
      expect(driver.status().seq).toBe(seq);
    }

    /** A port nothing listens on (a closed upstream). */
    async function closedPort(): Promise<number> {
      const u = await startUpstream('closed');
      const p = u.port;
      await u.close();
      return p;
    }

    beforeAll(async () => {
      siteRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-contract-site-'));
      // Readable by whichever identity the data plane serves files as (nginx's workers: nobody).
      fs.chmodSync(siteRoot, 0o755);
      fs.writeFileSync(path.join(siteRoot, 'index.html'), '<h1>home</h1>');
      fs.writeFileSync(path.join(siteRoot, 'app.js'), 'console.log(1)');
      fs.writeFileSync(path.join(siteRoot, '.env'), 'SECRET=1');
      fs.mkdirSync(path.join(siteRoot, 'docs'));
      fs.writeFileSync(path.join(siteRoot, 'docs', 'index.html'), '<h1>docs</h1>');
      const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-contract-outside-'));
      fs.writeFileSync(path.join(outside, 'secret.txt'), 'outside the root');
      fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(siteRoot, 'leak.txt'));
      [certA, certB] = await Promise.all([
        makeCertificate('cert-a', ['tls-a.example.test']),
        makeCertificate('cert-b', ['*.tls-b.example.test']),
      ]);
      const made = await factory(SETTINGS);
      driver = made.driver;
      cleanupDriver = made.cleanup;
      listeners = await driver.start(tableOf([]), seq);
      port = listeners.http.port;
    }, 120_000);

    afterAll(async () => {
      await driver?.close();
      await cleanupDriver?.();
      for (const u of upstreams) await u.close();
      if (siteRoot) fs.rmSync(siteRoot, { recursive: true, force: true });
    }, 60_000);

    it('listens on HTTP and HTTPS, and reports the sequence every process serves', () => {
      expect(port).toBeGreaterThan(0);
      expect(listeners.https?.port).toBeGreaterThan(0);
      const status = driver.status();
      expect(status.seq).toBe(1);
      expect(status.processes.length).toBeGreaterThan(0);
      for (const p of status.processes) expect(p.seq).toBe(1);
    });

    it('routes by path prefix, longest first, stripping the prefix and saying so', async () => {
      const a = await upstream('prefix-a');
      const b = await upstream('prefix-b');
      await apply(
        tableOf([
          { id: 'o/shop', match: { pathPrefix: '/o/shop/' }, target: proxy([a.spec()]) },
          { id: 'o/shop/api', match: { pathPrefix: '/o/shop/api/' }, target: proxy([b.spec()]) },
          { id: 'keep', match: { pathPrefix: '/keep/' }, target: proxy([a.spec()], false) },
        ]),
      );
      const shop = await request(port, '/o/shop/cart?x=1');
      expect(shop.status).toBe(200);
      expect(shop.json()).toMatchObject({ upstream: 'prefix-a', url: '/cart?x=1' });
      expect(shop.json().headers['x-forwarded-prefix']).toBe('/o/shop');
      expect((await request(port, '/o/shop/api/v1')).json()).toMatchObject({
        upstream: 'prefix-b',
        url: '/v1',
      });
      const kept = (await request(port, '/keep/x')).json();
      expect(kept.url).toBe('/keep/x');
      expect(kept.headers['x-forwarded-prefix']).toBeUndefined();
      // A prefix without its trailing slash: 308 to the prefix, query kept.
      const bare = await request(port, '/o/shop?a=1');
      expect(bare.status).toBe(308);
      expect(bare.headers.location).toBe('/o/shop/?a=1');
      expect((await request(port, '/o/other/')).status).toBe(404);
    });

    it('routes by host: exact before wildcard before no host, with the port and case ignored', async () => {
      const exact = await upstream('host-exact');
      const wild = await upstream('host-wild');
      const any = await upstream('host-any');
      await apply(
        tableOf([
          { id: 'host/shop', match: { host: 'shop.example.test' }, target: proxy([exact.spec()], false) },
          { id: 'host/*', match: { host: '*.example.test' }, target: proxy([wild.spec()], false) },
          { id: 'any', match: { pathPrefix: '/' }, target: proxy([any.spec()], false) },
        ]),
      );
      const on = (host: string) => request(port, '/p', { headers: { host } }).then((r) => r.json().upstream);
      expect(await on('shop.example.test')).toBe('host-exact');
      expect(await on('SHOP.Example.Test:8080')).toBe('host-exact');
      expect(await on('blog.example.test')).toBe('host-wild');
      // One label only.
      expect(await on('a.blog.example.test')).toBe('host-any');
      expect(await on('example.test')).toBe('host-any');
      expect(await on('other.test')).toBe('host-any');
      const seen = exact.seen[0]!;
      expect(seen.url).toBe('/p');
      expect(seen.headers['x-forwarded-host']).toBe('shop.example.test');
    });

    it('answers an exact path with a fixed body, before any prefix', async () => {
      const a = await upstream('exact-a');
      await apply(
        tableOf([
          { id: 'all', match: { pathPrefix: '/' }, target: proxy([a.spec()]) },
          {
            id: 'acme/tok',
            match: { path: '/.well-known/acme-challenge/tok123' },
            target: { kind: 'respond', status: 200, contentType: 'text/plain', body: 'tok123.thumbprint' },
          },
        ]),
      );
      const answer = await request(port, '/.well-known/acme-challenge/tok123');
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^text\/plain/);
      expect(answer.body).toBe('tok123.thumbprint');
      expect((await request(port, '/.well-known/acme-challenge/tok123?x')).body).toBe('tok123.thumbprint');
      expect((await request(port, '/.well-known/acme-challenge/other')).json().upstream).toBe('exact-a');
    });

    it('redirects, with or without the rest of the path', async () => {
      await apply(
        tableOf([
          {
            id: 'old',
            match: { pathPrefix: '/old/' },
            target: { kind: 'redirect', to: '/new/', status: 301, keepPath: true },
          },
          {
            id: 'away',
            match: { pathPrefix: '/away/' },
            target: { kind: 'redirect', to: 'https://example.org/', status: 302, keepPath: false },
          },
        ]),
      );
      const old = await request(port, '/old/a/b?c=1');
      expect(old.status).toBe(301);
      expect(old.headers.location).toBe('/new/a/b?c=1');
      const away = await request(port, '/away/x');
      expect(away.status).toBe(302);
      expect(away.headers.location).toBe('https://example.org/');
    });

    it('sets forwarded headers and request ids, believing a client only behind a trusted proxy', async () => {
      const a = await upstream('fwd');
      await apply(tableOf([{ id: 'o/fwd', match: { pathPrefix: '/o/fwd/' }, target: proxy([a.spec()]) }]));
      const forged = {
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-proto': 'https',
        'x-request-id': 'client-chosen-id',
      };
      const direct = await request(port, '/o/fwd/', { headers: forged });
      const seen = direct.json().headers;
      expect(seen['x-forwarded-for']).toBe('127.0.0.1');
      expect(seen['x-real-ip']).toBe('127.0.0.1');
      expect(seen['x-forwarded-proto']).toBe('http');
      expect(seen['x-request-id']).toMatch(UUID);
      expect(direct.headers['x-request-id']).toBe(seen['x-request-id']);

      const proxied = await request(port, '/o/fwd/', { headers: forged, localAddress: '127.0.0.2' });
      const behind = proxied.json().headers;
      expect(behind['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.2');
      expect(behind['x-real-ip']).toBe('203.0.113.9');
      expect(behind['x-request-id']).toBe('client-chosen-id');
      expect(proxied.headers['x-request-id']).toBe('client-chosen-id');
    });

    it("answers with the gateway's request id alone, not one the app sets too", async () => {
      const own = await upstream('own-id', (req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'text/plain', 'x-request-id': 'app-chosen-id' });
        res.end(String(req.headers['x-request-id']));
      });
      await apply(tableOf([{ id: 'o/own', match: { pathPrefix: '/o/own/' }, target: proxy([own.spec()]) }]));
      const res = await request(port, '/o/own/');
      expect(res.status).toBe(200);
      // One header (Node joins repeated ones with ", "), the id the app was given.
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(res.headers['x-request-id']).toBe(res.body.toString());
    });

    it('tunnels a WebSocket upgrade through a route', async () => {
      const ws = await upstream('ws');
      const seen: Array<{ url: string | undefined; prefix: unknown }> = [];
      ws.server.on('upgrade', (req: http.IncomingMessage, socket) => {
        seen.push({ url: req.url, prefix: req.headers['x-forwarded-prefix'] });
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
        socket.on('data', (chunk: Buffer) => socket.write(chunk));
        socket.on('end', () => socket.end());
        socket.on('error', () => {});
      });
      await apply(tableOf([{ id: 'o/ws', match: { pathPrefix: '/o/ws/' }, target: proxy([ws.spec()]) }]));
      const echoed = await new Promise<string>((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port,
          path: '/o/ws/chat',
          agent: false,
          headers: {
            connection: 'Upgrade',
            upgrade: 'websocket',
            'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
            'sec-websocket-version': '13',
          },
        });
        req.on('upgrade', (res, socket) => {
          expect(res.statusCode).toBe(101);
          socket.once('data', (chunk: Buffer) => {
            resolve(chunk.toString());
            socket.destroy();
          });
          socket.write('hello through the gateway');
        });
        req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
        req.on('error', reject);
        req.end();
      });
      expect(echoed).toBe('hello through the gateway');
      expect(seen).toEqual([{ url: '/chat', prefix: '/o/ws' }]);
    });

    it("answers with the catalogue's 404, 502, 503 and 504 bodies, as JSON or a page by Accept", async () => {
      const slow = await upstream('slow', () => {
        // Never answers.
      });
      // Two routes to closed ports: after a refused connection a data plane may take the upstream
      // out for a while (and answer 503), so the page is asked of the other one.
      const gone = async (id: string): Promise<GatewayRoute> => ({
        id,
        match: { pathPrefix: `/${id}/` },
        target: proxy([{ id, host: '127.0.0.1', port: await closedPort() }]),
      });
      await apply(
        tableOf([
          { id: 'o/none', match: { pathPrefix: '/o/none/' }, target: proxy([]) },
          await gone('gone-json'),
          await gone('gone-page'),
          { id: 'o/slow', match: { pathPrefix: '/o/slow/' }, target: proxy([slow.spec()]) },
        ]),
      );
      const cases: Array<[string, string, number, string]> = [
        ['/o/nothing/', '/o/nothing/', 404, 'GATEWAY_NO_ROUTE'],
        ['/o/none/', '/o/none/', 503, 'GATEWAY_NO_UPSTREAM'],
        ['/gone-json/', '/gone-page/', 502, 'GATEWAY_BAD_UPSTREAM'],
        ['/o/slow/', '/o/slow/', 504, 'GATEWAY_TIMEOUT'],
      ];
      for (const [where, pageAt, status, code] of cases) {
        const json = await request(port, where);
        expect([where, json.status]).toEqual([where, status]);
        expect(json.headers['content-type']).toMatch(/^application\/json/);
        expect(json.json()).toEqual({ error: { code, message: expect.any(String) } });
        expect(json.headers['x-request-id']).toMatch(UUID);
        const page = await request(port, pageAt, { headers: { accept: BROWSER_ACCEPT } });
        expect(page.status).toBe(status);
        expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(page.body).toContain(code);
      }
    });

    it("relays an app's early 413 while the client is still sending its body", async () => {
      // The app answers at once and reads the rest of the body away on a connection it keeps open.
      // (An app that closes the connection with the body unread, by `Connection: close` or a reset,
      // races nginx's writing of the body: nginx may answer 502. The built-in gateway's own test
      // covers that case, early-answers.test.ts; docs/nginx.md lists the difference.)
      const limited = await upstream('limited', (req, res) => {
        req.resume();
        res.writeHead(413, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"PAYLOAD_TOO_LARGE"}}');
      });
      await apply(
        tableOf([{ id: 'o/up', match: { pathPrefix: '/o/up/' }, target: proxy([limited.spec()]) }]),
      );
      const answer = await request(port, '/o/up/files', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(2 * 1024 * 1024, 1),
      });
      expect(answer.status).toBe(413);
      expect(answer.json()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    });

    it('serves a static site: index files, a single-page fallback, no dotfiles, nothing out of the root', async () => {
      const site = { root: siteRoot, index: 'index.html', spa: false };
      await apply(
        tableOf([
          { id: 'o/site', match: { pathPrefix: '/o/site/' }, target: { kind: 'static', site } },
          {
            id: 'o/spa',
            match: { pathPrefix: '/o/spa/' },
            target: { kind: 'static', site: { ...site, spa: true } },
          },
        ]),
      );
      expect((await request(port, '/o/site/')).body).toBe('<h1>home</h1>');
      expect((await request(port, '/o/site/docs/')).body).toBe('<h1>docs</h1>');
      const js = await request(port, '/o/site/app.js');
      expect([js.status, js.body]).toEqual([200, 'console.log(1)']);
      expect(js.headers['content-type']).toMatch(/javascript/);
      expect((await request(port, '/o/site/missing.html')).status).toBe(404);
      expect((await request(port, '/o/site/.env')).status).toBe(404);
      const leak = await request(port, '/o/site/leak.txt');
      expect(leak.status).toBe(404);
      expect(leak.body).not.toContain('outside the root');
      expect((await request(port, '/o/site/../../etc/passwd')).body).not.toContain('root:');
      const spa = await request(port, '/o/spa/some/client/route');
      expect([spa.status, spa.body]).toEqual([200, '<h1>home</h1>']);
      expect((await request(port, '/o/spa/.env')).body).not.toContain('SECRET');
    });

    it('shares requests by weight', async () => {
      const heavy = await upstream('heavy');
      const light = await upstream('light');
      await apply(
        tableOf([
          {
            id: 'o/w',
            match: { pathPrefix: '/o/w/' },
            target: proxy([
              { ...heavy.spec(), weight: 3 },
              { ...light.spec(), weight: 1 },
            ]),
          },
        ]),
      );
      const counts = { heavy: 0, light: 0 };
      for (let i = 0; i < 80; i++) {
        const who = (await request(port, '/o/w/')).json().upstream as 'heavy' | 'light';
        counts[who]++;
      }
      // 3:1 is 60 to 20; a data plane of several processes keeps one rotation in each.
      expect(counts.heavy).toBeGreaterThanOrEqual(48);
      expect(counts.heavy).toBeLessThanOrEqual(70);
      expect(counts.light).toBeGreaterThanOrEqual(10);
    });

    it('sends requests to a backup server only while no primary can take them', async () => {
      const primary = await upstream('primary');
      const backup = await upstream('backup');
      const target = (primaryPort: number) =>
        tableOf([
          {
            id: 'o/b',
            match: { pathPrefix: '/o/b/' },
            target: proxy([
              { id: 'primary', host: '127.0.0.1', port: primaryPort },
              { ...backup.spec(), backup: true },
            ]),
          },
        ]);
      await apply(target(primary.port));
      for (let i = 0; i < 10; i++) expect((await request(port, '/o/b/')).json().upstream).toBe('primary');
      expect(backup.seen).toHaveLength(0);

      // The primary refuses connections: the backup answers every request.
      await apply(target(await closedPort()));
      for (let i = 0; i < 6; i++) {
        const answer = await request(port, '/o/b/');
        expect(answer.status).toBe(200);
        expect(answer.json().upstream).toBe('backup');
      }
    });

    it('sends nothing to an upstream the control plane marked down', async () => {
      const sick = await upstream('sick');
      const well = await upstream('well');
      await apply(
        tableOf([
          {
            id: 'o/d',
            match: { pathPrefix: '/o/d/' },
            target: proxy([{ ...sick.spec(), down: true }, well.spec()]),
          },
        ]),
      );
      for (let i = 0; i < 10; i++) expect((await request(port, '/o/d/')).json().upstream).toBe('well');
      expect(sick.seen).toHaveLength(0);
    });

    it('serves HTTPS with the certificate SNI names, redirects HTTP and sends HSTS as the host says', async () => {
      const a = await upstream('tls-a');
      const b = await upstream('tls-b');
      await apply(
        tableOf(
          [
            { id: 'host/tls-a', match: { host: 'tls-a.example.test' }, target: proxy([a.spec()], false) },
            { id: 'host/tls-b', match: { host: '*.tls-b.example.test' }, target: proxy([b.spec()], false) },
            {
              id: 'acme/tls-a',
              match: { host: 'tls-a.example.test', path: '/.well-known/acme-challenge/renew1' },
              target: { kind: 'respond', status: 200, contentType: 'text/plain', body: 'renew1.thumbprint' },
            },
          ],
          {
            certificates: [certA, certB],
            hosts: [
              { host: 'tls-a.example.test', certificate: 'cert-a', httpsRedirect: true, hstsMaxAge: 600 },
              { host: '*.tls-b.example.test', certificate: 'cert-b' },
            ],
          },
        ),
      );
      const httpsPort = listeners.https!.port;
      expect(await certificateFor(httpsPort, 'tls-a.example.test')).toEqual(['tls-a.example.test']);
      expect(await certificateFor(httpsPort, 'shop.tls-b.example.test')).toEqual(['*.tls-b.example.test']);
      // No certificate for the name, or no name at all: no handshake.
      await expect(certificateFor(httpsPort, 'unknown.example.test')).rejects.toThrow();
      await expect(certificateFor(httpsPort, 'x.shop.tls-b.example.test')).rejects.toThrow();
      await expect(certificateFor(httpsPort, undefined)).rejects.toThrow();

      const secure = await httpsGet(httpsPort, 'tls-a.example.test', '/account');
      expect(secure.status).toBe(200);
      expect(JSON.parse(secure.body)).toMatchObject({ upstream: 'tls-a', url: '/account' });
      expect(JSON.parse(secure.body).headers['x-forwarded-proto']).toBe('https');
      expect(secure.headers['strict-transport-security']).toBe('max-age=600');
      const other = await httpsGet(httpsPort, 'shop.tls-b.example.test', '/');
      expect(JSON.parse(other.body).upstream).toBe('tls-b');
      expect(other.headers['strict-transport-security']).toBeUndefined();

      // Plain HTTP: the host that asks for it is sent to HTTPS, the other is served.
      const plain = await request(port, '/account?x=1', { headers: { host: 'tls-a.example.test' } });
      expect(plain.status).toBe(308);
      expect(plain.headers.location).toBe(`https://tls-a.example.test:${httpsPort}/account?x=1`);
      expect(plain.headers['strict-transport-security']).toBeUndefined();
      // Except an exact path (an ACME challenge): a renewal's validation comes over plain HTTP.
      const challenge = await request(port, '/.well-known/acme-challenge/renew1', {
        headers: { host: 'tls-a.example.test' },
      });
      expect([challenge.status, challenge.body]).toEqual([200, 'renew1.thumbprint']);
      const served = await request(port, '/', { headers: { host: 'shop.tls-b.example.test' } });
      expect(served.json().upstream).toBe('tls-b');
    });

    it('swaps 20 tables under load on keep-alive connections without failing a request', async () => {
      const a = await upstream('swap-a');
      const b = await upstream('swap-b');
      const table = (u: TestUpstream) =>
        tableOf([{ id: 'o/swap', match: { pathPrefix: '/o/swap/' }, target: proxy([u.spec()]) }]);
      await apply(table(a));
      const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
      let running = true;
      let ok = 0;
      const failures: string[] = [];
      const counts = { resent: 0 };
      const served = new Set<string>();
      const loop = async () => {
        while (running) {
          try {
            const answer = await clientGet(port, '/o/swap/x', agent, counts);
            if (answer.status === 200) {
              ok++;
              served.add(answer.json().upstream);
            } else failures.push(`status ${answer.status}: ${answer.body}`);
          } catch (err) {
            failures.push(String(err));
          }
        }
      };
      const loops = Array.from({ length: 8 }, () => loop());
      try {
        await waitFor(() => ok > 20, 20_000);
        for (let i = 0; i < 20; i++) {
          await apply(table(i % 2 === 0 ? b : a));
          const before = ok;
          await waitFor(() => ok > before + 5, 20_000);
        }
      } finally {
        running = false;
        await Promise.all(loops);
        agent.destroy();
      }
      expect(failures).toEqual([]);
      expect(served).toEqual(new Set(['swap-a', 'swap-b']));
      // Resends are how clients meet a keep-alive connection closed while idle (nginx's old workers
      // close theirs at a reload; docs/nginx.md): reported, never more than one per request; none
      // where a swap replaces no process.
      if (options.swapsKeepConnections === true) expect(counts.resent).toBe(0);
      if (counts.resent > 0)
        console.info(`${name}: ${counts.resent} requests resent during 20 swaps (${ok} answered)`);
    }, 120_000);

    it('refuses a bad table with GatewayApplyError and keeps serving the one before', async () => {
      const a = await upstream('keep');
      await apply(tableOf([{ id: 'o/keep', match: { pathPrefix: '/o/keep/' }, target: proxy([a.spec()]) }]));
      const before = driver.status().seq;
      const twice = tableOf([
        { id: 'o/keep', match: { pathPrefix: '/o/keep/' }, target: proxy([]) },
        { id: 'again', match: { pathPrefix: '/o/keep/' }, target: proxy([]) },
      ]);
      await expect(driver.apply(twice, ++seq)).rejects.toBeInstanceOf(GatewayApplyError);
      const badPem = tableOf([{ id: 'o/keep', match: { pathPrefix: '/o/keep/' }, target: proxy([]) }], {
        certificates: [
          { ...certA, keyPem: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n' },
        ],
      });
      await expect(driver.apply(badPem, ++seq)).rejects.toBeInstanceOf(GatewayApplyError);
      expect(driver.status().seq).toBe(before);
      for (let i = 0; i < 4; i++) {
        const answer = await request(port, '/o/keep/');
        expect([answer.status, answer.json().upstream]).toEqual([200, 'keep']);
      }
    });
    for (const title of known.keys()) {
      if (!titles.has(title)) throw new Error(`knownFailures names no contract case: "${title}"`);
    }
  });
}
