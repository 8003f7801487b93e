// kill -9 of berthd: the apps keep running and serve again through the next berthd on the same data
// dir without operator action; a deploy interrupted mid-build is taken over and ends, never stuck.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from '../jobs/processes.ts';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/databases.ts';
import { ADMIN_PASSWORD, loginCookieHeader } from '../support/harness.ts';
import { json, packFiles, tinyApp } from './support.ts';

const FIXTURE = '../../engine/fixtures/berthd.ts';

describe.each(testDialects())('kill -9 on %s', (dialect) => {
  let db: TestDatabase | undefined;
  let dataDir: string | undefined;
  const running: Fixture[] = [];
  afterAll(async () => {
    for (const p of running)
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await db?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the app serves again after berthd is killed, and an interrupted deploy finishes', async () => {
    db = await createTestDatabase(dialect);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-kill-'));
    const env = {
      BERTH_PORT: '0',
      BERTH_HOST: '127.0.0.1',
      BERTH_DATA_DIR: dataDir,
      BERTH_DATABASE_URL: db.config.dialect === 'sqlite' ? `sqlite:${db.config.file}` : db.config.url,
      BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
      BERTH_LOG_LEVEL: 'silent',
      BERTH_JOB_POLL: '100ms',
      BERTH_JOB_LEASE: '2s',
      BERTH_DRAIN: '200ms',
    };
    const start = async () => {
      const p = startFixture(FIXTURE, env);
      running.push(p);
      const [url, appsUrl] = (await p.line('ready ', 60_000)).slice('ready '.length).trim().split(' ');
      const cookie = await loginCookieHeader(url!, 'admin', ADMIN_PASSWORD);
      // biome-ignore lint/suspicious/noExplicitAny: wire JSON
      const api = async (method: string, p2: string, body?: unknown): Promise<any> => {
        const res = await fetch(url + p2, {
          method,
          headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return json(res);
      };
      const upload = async (pkg: Buffer) => {
        const res = await fetch(`${url}/api/v1/apps/k9/envs/stag/deploys`, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/gzip' },
          body: pkg,
        });
        return (await json(res)).deploy;
      };
      const waitFor = async (id: string, statuses: string[], timeoutMs = 90_000) => {
        const until = Date.now() + timeoutMs;
        for (;;) {
          const deploy = (await api('GET', `/api/v1/deploys/${id}`)).deploy;
          if (statuses.includes(deploy.status)) return deploy;
          if (Date.now() > until) throw new Error(`deploy ${id} is ${deploy.status}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      const get = async (p2: string) => {
        const res = await fetch(appsUrl + p2);
        return { status: res.status, text: await res.text() };
      };
      /** Waits until the app answers 200. */
      const serves = async (timeoutMs = 60_000) => {
        const until = Date.now() + timeoutMs;
        for (;;) {
          const res = await get('/t/k9/').catch(() => ({ status: 0, text: '' }));
          if (res.status === 200) return res.text;
          if (Date.now() > until) throw new Error(`the app does not serve: ${res.status} ${res.text}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      return { p, url, api, upload, waitFor, get, serves };
    };

    // 1. Deploy, then kill berthd while the app serves.
    const a = await start();
    expect((await a.api('POST', '/api/v1/apps', { code: 'k9', name: 'k9' })).app.code).toBe('k9');
    const first = await a.upload(await tinyApp({ text: 'alive' }));
    expect((await a.waitFor(first.id, ['succeeded', 'failed'])).status).toBe('succeeded');
    expect(await a.serves()).toBe('alive v1');
    const before = (await a.api('GET', '/api/v1/apps/k9/envs/stag/instances')).instances.map(
      (i: { id: string }) => i.id,
    );
    a.p.child.kill('SIGKILL');
    await a.p.exited;

    // 2. The next berthd adopts the running instances and serves them again.
    const b = await start();
    expect(await b.serves()).toBe('alive v1');
    const adopted = (await b.api('GET', '/api/v1/apps/k9/envs/stag/instances')).instances;
    expect(adopted.map((i: { id: string }) => i.id).sort()).toEqual([...before].sort());

    // 3. Kill berthd in the middle of a deploy (its build sleeps).
    const slow = await packFiles({
      'package.json': JSON.stringify({ name: 'slow', version: '1.0.0', private: true }),
      'server.js': `require('node:http').createServer((q, s) => s.end(q.url === '/healthz' ? 'ok' : 'slow v' + process.env.BERTH_RELEASE)).listen(Number(process.env.PORT), '127.0.0.1');`,
      'sleep.js': 'setTimeout(() => {}, 2500);',
      'berth.yaml':
        'runtime: node\nbuild: node sleep.js\nprocesses:\n  web: node server.js\nhealth:\n  path: /healthz\n',
    });
    const second = await b.upload(slow);
    await b.waitFor(second.id, ['running']);
    await new Promise((r) => setTimeout(r, 800));
    b.p.child.kill('SIGKILL');
    await b.p.exited;

    // 4. The next berthd serves the app at once and takes the deploy over when its lease runs out.
    const c = await start();
    expect(['alive v1', 'slow v2']).toContain(await c.serves());
    const ended = await c.waitFor(second.id, ['succeeded', 'failed', 'cancelled']);
    expect(['succeeded', 'failed']).toContain(ended.status);
    const log = (await c.api('GET', `/api/v1/deploys/${second.id}/logs`)).lines.map(
      (l: { line: string }) => l.line,
    );
    expect(log).toContain('-----> Resuming (attempt 2)');
    const text = await c.serves();
    expect(text).toBe(ended.status === 'succeeded' ? 'slow v2' : 'alive v1');
    const instances = (await c.api('GET', '/api/v1/apps/k9/envs/stag/instances')).instances;
    expect(instances.every((i: { healthy: boolean }) => i.healthy)).toBe(true);

    // Clean up: stop the app through the API, then berthd.
    const stop = await c.api('POST', '/api/v1/apps/k9/envs/stag/stop');
    await c.waitFor(stop.deploy.id, ['succeeded', 'failed']);
    c.p.child.kill('SIGTERM');
    await c.p.exited;
  }, 200_000);
});
