// The nginx driver's life cycle with real nginx: apply + confirm, a configuration nginx -t refuses
// (the old one keeps serving), adoption by a second driver object (as after a berthd restart) with
// requests answering throughout, a master that dies is started again, 20 applies under load with
// no failed request, and no nginx left behind.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GatewayApplyError } from '../../../src/gateway/driver.ts';
import type { GatewayTable } from '../../../src/gateway/route-model.ts';
import { send, startUpstream, type TestUpstream, waitFor } from '../support.ts';
import { mastersOf, nginxDriver, nginxProcessesOf, nginxUnavailable } from './nginx-support.ts';
import { shopTable, table } from './tables.ts';

const unavailable = nginxUnavailable('the nginx driver system tests');

function appTable(upstreams: TestUpstream[], extraBody = ''): GatewayTable {
  return shopTable(
    upstreams.map((u) => u.spec()),
    `pong${extraBody}`,
  );
}

const noKeepAlive = new http.Agent({ keepAlive: false });

/** GET; a request that fails on a reused keep-alive connection before any answer is sent again
 *  once on a new connection (RFC 9112 9.3.1; what browsers do): nginx closes idle keep-alive
 *  connections of old workers at a reload, and a request can cross that close. Counted in `retries`. */
function getOnce(
  port: number,
  urlPath: string,
  agent: http.Agent,
): Promise<{ status: number; body: string; retried: boolean }> {
  const attempt = (retry: boolean): Promise<{ status: number; body: string; retried: boolean }> =>
    new Promise((resolve, reject) => {
      const req = http.get(
        { host: '127.0.0.1', port, path: urlPath, agent: retry ? false : agent },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, retried: retry }));
          res.on('error', reject);
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (!retry && req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
          attempt(true).then(resolve, reject);
        } else reject(error);
      });
    });
  return attempt(false);
}

/** Four clients sending requests one after another until stopped (two on keep-alive connections,
 *  two on a new connection each); records every answer that is not a 200 and every error. */
function requestLoop(port: number, urlPath: string) {
  let running = true;
  let ok = 0;
  let retries = 0;
  const failures: string[] = [];
  const agents = [new http.Agent({ keepAlive: true, maxSockets: 4 }), noKeepAlive];
  const loops = [0, 1, 2, 3].map(async (i) => {
    while (running) {
      try {
        const r = await getOnce(port, urlPath, agents[i % 2]!);
        if (r.retried) retries++;
        if (r.status === 200) ok++;
        else failures.push(`status ${r.status}: ${r.body.slice(0, 100)}`);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  });
  return {
    ok: () => ok,
    retries: () => retries,
    failures,
    async stop() {
      running = false;
      await Promise.all(loops);
      for (const agent of agents) agent.destroy();
    },
  };
}

describe.skipIf(unavailable !== null)('nginx driver: life cycle', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  const prefixes: string[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  afterAll(() => {
    for (const prefix of prefixes) {
      expect(nginxProcessesOf(prefix), `nginx left running in ${prefix}`).toEqual([]);
    }
  });

  it('starts nginx, serves the table and confirms each sequence', async () => {
    const a = await startUpstream('a');
    cleanup.push(() => a.close());
    const n = await nginxDriver(cleanup);
    prefixes.push(n.prefix);
    const listeners = await n.driver.start(appTable([a]), 1);
    expect(listeners.http.port).toBe(n.port);
    const r = await send(n.port, '/o/shop/hello?x=1');
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ upstream: 'a', url: '/hello?x=1' });
    expect(n.driver.status()).toMatchObject({ kind: 'nginx', seq: 1 });
    const [master] = n.driver.status().processes;
    expect(mastersOf(n.prefix)).toEqual([master!.pid]);

    await n.driver.apply(appTable([a], '2'), 2);
    expect((await send(n.port, '/ping')).body.toString()).toBe('pong2');
    expect(n.driver.status().seq).toBe(2);

    await n.driver.close();
    expect(nginxProcessesOf(n.prefix)).toEqual([]);
  });

  it('refuses a configuration nginx -t rejects; the old one keeps serving', async () => {
    const a = await startUpstream('a');
    cleanup.push(() => a.close());
    let broken = false;
    const n = await nginxDriver(cleanup, {
      mangleConfig: (text) => (broken ? text.replace('http {', 'http {\n  no_such_directive on;') : text),
    });
    prefixes.push(n.prefix);
    await n.driver.start(appTable([a]), 1);
    const loop = requestLoop(n.port, '/o/shop/x');
    broken = true;
    const error = await n.driver.apply(appTable([a], 'broken'), 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayApplyError);
    expect((error as GatewayApplyError).detail).toContain('no_such_directive');
    expect(n.driver.status().seq).toBe(1);
    expect((await send(n.port, '/ping')).body.toString()).toBe('pong');
    // The refused directory is gone; the serving one is the link's target.
    const current = fs.readlinkSync(path.join(n.prefix, 'current'));
    expect(fs.readdirSync(path.join(n.prefix, 'conf'))).toEqual([path.basename(current)]);
    broken = false;
    await n.driver.apply(appTable([a], '3'), 3);
    expect((await send(n.port, '/ping')).body.toString()).toBe('pong3');
    await loop.stop();
    expect(loop.failures).toEqual([]);
    expect(loop.ok()).toBeGreaterThan(0);
  });

  it('fails an apply whose workers never confirm (nginx -t passed, the reload did not); the old one serves', async () => {
    const a = await startUpstream('a');
    cleanup.push(() => a.close());
    // nginx -t does not bind ports: a listener on a port that is taken passes it, and the reload fails.
    const busy = http.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => busy.close(() => resolve())));
    const busyPort = (busy.address() as import('node:net').AddressInfo).port;
    let taken = false;
    const n = await nginxDriver(cleanup, {
      applyTimeoutMs: 2_000,
      mangleConfig: (text) =>
        taken
          ? text.replace('http {', `http {\n  server { listen 127.0.0.1:${busyPort}; return 200; }`)
          : text,
    });
    prefixes.push(n.prefix);
    await n.driver.start(appTable([a]), 1);
    const before = fs.readlinkSync(path.join(n.prefix, 'current'));
    taken = true;
    await expect(n.driver.apply(appTable([a], 'never'), 2)).rejects.toBeInstanceOf(GatewayApplyError);
    expect(fs.readlinkSync(path.join(n.prefix, 'current'))).toBe(before);
    expect(n.driver.status().seq).toBe(1);
    expect((await send(n.port, '/ping', { agent: false })).body.toString()).toBe('pong');
    taken = false;
    await n.driver.apply(appTable([a], '3'), 3);
    expect((await send(n.port, '/ping', { agent: false })).body.toString()).toBe('pong3');
  });

  it('a bad table is refused before nginx sees it', async () => {
    const n = await nginxDriver(cleanup);
    prefixes.push(n.prefix);
    await n.driver.start(table([]), 1);
    const bad = table([
      {
        id: 'x',
        match: { pathPrefix: '/x/' },
        target: {
          kind: 'proxy',
          upstreams: [{ id: 'i', host: '127.0.0.1; evil', port: 80 }],
          stripPrefix: true,
        },
      },
    ]);
    await expect(n.driver.apply(bad, 2)).rejects.toBeInstanceOf(GatewayApplyError);
    await expect(n.driver.apply({ ...table([]), format: 9 as 1 }, 3)).rejects.toBeInstanceOf(
      GatewayApplyError,
    );
    expect(n.driver.status().seq).toBe(1);
  });

  it('keeps serving when the driver closes with keepServing; a new driver adopts the master', async () => {
    const a = await startUpstream('a');
    const b = await startUpstream('b');
    cleanup.push(
      () => a.close(),
      () => b.close(),
    );
    const n = await nginxDriver(cleanup);
    prefixes.push(n.prefix);
    await n.driver.start(appTable([a]), 1);
    const pid = n.driver.status().processes[0]!.pid;
    const loop = requestLoop(n.port, '/o/shop/x');
    await n.driver.close({ keepServing: true });
    // berthd is gone: nginx answers on its own.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await send(n.port, '/o/shop/y')).json().upstream).toBe('a');

    const next = n.again();
    cleanup.push(() => next.close());
    await next.start(appTable([b]), 2);
    expect(next.status().processes[0]!.pid).toBe(pid);
    expect(mastersOf(n.prefix)).toEqual([pid]);
    await waitFor(async () => (await send(n.port, '/o/shop/z')).json().upstream === 'b');
    await loop.stop();
    expect(loop.failures).toEqual([]);
    await next.close();
    expect(mastersOf(n.prefix)).toEqual([]);
  });

  it('apps answer throughout a kill -9 of berthd and its restart; the next berthd adopts nginx', async () => {
    const a = await startUpstream('a');
    cleanup.push(() => a.close());
    const n = await nginxDriver(cleanup);
    prefixes.push(n.prefix);
    const fixture = fileURLToPath(new URL('./fixtures/berthd-with-nginx.ts', import.meta.url));
    const berthd = (label: string) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', fixture, n.prefix, String(n.port), String(a.port), label],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      cleanup.push(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      const ready = new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /ready (\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', (code) => reject(new Error(`berthd fixture exited with ${code}`)));
      });
      return { child, ready };
    };
    const first = berthd('first');
    const pid = await first.ready;
    const loop = requestLoop(n.port, '/o/shop/x');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await send(n.port, '/v', { agent: false })).body.toString()).toBe('first');
    const second = berthd('second');
    expect(await second.ready).toBe(pid);
    expect((await send(n.port, '/v', { agent: false })).body.toString()).toBe('second');
    await loop.stop();
    expect(loop.failures).toEqual([]);
    expect(loop.ok()).toBeGreaterThan(0);
    second.child.kill('SIGKILL');
    // The test's own driver object on the prefix adopts nginx too, and stops it at cleanup.
    await n.driver.start(appTable([a]), 3);
    expect(n.driver.status().processes[0]!.pid).toBe(pid);
  });

  it('starts the master again with the last good configuration when it dies', async () => {
    const a = await startUpstream('a');
    cleanup.push(() => a.close());
    const n = await nginxDriver(cleanup, { superviseIntervalMs: 100 });
    prefixes.push(n.prefix);
    await n.driver.start(appTable([a], '1'), 1);
    const pid = n.driver.status().processes[0]!.pid;
    await new Promise((resolve) => setTimeout(resolve, 300)); // the supervisor has seen the workers
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => {
      const now = mastersOf(n.prefix);
      return now.length === 1 && now[0] !== pid;
    }, 30_000).catch((error: unknown) => {
      const log = fs.readFileSync(path.join(n.prefix, 'logs', 'error.log'), 'utf8');
      throw new Error(`${String(error)}; masters ${mastersOf(n.prefix)}; error log: ${log.slice(-1500)}`);
    });
    await waitFor(
      async () => (await send(n.port, '/ping', { agent: false }).catch(() => null))?.status === 200,
    );
    expect((await send(n.port, '/ping', { agent: false })).body.toString()).toBe('pong1');
    expect(n.driver.status().processes[0]!.pid).toBe(mastersOf(n.prefix)[0]);
  });

  it('applies 20 tables under load without a failed request', async () => {
    const ups = await Promise.all(['a', 'b', 'c'].map((name) => startUpstream(name)));
    cleanup.push(...ups.map((u) => () => u.close()));
    const n = await nginxDriver(cleanup);
    prefixes.push(n.prefix);
    await n.driver.start(appTable([ups[0]!]), 1);
    const loop = requestLoop(n.port, '/o/shop/load');
    for (let i = 2; i <= 21; i++) {
      await n.driver.apply(appTable([ups[i % 3]!, ups[(i + 1) % 3]!], String(i)), i);
    }
    await loop.stop();
    expect(loop.failures).toEqual([]);
    expect(loop.ok()).toBeGreaterThan(20);
    console.info(
      `20 applies under load: ${loop.ok()} answers, ${loop.retries()} sent again after a keep-alive close`,
    );
    expect(n.driver.status().seq).toBe(21);
    // The last good configurations are kept, older ones pruned.
    expect(fs.readdirSync(path.join(n.prefix, 'conf')).length).toBeLessThanOrEqual(3);
  });
});
