// sendCall (call-exchange.ts) on real sockets: a gateway server whose every request is sent to a
// destination environment's instances (real HTTP servers on loopback, listed in a route table as the
// engine lists them). The answer comes through with the gateway's header rules; a refused
// connection goes to the next instance; an instance that took the call and failed is not tried
// again; no instance, a slow one, an answer that breaks off and a caller that leaves each end the
// way the gateway promises, and `done` is told once with what the caller got.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type AnswerRules, type ForwardedCall, sendCall } from '../../src/apigw/call-exchange.ts';
import { createDestinations, type Destinations } from '../../src/apigw/destinations.ts';
import type { BerthError } from '../../src/errors.ts';
import {
  createUpstreamRegistry,
  GATEWAY_TABLE_FORMAT,
  type GatewayTable,
  type UpstreamRegistry,
  type UpstreamServer,
} from '../../src/gateway/index.ts';
import { silentLogger } from '../../src/logger.ts';

const RULES: AnswerRules = {
  dropped: new Set(['set-cookie', 'x-secret']),
  added: ['x-frame-options', 'DENY'],
};

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function listen(server: http.Server | net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        (server as http.Server).closeAllConnections?.();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function tableOf(ports: number[]): { table: GatewayTable; seq: number } {
  const upstreams: UpstreamServer[] = ports.map((port, i) => ({ id: `i${i}`, host: '127.0.0.1', port }));
  return {
    seq: 1,
    table: {
      format: GATEWAY_TABLE_FORMAT,
      routes: [
        {
          id: 'o/dest',
          match: { pathPrefix: '/o/dest/' },
          target: { kind: 'proxy', upstreams, stripPrefix: true },
          app: { code: 'dest', env: 'prod' },
        },
      ],
    },
  };
}

interface Outcome {
  status: number;
  error?: BerthError;
}

/** A gateway that sends every request it gets to `dest`'s instances on `ports`; what `done` said. */
async function gateway(
  ports: number[],
  call: Partial<ForwardedCall> = {},
  destinations: Destinations = createDestinations({ current: () => tableOf(ports), logger: silentLogger() }),
): Promise<{ url: string; outcomes: Outcome[]; destinations: Destinations }> {
  cleanup.push(() => destinations.close());
  const outcomes: Outcome[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    sendCall(
      destinations,
      { app: 'dest', env: 'prod' },
      {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: {},
        body: null,
        timeoutMs: 2000,
        ...call,
      },
      res,
      { requestId: 'rid-1', rules: RULES },
      (status, error) => outcomes.push(error === undefined ? { status } : { status, error }),
    );
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, outcomes, destinations };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('destinations beside a gateway', () => {
  it("use the gateway's registry when given it: its upstreams, up or down, and its pools, left open", async () => {
    const app = http.createServer((_req, res) => res.end('from the app'));
    const port = await listen(app);
    const current = tableOf([port]);
    const registry = createUpstreamRegistry({ logger: silentLogger() });
    cleanup.push(() => registry.close());
    let shared: UpstreamRegistry | null = null;
    const destinations = createDestinations({
      current: () => current,
      shared: () => shared,
      logger: silentLogger(),
    });
    // Before the gateway serves, there is nothing to pick from.
    expect(destinations.pick('dest', 'prod', [])).toBeNull();
    // The gateway applied the table: its registry holds the instances.
    const route = current.table.routes[0]!;
    registry.sync(route.target.kind === 'proxy' ? route.target.upstreams : []);
    shared = registry;
    const upstream = registry.get('i0')!;
    // The same upstream object: one pool and one count of requests in flight for both kinds of traffic.
    expect(destinations.pick('dest', 'prod', [])).toBe(upstream);
    // An instance the gateway took out (a refused connection) is out for calls too.
    registry.markDown(upstream, 'test');
    expect(destinations.pick('dest', 'prod', [])).toBeNull();
    registry.markUp(upstream, 'test');
    const g = await gateway([port], {}, destinations);
    const res = await fetch(`${g.url}/`);
    expect(await res.text()).toBe('from the app');
    expect(upstream.inFlight).toBe(0);
    // Closing the destinations leaves the gateway's registry serving.
    await destinations.close();
    const again = await fetch(`${g.url}/`);
    expect(await again.text()).toBe('from the app');
  });
});

describe('sendCall', () => {
  it("passes the app's answer on, with the gateway's header rules and request id", async () => {
    const app = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        res.writeHead(201, {
          'set-cookie': 'a=1',
          'x-secret': 'no',
          'x-kept': 'yes',
          'content-type': 'text/plain',
        });
        res.end(`got ${req.method} ${req.url} ${body}`);
      });
    });
    const g = await gateway([await listen(app)], { method: 'POST', body: Buffer.from('payload') });
    const res = await fetch(`${g.url}/x?y=1`, { method: 'POST' });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('got POST /x?y=1 payload');
    expect(res.headers.get('x-kept')).toBe('yes');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('x-secret')).toBeNull();
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-request-id')).toBe('rid-1');
    await until(() => g.outcomes.length === 1);
    expect(g.outcomes).toEqual([{ status: 201 }]);
  });

  it('sends a call an instance refused to the next one', async () => {
    const app = http.createServer((_req, res) => res.end('second'));
    const g = await gateway([await deadPort(), await listen(app)]);
    // Whichever instance the balancer picks first, every call ends at the live one.
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${g.url}/`);
      expect(await res.text()).toBe('second');
    }
    expect(g.outcomes.map((o) => o.status)).toEqual([200, 200, 200]);
  });

  it('answers APIGW_DEST_UNAVAILABLE when no instance takes the call, and when there is none', async () => {
    for (const ports of [[await deadPort(), await deadPort()], []]) {
      const g = await gateway(ports);
      const res = await fetch(`${g.url}/`);
      // biome-ignore lint/suspicious/noExplicitAny: the envelope's JSON
      const body: any = await res.json();
      expect([res.status, body.code, body.result, body.request_id]).toEqual([
        503,
        'APIGW_DEST_UNAVAILABLE',
        false,
        'rid-1',
      ]);
      expect(g.outcomes).toHaveLength(1);
      expect(g.outcomes[0]!.error?.code).toBe('APIGW_DEST_UNAVAILABLE');
    }
  });

  it('does not send a call again once an instance took it and failed', async () => {
    let seen = 0;
    // Both instances take the request, then drop the connection without answering: a retry would
    // reach the other one.
    const dropping = () =>
      net.createServer((socket) => {
        socket.once('data', () => {
          seen++;
          socket.destroy();
        });
      });
    const g = await gateway([await listen(dropping()), await listen(dropping())], {
      method: 'POST',
      body: Buffer.from('x'),
    });
    const res = await fetch(`${g.url}/`, { method: 'POST' });
    // biome-ignore lint/suspicious/noExplicitAny: the envelope's JSON
    const body: any = await res.json();
    expect(body.code).toBe('APIGW_DEST_UNAVAILABLE');
    expect(body.message).toMatch(/failed the call/);
    expect(seen).toBe(1);
  });

  it('answers APIGW_DEST_TIMEOUT when the instance does not answer in time', async () => {
    const app = http.createServer(() => {
      // Never answers.
    });
    const g = await gateway([await listen(app)], { timeoutMs: 200 });
    const res = await fetch(`${g.url}/`);
    // biome-ignore lint/suspicious/noExplicitAny: the envelope's JSON
    const body: any = await res.json();
    expect([res.status, body.code]).toEqual([504, 'APIGW_DEST_TIMEOUT']);
    expect(g.outcomes[0]).toMatchObject({ status: 504, error: { code: 'APIGW_DEST_TIMEOUT' } });
  });

  it("cuts the caller's connection when the answer breaks off, and frees the app's when the caller leaves", async () => {
    let appClosed = false;
    const app = http.createServer((req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial');
      if (req.url === '/break') setTimeout(() => res.destroy(), 20);
      else req.socket.once('close', () => (appClosed = true));
    });
    const g = await gateway([await listen(app)]);
    const broken = await fetch(`${g.url}/break`);
    await expect(broken.text()).rejects.toThrow();
    await until(() => g.outcomes.length === 1);
    expect(g.outcomes[0]).toMatchObject({ status: 200, error: { code: 'APIGW_DEST_UNAVAILABLE' } });

    const controller = new AbortController();
    const left = await fetch(`${g.url}/stay`, { signal: controller.signal });
    const reader = left.body!.getReader();
    await reader.read();
    controller.abort();
    await until(() => appClosed);
    await until(() => g.outcomes.length === 2);
  });
});
