// The multi-core gateway in a real berthd: BERTH_GATEWAY_WORKERS=2 forks two gateway worker
// processes that share the apps port. Apps, static sites and WebSockets are served through them,
// berthd's own API never is (only with BERTH_SHARED_ORIGIN, where they forward it); deploys switch
// every worker; a killed worker is replaced; close() and a SIGKILLed berthd leave no worker behind.
import cluster from 'node:cluster';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import {
  createGatewayCluster,
  emptyGatewayTable,
  forwardedGuard,
  GATEWAY_KEY_HEADER,
  type GatewayCluster,
} from '../../src/gateway/index.ts';
import { silentLogger } from '../../src/logger.ts';
import {
  type EngineFixture,
  EXAMPLES,
  nodeBerthYaml,
  packDir,
  packFiles,
  startEngineFixture,
  tinyApp,
} from '../engine/support.ts';
import { type Fixture, startFixture } from '../jobs/processes.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { ADMIN_PASSWORD, berthdTestEnv } from '../support/harness.ts';
import { type Reply, send, waitFor } from './support.ts';

/** Whether a process exists (a reaped or never-seen pid does not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Gateway workers (processes running worker-main.ts) whose parent is `ppid`, from /proc. */
function workersOf(ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid …; comm may hold spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) !== ppid) continue;
    // Other children (tsx's esbuild service) are not workers.
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes('worker-main.ts')) pids.push(Number(entry));
  }
  return pids;
}

/** A GET on a fresh connection (so that the cluster hands it to the next worker). */
function fresh(port: number, p: string, headers: Record<string, string> = {}): Promise<Reply> {
  return send(port, p, { agent: false, headers });
}

/** Requests per worker pid on one route, from the workers' own counters. */
async function servedPerWorker(workers: GatewayCluster, key: string): Promise<Map<number, number>> {
  const { workers: list } = await workers.metrics();
  const out = new Map<number, number>();
  for (const w of list) {
    const counters = w.metrics.routes.find((c) => `${c.app}/${c.env}` === key);
    out.set(w.pid, counters?.requests ?? 0);
  }
  return out;
}

/** A request whose client end is bound to `localAddress` (another loopback address). */
function requestFrom(
  localAddress: string,
  port: number,
  p: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: p,
        localAddress,
        agent: false,
        method: options.method ?? 'GET',
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** An app that answers `/` with its text and echoes WebSocket-style upgrades byte for byte. */
const ECHO_SERVER = `
'use strict';
const http = require('node:http');
const server = http.createServer((req, res) => res.end(req.url === '/healthz' ? 'ok' : 'echo v' + process.env.BERTH_RELEASE));
server.on('upgrade', (req, socket, head) => {
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nupgrade: echo\\r\\nconnection: upgrade\\r\\n\\r\\n');
  if (head.length > 0) socket.write(head);
  socket.pipe(socket);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

describe('berthd with BERTH_GATEWAY_WORKERS=2', () => {
  let f: EngineFixture | undefined;
  let workers: GatewayCluster;
  let port: number;
  let firstPids: number[] = [];
  const allPids = new Set<number>();

  beforeAll(async () => {
    f = await startEngineFixture('sqlite', { BERTH_GATEWAY_WORKERS: '2', BERTH_ACCESS_LOG: 'false' });
    workers = f.t.berthd.gatewayWorkers!;
    port = f.t.berthd.appsPort;
    firstPids = workers.pids();
    for (const pid of firstPids) allPids.add(pid);
  }, 120_000);

  afterAll(async () => {
    await f?.stop();
    for (const pid of allPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }, 60_000);

  it('forks two workers that serve the apps port; the API listens on a port of its own', async () => {
    expect(workers).not.toBeNull();
    expect(firstPids).toHaveLength(2);
    expect(firstPids).not.toContain(process.pid);
    expect(workers.port).toBe(port);
    // berthd's own server is the console's port, which no worker serves.
    const apiAddress = f!.t.berthd.http.server.address() as net.AddressInfo;
    expect(apiAddress.port).toBe(f!.t.berthd.port);
    expect(apiAddress.port).not.toBe(port);
    expect((await f!.api('GET', '/api/v1/apps')).status).toBe(200);
    expect((await fresh(apiAddress.port, '/healthz')).status).toBe(200);
    // On the apps port, whatever is not an app is the gateway's 404: the API is not there.
    for (const p of ['/healthz', '/api/v1/apps', '/api/v1/auth/login']) {
      const reply = await fresh(port, p);
      expect(reply.status, p).toBe(404);
      expect(JSON.parse(reply.body.toString()).error.code).toBe('GATEWAY_NO_ROUTE');
    }
  });

  it('serves a deployed app from every worker, and a deploy switches all of them', async () => {
    await f!.createApp('mcgw');
    await f!.deploy('mcgw', 'prod', await tinyApp({ text: 'first' }));
    const before = await servedPerWorker(workers, 'mcgw/prod');
    for (let i = 0; i < 20; i++) {
      const reply = await fresh(port, '/o/mcgw/');
      expect(reply.status).toBe(200);
      expect(reply.body.toString()).toBe('first v1');
    }
    const after = await servedPerWorker(workers, 'mcgw/prod');
    expect([...after.keys()].sort()).toEqual([...firstPids].sort());
    for (const [pid, served] of after)
      expect(served - (before.get(pid) ?? 0), `worker ${pid}`).toBeGreaterThan(0);
    const total = (await workers.metrics()).total.routes.find((c) => c.app === 'mcgw' && c.env === 'prod');
    expect(total?.requests).toBeGreaterThanOrEqual(20);

    // The deploy succeeds only once every worker serves the new table: no request sees v1 after.
    await f!.deploy('mcgw', 'prod', await tinyApp({ text: 'second' }));
    for (let i = 0; i < 20; i++) {
      const reply = await fresh(port, '/o/mcgw/');
      expect(reply.status).toBe(200);
      expect(reply.body.toString()).toBe('second v2');
    }
    // Kept-alive connections (each stays with one worker) see it too.
    for (let i = 0; i < 10; i++) expect((await send(port, '/o/mcgw/')).body.toString()).toBe('second v2');
  }, 240_000);

  it('answers every request while a deploy replaces the instances behind both workers', async () => {
    let stop = false;
    const failures: string[] = [];
    let served = 0;
    const loop = async (agent: 'fresh' | 'kept') => {
      while (!stop) {
        try {
          const reply = agent === 'fresh' ? await fresh(port, '/o/mcgw/') : await send(port, '/o/mcgw/');
          if (reply.status !== 200) failures.push(`${reply.status} ${reply.body.toString()}`);
          else served++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const loops = [loop('fresh'), loop('fresh'), loop('kept'), loop('kept')];
    try {
      await f!.deploy('mcgw', 'prod', await tinyApp({ text: 'third' }));
      // Requests keep going a little after the old instances were stopped.
      const until = served + 50;
      await waitFor(() => served >= until || failures.length > 0, 30_000);
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    expect(failures).toEqual([]);
    expect((await fresh(port, '/o/mcgw/')).body.toString()).toBe('third v3');
  }, 240_000);

  it('serves static sites from the workers with content types and 304 revalidation', async () => {
    await f!.createApp('mcstatic');
    await f!.deploy('mcstatic', 'prod', await packDir(path.join(EXAMPLES, 'static-site')));
    for (let i = 0; i < 4; i++) {
      const css = await fresh(port, '/o/mcstatic/style.css');
      expect(css.status).toBe(200);
      expect(css.headers['content-type']).toMatch(/^text\/css/);
    }
    const page = await fresh(port, '/o/mcstatic/', { 'x-request-id': 'static-req-1' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    // A client's own request id is not taken (only a trusted proxy's): the gateway makes one.
    expect(page.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f-]{27}$/);
    // A directory without its slash goes to the slashed URL, prefix included.
    const about = await fresh(port, '/o/mcstatic/about?lang=en');
    expect(about.status).toBe(301);
    expect(about.headers.location).toBe('/o/mcstatic/about/?lang=en');
    expect((await fresh(port, '/o/mcstatic/about/')).status).toBe(200);
    const lastModified = page.headers['last-modified']!;
    expect(lastModified).toBeTruthy();
    for (let i = 0; i < 4; i++) {
      const again = await fresh(port, '/o/mcstatic/', { 'if-modified-since': lastModified });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
    }
    expect((await fresh(port, '/o/mcstatic/no-such-page')).status).toBe(404);
    expect((await send(port, '/o/mcstatic/', { method: 'POST', agent: false })).status).toBe(405);
    // Counted per worker like proxied requests.
    const served = await servedPerWorker(workers, 'mcstatic/prod');
    expect([...served.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(13);
  }, 240_000);

  it('tunnels upgrade (WebSocket) requests through the workers', async () => {
    await f!.createApp('mcecho');
    await f!.deploy(
      'mcecho',
      'prod',
      await packFiles({
        'package.json': JSON.stringify({ name: 'echo', version: '1.0.0', private: true }),
        'server.js': ECHO_SERVER,
        'berth.yaml': nodeBerthYaml({ count: 1, healthPath: '/healthz' }),
      }),
    );
    // Several connections, so that both workers tunnel at least once (round robin hand-out).
    for (let i = 0; i < 4; i++) {
      const socket = net.connect(port, '127.0.0.1');
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        received += chunk;
      });
      socket.write(
        'GET /o/mcecho/chat HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: upgrade\r\nupgrade: echo\r\n\r\n',
      );
      await waitFor(() => received.includes('\r\n\r\n'), 20_000);
      expect(received).toMatch(/^HTTP\/1\.1 101 /);
      expect(received.toLowerCase()).toContain('x-request-id:');
      socket.write(`ping ${i}`);
      await waitFor(() => received.endsWith(`ping ${i}`), 20_000);
      socket.destroy();
    }
  }, 240_000);

  it('replaces a worker that dies and keeps serving, and its counts stay in the totals', async () => {
    const total = async () =>
      (await workers.metrics()).total.routes.find((c) => c.app === 'mcgw' && c.env === 'prod')?.requests ?? 0;
    const [victim, survivor] = workers.pids();
    const victimServed = (await servedPerWorker(workers, 'mcgw/prod')).get(victim!) ?? 0;
    expect(victimServed).toBeGreaterThan(0);
    const before = await total();
    process.kill(victim!, 'SIGKILL');
    await waitFor(() => !workers.pids().includes(victim!), 20_000);
    await workers.waitServing(2, 60_000);
    const pids = workers.pids();
    for (const pid of pids) allPids.add(pid);
    expect(pids).toHaveLength(2);
    expect(pids).toContain(survivor);
    expect(pids).not.toContain(victim);
    // The new worker got the current table before it listened: every connection is served.
    const replacement = pids.find((pid) => pid !== survivor)!;
    for (let i = 0; i < 20; i++) {
      const reply = await fresh(port, '/o/mcgw/');
      expect(reply.status).toBe(200);
      expect(reply.body.toString()).toBe('third v3');
    }
    const served = await servedPerWorker(workers, 'mcgw/prod');
    expect(served.get(replacement)).toBeGreaterThan(0);
    // What the dead worker had reported still counts: the totals never go down (Prometheus would
    // read a drop as a restart and count everything again).
    expect(await total()).toBe(before + 20);
  }, 120_000);

  it('close() stops every worker', async () => {
    const pids = workers.pids();
    expect(pids.length).toBe(2);
    const fixture = f!;
    f = undefined;
    await fixture.stop();
    // close() waited for the workers' exit: none is left.
    for (const pid of allPids) expect(alive(pid), `worker ${pid}`).toBe(false);
    await expect(fresh(port, '/o/mcgw/')).rejects.toThrow();
  }, 120_000);
});

describe('berthd with gateway workers and BERTH_SHARED_ORIGIN', () => {
  let f: EngineFixture | undefined;
  afterAll(async () => f?.stop(), 60_000);

  it("serves the API through the workers, with the client's own address, never a forged one", async () => {
    f = await startEngineFixture('sqlite', {
      BERTH_GATEWAY_WORKERS: '2',
      BERTH_ACCESS_LOG: 'false',
      BERTH_SHARED_ORIGIN: 'true',
    });
    const port = f.t.berthd.port;
    expect(f.t.berthd.gatewayWorkers!.port).toBe(port);
    expect(f.t.berthd.appsPort).toBe(port);
    // berthd's own server is on another (loopback) port: the workers forward the API to it.
    const apiAddress = f.t.berthd.http.server.address() as net.AddressInfo;
    expect(apiAddress.address).toBe('127.0.0.1');
    expect(apiAddress.port).not.toBe(port);
    expect((await fresh(port, '/healthz')).status).toBe(200);

    // The client connects from 127.0.0.2, the workers from 127.0.0.1: the audit log must show the
    // former even though the API's peer is always a worker, and ignore what the client claims.
    const login = await requestFrom('127.0.0.2', port, '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const audit = await f.api('GET', '/api/v1/audit?action=session.login');
    expect(audit.status).toBe(200);
    const latest = audit.body.events.find((e: { action: string }) => e.action === 'session.login');
    expect(latest.ip).toBe('127.0.0.2');

    // A local process talking to berthd's loopback port directly cannot forge an address either.
    const direct = await requestFrom('127.0.0.3', apiAddress.port, '/api/v1/auth/login', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': '203.0.113.8',
        [GATEWAY_KEY_HEADER]: 'guessed',
      },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(direct.status).toBe(200);
    const again = await f.api('GET', '/api/v1/audit?action=session.login');
    const newest = again.body.events.find((e: { action: string }) => e.action === 'session.login');
    expect(newest.ip).toBe('127.0.0.3');
  }, 120_000);
});

describe('a SIGKILLed berthd with gateway workers', () => {
  let db: TestDatabase | undefined;
  let dataDir: string | undefined;
  let p: Fixture | undefined;
  let workerPids: number[] = [];
  afterAll(async () => {
    if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    for (const pid of workerPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await db?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves no worker serving: they exit when berthd goes away', async () => {
    db = await createTestDatabase('sqlite');
    dataDir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'berth-mcgw-kill-'));
    p = startFixture('../../engine/fixtures/berthd.ts', {
      ...berthdTestEnv(db, dataDir),
      BERTH_GATEWAY_WORKERS: '2',
    });
    const [url, appsUrl] = (await p.line('ready ', 90_000)).slice('ready '.length).trim().split(' ');
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    // The workers serve the apps port (nothing is deployed: the gateway's own 404).
    expect((await fetch(`${appsUrl}/t/nothing/`)).status).toBe(404);
    workerPids = workersOf(p.child.pid!);
    expect(workerPids).toHaveLength(2);

    p.child.kill('SIGKILL');
    await p.exited;
    await waitFor(() => workerPids.every((pid) => !alive(pid)), 30_000);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    await expect(fetch(`${appsUrl}/t/nothing/`)).rejects.toThrow();
  }, 150_000);
});

describe('createGatewayCluster', () => {
  it('fails to start, leaving no worker, when the public port is taken', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as net.AddressInfo).port;
    try {
      const workers = createGatewayCluster({
        logger: silentLogger(),
        workers: 2,
        port: takenPort,
        host: '127.0.0.1',
        worker: { logLevel: 'silent', accessLog: false, trustProxy: false },
        currentTable: () => ({ table: emptyGatewayTable(), seq: 1 }),
      });
      await expect(workers.start()).rejects.toThrow(/EADDRINUSE/);
      expect(workers.pids()).toEqual([]);
      await waitFor(() => Object.keys(cluster.workers ?? {}).length === 0, 30_000);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  }, 90_000);
});

describe('BERTH_GATEWAY_WORKERS', () => {
  it('defaults to one worker per core when there are several, and 0 turns workers off', () => {
    const cores = os.availableParallelism();
    expect(loadConfig({}).gatewayWorkers).toBe(cores > 1 ? cores : 0);
    expect(loadConfig({ BERTH_GATEWAY_WORKERS: '0' }).gatewayWorkers).toBe(0);
    expect(loadConfig({ BERTH_GATEWAY_WORKERS: '3' }).gatewayWorkers).toBe(3);
  });

  it.each(['-1', 'two', '1.5', '1000'])('refuses %s', (value) => {
    expect(() => loadConfig({ BERTH_GATEWAY_WORKERS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ BERTH_GATEWAY_WORKERS: value })).toThrow(/^BERTH_GATEWAY_WORKERS: /);
  });
});

describe('forwardedGuard', () => {
  const guard = forwardedGuard('the-key');
  const request = (headers: Record<string, string>) => ({ headers: { ...headers } }) as http.IncomingMessage;

  it('keeps X-Forwarded-* and X-Request-Id from the workers (with the key) and removes the key', () => {
    const req = request({
      [GATEWAY_KEY_HEADER]: 'the-key',
      'x-forwarded-for': '192.0.2.1',
      'x-request-id': 'gateway-id',
    });
    guard(req, {} as http.ServerResponse);
    expect(req.headers).toEqual({ 'x-forwarded-for': '192.0.2.1', 'x-request-id': 'gateway-id' });
  });

  const claims = (key: string | undefined) => ({
    ...(key === undefined ? {} : { [GATEWAY_KEY_HEADER]: key }),
    'x-forwarded-for': '192.0.2.1',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'evil.example',
    'x-request-id': 'chosen-by-the-caller',
    accept: '*/*',
  });

  it('drops X-Forwarded-* and X-Request-Id from anyone else', () => {
    for (const key of [undefined, 'wrong-key', 'the-kez', 'the-key-']) {
      const req = request(claims(key));
      guard(req, {} as http.ServerResponse);
      expect(req.headers, String(key)).toEqual({ accept: '*/*' });
    }
  });

  it("leaves a trusted proxy's headers for the API's trust to weigh (the API's own port)", () => {
    const onApiPort = forwardedGuard('the-key', (address) => address === '10.0.0.9');
    const from = (remoteAddress: string, key?: string) => {
      const req = { headers: claims(key), socket: { remoteAddress } } as unknown as http.IncomingMessage;
      onApiPort(req, {} as http.ServerResponse);
      return req.headers;
    };
    const { [GATEWAY_KEY_HEADER]: _key, ...claimed } = claims('wrong-key');
    expect(from('10.0.0.9', 'wrong-key')).toEqual(claimed);
    expect(from('127.0.0.1', 'wrong-key')).toEqual({ accept: '*/*' });
    expect(from('10.0.0.8')).toEqual({ accept: '*/*' });
  });
});
