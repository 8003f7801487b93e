// The nginx driver with dynamic upstreams (render-lua.ts, Debian's libnginx-mod-http-lua): a table
// that only moves an app to other servers is served without a reload (the same workers, no
// keep-alive connection closed), anything else is reloaded; a restarted nginx serves the latest
// servers; the control socket refuses a document that is not one; a refused connection is retried
// on another server.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { errorLogPath, putUpstreams } from '../../../src/gateway/nginx/nginx-process.ts';
import { send, startUpstream, type TestUpstream, waitFor } from '../support.ts';
import { luaModulesForTests, mastersOf, NGINX, nginxDriver, nginxUnavailable } from './nginx-support.ts';
import { shopTable } from './tables.ts';

const unavailable = nginxUnavailable('the dynamic upstream tests');
const modules = unavailable === null ? luaModulesForTests('the dynamic upstream tests') : null;

const appTable = shopTable;

const workersOf = (status: { processes: Array<{ pid: number }> }) =>
  status.processes
    .slice(1)
    .map((p) => p.pid)
    .sort();

describe.skipIf(modules === null)('nginx driver: dynamic upstreams', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setUp(superviseIntervalMs?: number): Promise<{
    n: Awaited<ReturnType<typeof nginxDriver>>;
    a: TestUpstream;
    b: TestUpstream;
  }> {
    const a = await startUpstream('a');
    const b = await startUpstream('b');
    cleanup.push(
      () => a.close(),
      () => b.close(),
    );
    const n = await nginxDriver(cleanup, {
      dynamicUpstreams: { modules: modules! },
      ...(superviseIntervalMs === undefined ? {} : { superviseIntervalMs }),
    });
    return { n, a, b };
  }

  it('moves an app to other servers without a reload, and reloads for anything else', async () => {
    const { n, a, b } = await setUp();
    await n.driver.start(appTable([a.spec()]), 1);
    const workers = workersOf(n.driver.status());
    expect(workers.length).toBe(2);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanup.push(() => agent.destroy());
    const viaAgent = async () => {
      const r = await new Promise<{ upstream: string; port: number }>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: n.port, path: '/o/shop/x', agent }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => {
            body += c.toString();
          });
          res.on('end', () => resolve({ upstream: JSON.parse(body).upstream, port: req.socket!.localPort! }));
        });
        req.on('error', reject);
      });
      return r;
    };
    const first = await viaAgent();
    expect(first.upstream).toBe('a');

    await n.driver.apply(appTable([b.spec()]), 2);
    expect(n.driver.status().seq).toBe(2);
    // The same workers, and the client's keep-alive connection is still the one it had.
    expect(workersOf(n.driver.status())).toEqual(workers);
    const second = await viaAgent();
    expect(second).toEqual({ upstream: 'b', port: first.port });
    // The master's data file has the new servers (what a restarted nginx loads).
    expect(fs.readFileSync(path.join(n.prefix, 'upstreams.txt'), 'utf8')).toContain(
      `127.0.0.1 ${b.port} 1 0`,
    );

    // A fixed answer changed: a new configuration, new workers.
    await n.driver.apply(appTable([b.spec()], 'pong2'), 3);
    expect((await send(n.port, '/ping')).body.toString()).toBe('pong2');
    expect(workersOf(n.driver.status())).not.toEqual(workers);
    expect((await send(n.port, '/o/shop/y')).json().upstream).toBe('b');
  });

  it('lets the next berthd adopt nginx and move servers without a reload', async () => {
    const { n, a, b } = await setUp();
    await n.driver.start(appTable([a.spec()]), 1);
    const workers = workersOf(n.driver.status());
    await n.driver.close({ keepServing: true });
    const next = n.again();
    cleanup.push(() => next.close());
    await next.start(appTable([b.spec()]), 1);
    expect(workersOf(next.status())).toEqual(workers);
    expect((await send(n.port, '/o/shop/x')).json().upstream).toBe('b');
    // A different configuration is still a reload.
    await next.apply(appTable([b.spec()], 'pong2'), 2);
    expect(workersOf(next.status())).not.toEqual(workers);
    expect((await send(n.port, '/ping')).body.toString()).toBe('pong2');
  });

  it('serves the latest servers after its master is killed and started again', async () => {
    const { n, a, b } = await setUp(100);
    await n.driver.start(appTable([a.spec()]), 1);
    await n.driver.apply(appTable([b.spec()]), 2);
    const [master] = n.driver.status().processes;
    await new Promise((resolve) => setTimeout(resolve, 300)); // the supervisor has seen the workers
    process.kill(master!.pid, 'SIGKILL');
    await waitFor(() => {
      const now = mastersOf(n.prefix);
      return now.length === 1 && now[0] !== master!.pid;
    }, 30_000);
    await waitFor(async () => (await send(n.port, '/ping').catch(() => null))?.status === 200, 20_000);
    for (let i = 0; i < 4; i++) expect((await send(n.port, '/o/shop/z')).json().upstream).toBe('b');
  });

  it('refuses a document that is not one, and keeps the servers it has', async () => {
    const { n, a } = await setUp();
    await n.driver.start(appTable([a.spec()]), 1);
    for (const bad of [
      'not a document',
      'berth-upstreams 1\nseq 5\nupstream u_x\nserver 127.0.0.1 1 1 0\n',
      'berth-upstreams 1\nseq 5\nserver 127.0.0.1 1 1 0\nend\n',
      'berth-upstreams 1\nseq 5\nupstream u_x\nserver example.com 80 1 0\nend\n',
    ]) {
      const answer = await putUpstreams(path.join(n.prefix, 'control.sock'), bad);
      expect(answer.error, bad).toMatch(/^400: not an upstream document/);
    }
    expect((await send(n.port, '/o/shop/z')).json().upstream).toBe('a');
  });

  it("draws request ids from each worker's own pool: version 4 UUIDs, none repeated, kept by an error page", async () => {
    const { n, a } = await setUp();
    await n.driver.start(appTable([a.spec()]), 1);
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const seen = new Set<string>();
    const draw = async (count: number) => {
      // New connections, so that both workers answer; more than one pool's worth (256 ids) each.
      const replies = await Promise.all(
        Array.from({ length: count }, (_, i) => send(n.port, `/o/shop/${i}`, { agent: false })),
      );
      for (const r of replies) {
        const id = String(r.headers['x-request-id']);
        expect(id).toMatch(v4);
        expect(r.json().headers['x-request-id']).toBe(id);
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    };
    for (let round = 0; round < 6; round++) await draw(100);
    // New workers (a reload) draw their own pools too: nothing copied from the master or the old ones.
    const workers = workersOf(n.driver.status());
    await n.driver.apply(appTable([a.spec()], 'pong2'), 2);
    expect(workersOf(n.driver.status())).not.toEqual(workers);
    for (let round = 0; round < 6; round++) await draw(100);
    expect(seen.size).toBe(1200);
    // An error page is an internal redirect: the page names the id the answer carries.
    const page = await send(n.port, '/nope', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    const id = String(page.headers['x-request-id']);
    expect(id).toMatch(v4);
    expect(page.body.toString()).toContain(id);
    const json = await send(n.port, '/o/none', { headers: { accept: 'application/json' } });
    expect(json.status).toBe(404);
    expect(String(json.headers['x-request-id'])).toMatch(v4);
    // The access log has the id the client got.
    await waitFor(() =>
      fs.readFileSync(path.join(n.prefix, 'logs', 'access.json'), 'utf8').includes(`"reqId":"${id}"`),
    );
  });

  it('keeps the id the app was sent when the answer becomes an error page (504)', async () => {
    const slow = await startUpstream('slow', () => {
      // Never answers.
    });
    cleanup.push(() => slow.close());
    const n = await nginxDriver(cleanup, {
      dynamicUpstreams: { modules: modules! },
      render: { workerProcesses: 2, timeouts: { headersMs: 300, bodyMs: 300 } },
    });
    await n.driver.start(appTable([slow.spec()]), 1);
    const r = await send(n.port, '/o/shop/wait', { headers: { accept: 'application/json' } });
    expect(r.status).toBe(504);
    const id = String(r.headers['x-request-id']);
    expect(slow.seen.map((s) => s.headers['x-request-id'])).toEqual([id]);
  });

  // Mounting /dev/null over /dev/urandom (in a mount namespace of nginx's own) needs root.
  it.skipIf(process.getuid?.() !== 0)(
    "falls back to nginx's own request ids when /dev/urandom cannot be read, and says so once per worker",
    async () => {
      const a = await startUpstream('a');
      cleanup.push(() => a.close());
      // The driver runs nginx (-t, the master, reloads) through this: the same binary and arguments,
      // in a mount namespace where /dev/urandom reads nothing.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-no-urandom-'));
      cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
      const wrapper = path.join(dir, 'nginx');
      fs.writeFileSync(
        wrapper,
        '#!/bin/sh\n' +
          "exec unshare --mount --propagation private -- /bin/sh -c 'mount --bind /dev/null /dev/urandom && " +
          `exec ${NGINX} "$@"' nginx "$@"\n`,
        { mode: 0o755 },
      );
      const n = await nginxDriver(cleanup, { binary: wrapper, dynamicUpstreams: { modules: modules! } });
      await n.driver.start(appTable([a.spec()]), 1);
      const hex32 = /^[0-9a-f]{32}$/;
      const seen = new Set<string>();
      const draw = async () => {
        // New connections, so that both workers answer.
        const replies = await Promise.all(
          Array.from({ length: 50 }, (_, i) => send(n.port, `/o/shop/${i}`, { agent: false })),
        );
        for (const r of replies) {
          expect(r.status).toBe(200);
          const id = String(r.headers['x-request-id']);
          expect(id).toMatch(hex32);
          expect(r.json().headers['x-request-id']).toBe(id);
          seen.add(id);
        }
      };
      await draw();
      const warning = "berth request ids: /dev/urandom cannot be read; nginx's own ids are used";
      const warnings = () =>
        fs
          .readFileSync(errorLogPath(n.prefix), 'utf8')
          .split('\n')
          .filter((l) => l.includes(warning)).length;
      await waitFor(() => warnings() >= 1);
      const first = warnings();
      expect(first).toBeLessThanOrEqual(2);
      await draw();
      await draw();
      expect(seen.size).toBe(150);
      // Each worker said it once, however many ids it made since.
      const workers = n.driver.status().processes.length - 1;
      expect(workers).toBe(2);
      expect(warnings()).toBeLessThanOrEqual(workers);
    },
  );

  it('sends a request to another server when one refuses connections', async () => {
    const { n, a, b } = await setUp();
    const closed = await startUpstream('closed');
    const closedPort = closed.port;
    await closed.close();
    await n.driver.start(appTable([a.spec()]), 1);
    await n.driver.apply(
      appTable([{ id: 'gone', host: '127.0.0.1', port: closedPort }, a.spec(), b.spec()]),
      2,
    );
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const r = await send(n.port, `/o/shop/${i}`);
      expect(r.status).toBe(200);
      seen.add(r.json().upstream);
    }
    expect(seen).toEqual(new Set(['a', 'b']));
  });
});
