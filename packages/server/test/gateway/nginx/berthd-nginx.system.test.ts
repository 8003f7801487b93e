// berthd with BERTH_GATEWAY=nginx (docs/nginx.md): apps and static sites served by berthd's own
// nginx, whose workers run as the gateway's identity when berthd is root; the platform status reads
// the driver, and the API's traffic counters come from nginx's access log; a configuration nginx refuses (forced through the mangleConfig hook) fails the
// deploy visibly and the serving configuration stays; kill -9 of berthd while an app is polled:
// every poll is answered, the next berthd adopts the same nginx master and a deploy is served; with
// BERTH_SHARED_ORIGIN the console and API behind nginx, believing the address nginx vouches for.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/gateway/nginx/index.ts';
import { createLogger } from '../../../src/logger.ts';
import { killableSurroundings, startKillable } from '../../engine/killable.ts';
import { type EngineFixture, packFiles, startEngineFixture, tinyApp } from '../../engine/support.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../support/harness.ts';
import { mastersOf, nginxUnavailable } from './nginx-support.ts';

const unavailable = nginxUnavailable('berthd with the nginx gateway');
const NGINX_ENV = { BERTH_GATEWAY: 'nginx', BERTH_GATEWAY_WORKERS: '1' };

/** One GET on a fresh connection: the status and body, or the error. */
function poll(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Polls `url` until stopped; every answer must be 200 and match `good`. */
function poller(url: string, good: RegExp) {
  let running = true;
  const failures: string[] = [];
  const seen = new Set<string>();
  let ok = 0;
  const loop = (async () => {
    while (running) {
      try {
        const res = await poll(url);
        if (res.status === 200 && good.test(res.text)) {
          ok++;
          seen.add(res.text);
        } else failures.push(`${res.status} ${res.text.slice(0, 100)}`);
      } catch (err) {
        failures.push((err as Error).message);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    get ok() {
      return ok;
    },
    async stop() {
      running = false;
      await loop;
      return { ok, failures, seen };
    },
  };
}

/** The effective uid of a process, from /proc. */
function uidOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^Uid:\s+\d+\s+(\d+)/m.exec(status)![1]);
}

describe.skipIf(unavailable !== null)('berthd with BERTH_GATEWAY=nginx', () => {
  let f: EngineFixture;
  const lines: string[] = [];
  let broken = false;
  beforeAll(async () => {
    const logs = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    f = await startEngineFixture('sqlite', NGINX_ENV, {
      logger: createLogger('info', logs),
      mangleNginxConfig: (text) => (broken ? `${text}\nthis_is_not_a_directive on;\n` : text),
    });
    for (const code of ['ngapp', 'ngsite']) await f.createApp(code);
  }, 120_000);
  afterAll(async () => f?.stop(), 60_000);

  it('serves apps and static sites through its nginx, whose workers run as the gateway identity', async () => {
    const berthd = f.t.berthd;
    expect(berthd.gateway.kind).toBe('nginx');
    await f.deploy('ngapp', 'stag', await tinyApp({ text: 'through nginx' }));
    await f.deploy('ngsite', 'stag', await packFiles({ 'index.html': 'static through nginx' }));
    expect(await f.get('/t/ngapp/')).toEqual({ status: 200, text: 'through nginx v1' });
    expect(await f.get('/t/ngsite/')).toEqual({ status: 200, text: 'static through nginx' });
    const status = berthd.gateway.status();
    const [master, ...workers] = status.processes.map((p) => p.pid);
    expect(mastersOf(berthd.config.gateway.nginx.prefix)).toEqual([master]);
    expect(workers).toHaveLength(1);
    if (berthd.tenants !== null) {
      // Root: the workers read the site as the gateway's identity (its group is what sites are
      // sealed to), and only that group enters the prefix.
      const gateway = await berthd.tenants.gateway();
      expect(uidOf(workers[0]!)).toBe(gateway.uid);
      const prefix = fs.statSync(berthd.config.gateway.nginx.prefix);
      expect([prefix.mode & 0o777, prefix.uid, prefix.gid]).toEqual([0o750, 0, gateway.gid]);
      // Another identity (an app's) cannot reach the control socket, which replaces the servers
      // of dynamic upstreams: the attempt fails, and the app is served as before.
      const socket = path.join(berthd.config.gateway.nginx.prefix, 'control.sock');
      const attack = `require('http').request({ socketPath: ${JSON.stringify(socket)}, method: 'PUT', path: '/upstreams' }, (r) => console.log('status', r.statusCode)).on('error', (e) => console.log(e.code)).end('berth-upstreams 1\\nseq 999\\nend\\n')`;
      const attempt = spawnSync(process.execPath, ['-e', attack], {
        uid: 65534,
        gid: 65534,
        encoding: 'utf8',
      });
      expect(attempt.stdout.trim()).toBe('EACCES');
      expect(await f.get('/t/ngapp/')).toEqual({ status: 200, text: 'through nginx v1' });
    }
    const platform = await f.api('GET', '/api/v1/platform/status');
    expect(platform.body.gateway).toEqual({
      driver: 'nginx',
      workers: 1,
      running: 1,
      table: status.seq,
      lastFailure: null,
    });
  }, 240_000);

  it("counts the app's requests from nginx's access log, in the API and the Prometheus exposition", async () => {
    const stagRequests = async (): Promise<number> => {
      const res = await f.api('GET', '/api/v1/apps/ngapp/traffic');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.gateway).toBe('nginx');
      return res.body.envs.find((e: { env: string }) => e.env === 'stag')?.requests ?? 0;
    };
    // nginx writes its log at most a second after a request: counting starts once it is still.
    let before = await stagRequests();
    for (let again = -1; again !== before; ) {
      await new Promise((r) => setTimeout(r, 1_200));
      again = before;
      before = await stagRequests();
    }
    for (let i = 0; i < 4; i++) expect((await f.get('/t/ngapp/')).status).toBe(200);
    let after = before;
    for (const until = Date.now() + 15_000; after < before + 4 && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 200));
      after = await stagRequests();
    }
    expect(after).toBe(before + 4);
    const res = await fetch(`${f.t.url}/api/v1/metrics`, {
      headers: { cookie: `${f.t.cookieName}=${f.cookie}` },
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const counted = /^berth_gateway_requests_total\{app="ngapp",env="stag",code="2xx"\} (\d+)$/m.exec(text);
    expect(Number(counted?.[1])).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it('fails a deploy whose configuration nginx refuses, logs it, and keeps serving the last good one', async () => {
    const load = poller(`${f.t.appsUrl}/t/ngapp/`, /^through nginx v1$/);
    const seqBefore = f.t.berthd.gateway.status().seq;
    broken = true;
    let deploy: { status: string };
    try {
      const created = await f.upload('ngapp', 'stag', await tinyApp({ text: 'never served' }));
      deploy = await f.waitDeploy(created.id);
    } finally {
      broken = false;
    }
    const result = await load.stop();
    expect(deploy.status).toBe('failed');
    expect(result.failures).toEqual([]);
    expect(result.ok).toBeGreaterThan(5);
    expect(f.t.berthd.gateway.status().seq).toBe(seqBefore);
    const refusal = lines.map((l) => JSON.parse(l)).find((l) => /nginx refused/.test(JSON.stringify(l)));
    expect(JSON.stringify(refusal)).toMatch(/this_is_not_a_directive/);
    // Operators see it on the platform status, with nginx's own words, until a table is served.
    const status = async () => (await f.api('GET', '/api/v1/platform/status')).body.gateway;
    const failed = await status();
    expect(failed.table).toBe(seqBefore);
    expect(failed.lastFailure.table).toBeGreaterThan(seqBefore);
    expect(failed.lastFailure.message).toMatch(/nginx refused.*this_is_not_a_directive/s);
    // The next table is good again: served.
    await f.deploy('ngapp', 'stag', await tinyApp({ text: 'after the refusal' }));
    expect((await f.get('/t/ngapp/')).text).toMatch(/^after the refusal v\d+$/);
    expect((await status()).lastFailure).toBeNull();
  }, 240_000);
});

describe.skipIf(unavailable !== null)('kill -9 of berthd with BERTH_GATEWAY=nginx', () => {
  const around = killableSurroundings('sqlite', 'berth-nginx-k9-');

  it('answers every poll through the kill and the restart; the next berthd adopts nginx and deploys', async () => {
    const appsPort = await freePort('127.0.0.1');
    const env = await around.env({
      ...NGINX_ENV,
      // The adopted nginx keeps its port: a concrete one (port 0 would be a new one at each start).
      BERTH_APPS_PORT: String(appsPort),
      BERTH_APPS_URL: `http://127.0.0.1:${appsPort}`,
    });
    const prefix = path.join(env['BERTH_DATA_DIR']!, 'nginx');
    const a = await startKillable(env, 'nk9', around.running);
    expect((await a.api('POST', '/api/v1/apps', { code: 'nk9', name: 'nk9' })).app.code).toBe('nk9');
    const first = await a.upload(await tinyApp({ text: 'survivor' }));
    expect((await a.waitFor(first.id, ['succeeded', 'failed'])).status).toBe('succeeded');
    expect(await a.serves()).toBe('survivor v1');
    const masters = mastersOf(prefix);
    expect(masters).toHaveLength(1);

    const load = poller(`http://127.0.0.1:${appsPort}/t/nk9/`, /^(survivor v1|reborn v2)$/);
    let result: Awaited<ReturnType<typeof load.stop>>;
    try {
      await new Promise((r) => setTimeout(r, 500));
      a.p.child.kill('SIGKILL');
      await a.p.exited;
      // berthd is gone: nginx alone answers.
      const during = load.ok;
      await new Promise((r) => setTimeout(r, 1_000));
      expect(load.ok).toBeGreaterThan(during);

      const b = await startKillable(env, 'nk9', around.running);
      expect(mastersOf(prefix)).toEqual(masters);
      const second = await b.upload(await tinyApp({ text: 'reborn' }));
      expect((await b.waitFor(second.id, ['succeeded', 'failed'])).status).toBe('succeeded');
      await expect.poll(async () => (await b.get('/t/nk9/')).text, { timeout: 30_000 }).toBe('reborn v2');
      expect(mastersOf(prefix)).toEqual(masters);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      result = await load.stop();
    }
    expect(result.failures).toEqual([]);
    expect(result.seen).toEqual(new Set(['survivor v1', 'reborn v2']));
  }, 300_000);
});

describe.skipIf(unavailable !== null)('berthd with BERTH_GATEWAY=nginx and BERTH_SHARED_ORIGIN', () => {
  let t: TestBerthd;
  beforeAll(async () => {
    t = await startTestBerthd({ env: { ...NGINX_ENV, BERTH_SHARED_ORIGIN: 'true' } });
  }, 120_000);
  afterAll(async () => t?.stop(), 60_000);

  it("serves the console and API through nginx's platform route, which berthd believes the client address from", async () => {
    expect(t.url).toBe(t.appsUrl);
    const cookie = await t.login('admin', ADMIN_PASSWORD);
    expect(
      (await t.api('POST', '/api/v1/apps', { cookie, body: { code: 'ngshared', name: 'x' } })).status,
    ).toBe(201);
    const app = await fetch(`${t.url}/t/ngshared/`);
    expect(app.status).toBe(503);
    expect(((await app.json()) as { error: { code: string } }).error.code).toBe('GATEWAY_NO_UPSTREAM');
    // A client at 127.0.0.2 (not a trusted proxy) claims another address: nginx replaces it with the
    // one it saw and vouches for it with the per-start key; berthd's audit log records that one.
    const port = Number(new URL(t.url).port);
    const refused = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/v1/auth/login',
          method: 'POST',
          localAddress: '127.0.0.2',
          agent: false,
          headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ username: 'admin', password: 'not-the-password-1' }));
    });
    expect(refused).toBe(401);
    const audit = await t.api('GET', '/api/v1/audit?limit=20', { cookie });
    const ips = JSON.stringify(audit.body);
    expect(ips).toContain('127.0.0.2');
    expect(ips).not.toContain('203.0.113.7');
  }, 120_000);
});
