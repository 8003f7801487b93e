import { type ChildProcess, spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PolicyCall, RequestDoneInfo } from '../../src/gateway/index.ts';
import {
  route,
  send,
  startGateway,
  startUpstream,
  type TestGateway,
  type TestUpstream,
  tableOf,
  waitFor,
} from './support.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('gateway proxy', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function upstream(
    name: string,
    handler?: Parameters<typeof startUpstream>[1],
  ): Promise<TestUpstream> {
    const u = await startUpstream(name, handler);
    cleanup.push(() => u.close());
    return u;
  }
  async function gateway(options: Parameters<typeof startGateway>[0] = {}): Promise<TestGateway> {
    const g = await startGateway(options);
    cleanup.push(() => g.close());
    return g;
  }
  /** A port nothing listens on. */
  async function deadPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  it('strips the prefix and sets X-Forwarded-* and X-Request-Id (behind a trusted proxy)', async () => {
    const a = await upstream('a');
    const g = await gateway({ trustProxy: ['127.0.0.1'] });
    g.gateway.applyTable(tableOf({ routes: [route('shop', 'prod', [a]), route('shop', 'stag', [a])] }));

    const res = await send(g.port, '/o/shop/cart/items?x=1', {
      headers: { 'x-forwarded-for': '10.0.0.9', 'x-request-id': 'req-abc.123' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('req-abc.123');
    const seen = res.json();
    expect(seen.url).toBe('/cart/items?x=1');
    expect(seen.headers).toMatchObject({
      'x-forwarded-prefix': '/o/shop',
      'x-forwarded-for': '10.0.0.9, 127.0.0.1',
      'x-real-ip': '10.0.0.9',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': `127.0.0.1:${g.port}`,
      host: `127.0.0.1:${g.port}`,
      'x-request-id': 'req-abc.123',
    });

    const root = await send(g.port, '/t/shop/');
    expect(root.json().url).toBe('/');
    expect(root.json().headers['x-forwarded-prefix']).toBe('/t/shop');
    // No valid id came in: one is generated, sent upstream and echoed.
    expect(root.headers['x-request-id']).toMatch(UUID);
    expect(root.json().headers['x-request-id']).toBe(root.headers['x-request-id']);

    const bad = await send(g.port, '/o/shop/', { headers: { 'x-request-id': 'has spaces in it' } });
    expect(bad.headers['x-request-id']).toMatch(UUID);
  });

  it('does not forward hop-by-hop headers either way', async () => {
    const a = await upstream('a', (req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        connection: 'x-upstream-hop',
        'x-upstream-hop': 'secret',
        'x-kept': 'yes',
        'set-cookie': ['a=1', 'b=2'],
      });
      res.end(JSON.stringify(req.headers));
    });
    const g = await gateway();
    g.gateway.applyTable(tableOf({ routes: [route('shop', 'prod', [a])] }));
    const res = await send(g.port, '/o/shop/', {
      headers: {
        connection: 'keep-alive, x-client-hop',
        'x-client-hop': 'secret',
        'keep-alive': 'timeout=5',
        'proxy-authorization': 'Basic eDp5',
        te: 'trailers',
        'x-end-to-end': 'kept',
      },
    });
    const seen = res.json();
    expect(seen['x-end-to-end']).toBe('kept');
    for (const name of ['x-client-hop', 'keep-alive', 'proxy-authorization', 'te']) {
      expect(seen[name], name).toBeUndefined();
    }
    expect(res.headers['x-kept']).toBe('yes');
    expect(res.headers['x-upstream-hop']).toBeUndefined();
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
  });

  it('routes app subdomains of the base domain with the whole path', async () => {
    const prod = await upstream('prod');
    const stag = await upstream('stag');
    const g = await gateway();
    g.gateway.applyTable(
      tableOf({
        baseDomain: 'apps.test',
        routes: [route('shop', 'prod', [prod]), route('shop', 'stag', [stag])],
      }),
    );
    const res = await send(g.port, '/o/x?y=1', { headers: { host: 'shop.apps.test' } });
    expect(res.json()).toMatchObject({ upstream: 'prod', url: '/o/x?y=1' });
    expect(res.json().headers['x-forwarded-prefix']).toBeUndefined();
    expect(res.json().headers['x-forwarded-host']).toBe('shop.apps.test');
    const s = await send(g.port, '/', { headers: { host: 'shop-stag.apps.test:8080' } });
    expect(s.json().upstream).toBe('stag');
  });

  it('redirects /o/{code} to /o/{code}/ and answers unknown apps with GATEWAY_NO_ROUTE', async () => {
    const a = await upstream('a');
    const g = await gateway();
    g.gateway.applyTable(tableOf({ routes: [route('shop', 'prod', [a])] }));
    const redirect = await send(g.port, '/o/shop?a=1');
    expect(redirect.status).toBe(308);
    expect(redirect.headers.location).toBe('/o/shop/?a=1');

    const missing = await send(g.port, '/o/nope/');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/application\/json/);
    expect(missing.json()).toEqual({ error: { code: 'GATEWAY_NO_ROUTE', message: expect.any(String) } });
    expect(missing.headers['x-request-id']).toMatch(UUID);
    expect((await send(g.port, '/api/v1/me')).status).toBe(404);
    expect(a.seen).toHaveLength(0);
    expect(g.gateway.metrics.unrouted.requests).toBe(2);
  });

  it('hands requests for the platform route to the handler in this process (the API)', async () => {
    const a = await upstream('a');
    const g = await gateway({
      platformHandler: {
        request: (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('api');
        },
      },
    });
    // The handler serves the route: the address is not used.
    const platform = { host: '127.0.0.1', port: 1 };
    g.gateway.applyTable(tableOf({ routes: [route('shop', 'prod', [a])], platform }));
    expect((await send(g.port, '/api/v1/me')).body.toString()).toBe('api');
    expect((await send(g.port, '/o/nope/')).status).toBe(404);
    expect((await send(g.port, '/o/shop/')).json().upstream).toBe('a');
  });

  it('proxies the platform route to its address (a worker to the API)', async () => {
    const app = await upstream('app');
    const api = await upstream('api');
    const g = await gateway({ platformHeaders: ['x-berth-gateway-key', 'k'] });
    const platform = { host: '127.0.0.1', port: api.port };
    g.gateway.applyTable(tableOf({ routes: [route('shop', 'prod', [app])], platform }));
    const res = await send(g.port, '/api/v1/me?x=1', { method: 'POST', body: '{}' });
    expect(res.json()).toMatchObject({ upstream: 'api', method: 'POST', url: '/api/v1/me?x=1' });
    expect(res.json().headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(res.json().headers['x-forwarded-prefix']).toBeUndefined();
    expect(res.json().headers['x-berth-gateway-key']).toBe('k');
    expect((await send(g.port, '/o/shop/')).json().upstream).toBe('app');
    expect((await send(g.port, '/o/nope/')).status).toBe(404);
    expect(api.seen).toHaveLength(1);
  });

  it("serves a route with the API gateway's policy with the policy's handler, else sends it to berthd", async () => {
    const app = await upstream('app');
    const api = await upstream('api');
    const table = tableOf({
      routes: [route('shop', 'prod', [app])],
      apigw: { host: '127.0.0.1', port: api.port },
    });
    expect(table.routes.find((r) => r.id === 'apigw')).toMatchObject({
      match: { pathPrefix: '/api/c/' },
      policy: 'apigw',
    });
    const calls: PolicyCall[] = [];
    const logged: RequestDoneInfo[] = [];
    const withPolicy = await gateway({
      trustProxy: ['127.0.0.1'],
      onRequestDone: (info) => logged.push(info),
      policies: new Map([
        [
          'apigw',
          {
            request: (req, res, call) => {
              calls.push(call);
              res.writeHead(200, { 'content-type': 'text/plain', 'x-request-id': call.requestId });
              res.end(`policy ${req.url}`);
            },
          },
        ],
      ]),
    });
    withPolicy.gateway.applyTable(table);
    const served = await send(withPolicy.port, '/api/c/S/x/?q=1', {
      headers: { 'x-forwarded-for': '10.1.2.3', 'x-request-id': 'chosen-by-the-client' },
    });
    expect(served.body.toString()).toBe('policy /api/c/S/x/?q=1');
    // The client's address, as for app routes: a trusted proxy's X-Forwarded-For is believed. The
    // request id is the gateway's (not the one sent), and the access log has the same.
    expect(calls).toEqual([{ clientIp: '10.1.2.3', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);
    expect(served.headers['x-request-id']).toBe(calls[0]!.requestId);
    await vi.waitFor(() => expect(logged.map((l) => l.requestId)).toEqual([calls[0]!.requestId]));
    expect((await send(withPolicy.port, '/o/shop/')).json().upstream).toBe('app');
    expect(api.seen).toHaveLength(0);

    // A gateway that does not run the policy sends the call to berthd, which runs the checks itself.
    const without = await gateway();
    without.gateway.applyTable(table);
    const proxied = await send(without.port, '/api/c/S/x/?q=1', {
      headers: { 'x-forwarded-for': '10.1.2.3' },
    });
    expect(proxied.json()).toMatchObject({ upstream: 'api', url: '/api/c/S/x/?q=1' });
    // Not trusted here: the client's X-Forwarded-For is not passed on as its own.
    expect(proxied.json().headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('forwards bodies, methods and statuses', async () => {
    const a = await upstream('a', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(201, 'Made It', { 'content-type': 'text/plain' });
        res.end(`${req.method} ${req.headers['content-type']} ${Buffer.concat(chunks).toString()}`);
      });
    });
    const g = await gateway();
    g.gateway.applyTable(tableOf({ routes: [route('shop', 'prod', [a])] }));
    const res = await send(g.port, '/o/shop/orders', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{"n":1}',
    });
    expect(res.status).toBe(201);
    expect(res.body.toString()).toBe('PATCH application/json {"n":1}');
  });

  it('balances round robin across instances and avoids busy ones', async () => {
    const release: Array<() => void> = [];
    const slowFirst = async (name: string) =>
      upstream(name, (req, res) => {
        const answer = () => {
          res.writeHead(200, { 'x-upstream': name });
          res.end(name);
        };
        if (req.url === '/hold') release.push(answer);
        else answer();
      });
    const a = await slowFirst('a');
    const b = await slowFirst('b');
    const c = await slowFirst('c');
    const g = await gateway();
    g.gateway.applyTable(tableOf({ routes: [route('shop', 'prod', [a, b, c])] }));

    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 30; i++) counts[(await send(g.port, '/o/shop/')).body.toString()]!++;
    expect(counts).toEqual({ a: 10, b: 10, c: 10 });

    // One request held on some instance: while it is busy, the others take the traffic.
    const held = send(g.port, '/o/shop/hold');
    await waitFor(() => release.length === 1);
    const busy = [a, b, c].find((u) => u.seen.at(-1)?.url === '/hold')!;
    const during = await Promise.all(Array.from({ length: 6 }, () => send(g.port, '/o/shop/')));
    expect(during.map((r) => r.body.toString())).not.toContain(busy.name);
    release[0]!();
    expect((await held).status).toBe(200);
  });

  it('retries a GET on another instance when one was killed, and marks it down', async () => {
    const alive = await upstream('alive');
    const victim = await spawnUpstream();
    cleanup.push(() => {
      victim.child.kill('SIGKILL');
    });
    const g = await gateway();
    g.gateway.applyTable(
      tableOf({
        routes: [
          {
            app: 'shop',
            env: 'prod',
            upstreams: [{ id: 'victim', host: '127.0.0.1', port: victim.port }, alive.spec()],
          },
        ],
      }),
    );
    // Both serve, and the gateway holds a kept-alive connection to the victim.
    const before = await Promise.all(Array.from({ length: 4 }, () => send(g.port, '/o/shop/')));
    expect(new Set(before.map((r) => r.headers['x-upstream']))).toEqual(new Set(['victim', 'alive']));

    victim.child.kill('SIGKILL');
    await new Promise((resolve) => victim.child.once('exit', resolve));
    await waitFor(() => refuses(victim.port));

    const after = [];
    for (let i = 0; i < 4; i++) after.push(await send(g.port, '/o/shop/'));
    expect(after.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(after.map((r) => r.headers['x-upstream'])).toEqual(['alive', 'alive', 'alive', 'alive']);
    expect(g.gateway.upstreams.get('victim')?.up).toBe(false);
  });

  it('retries a GET on each other instance once: two dropping at once (a drained node) lose nothing', async () => {
    const drop = (req: IncomingMessage) => req.socket.destroy();
    const a = await upstream('a', drop);
    const b = await upstream('b', drop);
    const c = await upstream('c');
    const g = await gateway();
    g.gateway.applyTable(tableOf({ routes: [route('shop', 'prod', [a, b, c])] }));
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await send(g.port, '/o/shop/'));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(new Set(answers.map((r) => r.headers['x-upstream']))).toEqual(new Set(['c']));
    // No request went to a failing instance twice.
    for (const failing of [a, b]) expect(failing.seen.length).toBeLessThanOrEqual(6);
    // A POST is still never retried.
    const posts = [];
    for (let i = 0; i < 3; i++)
      posts.push((await send(g.port, '/o/shop/', { method: 'POST', body: 'x' })).status);
    expect(posts).toContain(502);
  });

  it('does not retry a POST: a refused connection answers 502 and marks the instance down', async () => {
    const alive = await upstream('alive');
    const port = await deadPort();
    const g = await gateway();
    g.gateway.applyTable(
      tableOf({
        routes: [
          { app: 'shop', env: 'prod', upstreams: [{ id: 'dead', host: '127.0.0.1', port }, alive.spec()] },
        ],
      }),
    );
    const res = await send(g.port, '/o/shop/orders', { method: 'POST', body: 'x' });
    expect(res.status).toBe(502);
    expect(res.json().error.code).toBe('GATEWAY_BAD_UPSTREAM');
    expect(alive.seen).toHaveLength(0);
    expect(g.gateway.upstreams.get('dead')?.up).toBe(false);
    // The next POST goes to the instance that is still up.
    expect((await send(g.port, '/o/shop/orders', { method: 'POST', body: 'x' })).status).toBe(200);
  });

  it('answers 503 when every instance is down and when a route has none', async () => {
    const g = await gateway();
    g.gateway.applyTable(
      tableOf({
        routes: [
          {
            app: 'shop',
            env: 'prod',
            upstreams: [
              { id: 'd1', host: '127.0.0.1', port: await deadPort() },
              { id: 'd2', host: '127.0.0.1', port: await deadPort() },
            ],
          },
          { app: 'empty', env: 'prod', upstreams: [] },
        ],
      }),
    );
    // Both refuse: the GET tries one, retries the other, then gives up.
    const first = await send(g.port, '/o/shop/');
    expect(first.status).toBe(502);
    expect(g.gateway.upstreams.list().map((u) => u.up)).toEqual([false, false]);
    const next = await send(g.port, '/o/shop/');
    expect(next.status).toBe(503);
    expect(next.json().error.code).toBe('GATEWAY_NO_UPSTREAM');
    expect((await send(g.port, '/o/empty/')).json().error.code).toBe('GATEWAY_NO_UPSTREAM');
  });

  it('answers 502 when the instance drops the connection', async () => {
    const a = await upstream('a', (req) => req.socket.destroy());
    const g = await gateway();
    g.gateway.applyTable(tableOf({ routes: [route('shop', 'prod', [a])] }));
    const post = await send(g.port, '/o/shop/', { method: 'POST', body: 'x' });
    expect(post.status).toBe(502);
    expect(post.json().error.code).toBe('GATEWAY_BAD_UPSTREAM');
    const get = await send(g.port, '/o/shop/');
    expect(get.status).toBe(502);
    // The GET was retried once (there is no other instance, so on none) — the instance saw it once.
    expect(a.seen.filter((s) => s.method === 'GET')).toHaveLength(1);
    // A reset is not a refusal: the instance stays up.
    expect(g.gateway.upstreams.get('a')?.up).toBe(true);
  });

  it('answers 504 when the instance is too slow', async () => {
    const a = await upstream('a', (_req, res) => {
      const timer = setTimeout(() => res.end('late'), 10_000);
      res.on('close', () => clearTimeout(timer));
    });
    const g = await gateway({ headersTimeoutMs: 300 });
    g.gateway.applyTable(tableOf({ routes: [route('shop', 'prod', [a])] }));
    const res = await send(g.port, '/o/shop/slow');
    expect(res.status).toBe(504);
    expect(res.json()).toEqual({ error: { code: 'GATEWAY_TIMEOUT', message: expect.any(String) } });
    expect(g.gateway.upstreams.get('a')?.up).toBe(true);
  });

  it('reports every request to onRequestDone and counts it per app and env', async () => {
    const a = await upstream('a');
    const done: RequestDoneInfo[] = [];
    const g = await gateway({ onRequestDone: (info) => done.push(info), trustProxy: ['127.0.0.1'] });
    g.gateway.applyTable(tableOf({ routes: [route('shop', 'prod', [a]), route('empty', 'stag', [])] }));
    const ok = await send(g.port, '/o/shop/x?y=1', { headers: { 'x-request-id': 'r-1' } });
    await send(g.port, '/t/empty/');
    await send(g.port, '/o/nope/');
    await waitFor(() => done.length === 3);
    expect(done[0]).toMatchObject({
      app: 'shop',
      env: 'prod',
      upstream: 'a',
      method: 'GET',
      url: '/o/shop/x?y=1',
      status: 200,
      bytes: ok.body.length,
      requestId: 'r-1',
    });
    expect(done[0]!.durationMs).toBeGreaterThan(0);
    expect(done[1]).toMatchObject({ app: 'empty', env: 'stag', status: 503, error: 'GATEWAY_NO_UPSTREAM' });
    expect(done[2]).toMatchObject({ app: null, status: 404, error: 'GATEWAY_NO_ROUTE' });

    const shop = g.gateway.metrics.routes.get('shop/prod')!;
    expect(shop).toMatchObject({ requests: 1, status2xx: 1, status5xx: 0, bytesOut: ok.body.length });
    expect(shop.latencyBuckets.reduce((s, n) => s + n, 0)).toBe(1);
    expect(g.gateway.metrics.routes.get('empty/stag')).toMatchObject({ requests: 1, status5xx: 1 });
  });
});

/** An upstream in its own process, so that it can really be killed. */
async function spawnUpstream(): Promise<{ child: ChildProcess; port: number }> {
  const code = `
    const http = require('node:http');
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'x-upstream': 'victim' });
      res.end('victim');
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
  `;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('error', reject);
  });
  return { child, port };
}

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}
