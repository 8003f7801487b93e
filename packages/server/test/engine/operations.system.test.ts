// Operations through the API on one app: failed deploys leave the previous release serving; config
// changes redeploy; rollback, promote, scale, restart, stop/start; instances; logs; cancel; limits.
import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDialects } from '../support/databases.ts';
import { type EngineFixture, json, packFiles, startEngineFixture, tinyApp } from './support.ts';

const yaml = (lines: string[]) => `${lines.join('\n')}\n`;
const web = (extra: string[] = [], count = 2) =>
  yaml([
    'runtime: node',
    'processes:',
    '  web:',
    '    command: node server.js',
    `    count: ${count}`,
    'health:',
    '  path: /healthz',
    '  startTimeout: 4s',
    ...extra,
  ]);

describe.each(systemDialects())('engine operations on %s', (dialect) => {
  let f: EngineFixture;
  const code = 'ops';
  beforeAll(async () => {
    f = await startEngineFixture(dialect, {
      BERTH_MAX_PACKAGE_SIZE: '64k',
      BERTH_KEEP_RELEASES: '3',
      BERTH_APPS_DOMAIN: 'apps.test',
    });
    await f.createApp(code);
  }, 60_000);
  afterAll(async () => f?.stop(), 60_000);

  it('refuses what cannot be done with stable codes', async () => {
    expect((await f.api('POST', `/api/v1/apps/${code}/envs/stag/restart`)).body.error.code).toBe(
      'NO_CURRENT_RELEASE',
    );
    expect((await f.api('POST', `/api/v1/apps/${code}/promote`, {})).body.error.code).toBe(
      'NO_CURRENT_RELEASE',
    );
    expect((await f.api('GET', `/api/v1/apps/${code}/envs/qa/releases`)).body.error.code).toBe(
      'ENV_NOT_FOUND',
    );
    expect((await f.api('GET', '/api/v1/deploys/dep_nothing')).body.error.code).toBe('DEPLOY_NOT_FOUND');
    expect((await f.api('GET', '/api/v1/apps/nosuchapp/envs/stag/deploys')).body.error.code).toBe(
      'APP_NOT_FOUND',
    );
    const anonymous = await fetch(`${f.t.url}/api/v1/apps/${code}/envs/stag/deploys`, {
      method: 'POST',
      headers: { 'content-type': 'application/gzip' },
      body: 'x',
    });
    expect(anonymous.status).toBe(401);
  });

  it('refuses a package over BERTH_MAX_PACKAGE_SIZE and keeps nothing', async () => {
    const big = Buffer.alloc(100 * 1024, 7);
    const res = await fetch(`${f.t.url}/api/v1/apps/${code}/envs/stag/deploys`, {
      method: 'POST',
      headers: { cookie: `${f.t.cookieName}=${f.cookie}`, 'content-type': 'application/octet-stream' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect((await json(res)).error.code).toBe('PAYLOAD_TOO_LARGE');
    // Without a length up front (chunked), the limit applies while streaming.
    const chunks = Array.from({ length: 20 }, () => Buffer.alloc(8 * 1024, 1));
    const chunked = await fetch(`${f.t.url}/api/v1/apps/${code}/envs/stag/deploys`, {
      method: 'POST',
      headers: { cookie: `${f.t.cookieName}=${f.cookie}`, 'content-type': 'application/gzip' },
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next) controller.enqueue(next);
          else controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await json(chunked)).error.code).toBe('PAYLOAD_TOO_LARGE');
    const asJson = await f.api('POST', `/api/v1/apps/${code}/envs/stag/deploys`, { not: 'a package' });
    expect(asJson.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const dir = path.join(f.t.dataDir, 'packages');
    expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([]);
    expect((await f.api('GET', `/api/v1/apps/${code}/envs/stag/deploys`)).body.deploys).toEqual([]);
  });

  it('deploys v1 and serves it at /t/{code}/', async () => {
    const deploy = await f.deploy(
      code,
      'stag',
      await tinyApp({ text: 'one', berthYaml: web(['env:', '  TEXT: one']) }),
    );
    expect(deploy).toMatchObject({ kind: 'build', status: 'succeeded', release: 1, createdBy: 'admin' });
    expect((await f.get(`/t/${code}/`)).text).toBe('one v1');
    // prod has no release yet: the app exists, nothing serves it.
    expect((await f.get(`/o/${code}/`)).status).toBe(503);
    // With BERTH_APPS_DOMAIN, stag is also served at {code}-stag.{domain}.
    const byHost = await request(`${f.t.appsUrl}/`, { headers: { host: `${code}-stag.apps.test` } });
    expect(await byHost.body.text()).toBe('one v1');
    const logs = await f.logsOf(deploy.id);
    expect(logs).toContain('Building v1');
    expect(logs).toContain('v1 is serving');
    const audit = await f.api('GET', '/api/v1/audit?action=deploy.');
    expect(audit.body.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'deploy.build', targetId: code, actorName: 'admin' }),
      ]),
    );
    const env = await f.get(`/t/${code}/env/BERTH_URL_PREFIX`);
    expect(env.text).toBe(`/t/${code}`);
    expect((await f.get(`/t/${code}/env/BERTH_APP_CODE`)).text).toBe(code);
    const secret = await f.api('GET', `/api/v1/apps/${code}/secret`);
    expect((await f.get(`/t/${code}/env/BERTH_APP_SECRET`)).text).toBe(secret.body.secret);
    // Where the app is, where its users log in, and where its server reaches berthd's API.
    expect((await f.get(`/t/${code}/env/BERTH_APP_URL`)).text).toBe(`${f.t.appsUrl}/t/${code}/`);
    expect((await f.get(`/t/${code}/env/BERTH_CONSOLE_URL`)).text).toBe(f.t.url);
    expect((await f.get(`/t/${code}/env/BERTH_API_URL`)).text).toBe(f.t.url);
    // And the API gateway, where the gateway serves calls itself: the apps port.
    expect((await f.get(`/t/${code}/env/BERTH_APIGW_URL`)).text).toBe(f.t.appsUrl);
  }, 60_000);

  it('a failing health check leaves the previous release serving', async () => {
    const pkg = await tinyApp({ berthYaml: web(['env:', '  TEXT: sick', '  UNHEALTHY: "1"']) });
    const created = await f.upload(code, 'stag', pkg);
    const done = await f.waitDeploy(created.id);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(/health check/);
    expect(await f.logsOf(done.id)).toContain('The previous release (v1) keeps serving');
    expect((await f.get(`/t/${code}/`)).text).toBe('one v1');
    const instances = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/instances`)).body.instances;
    expect(instances.map((i: { release: number }) => i.release)).toEqual([1, 1]);
    const releases = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/releases`)).body.releases;
    expect(releases.map((r: { version: number; status: string }) => [r.version, r.status])).toEqual([
      [2, 'failed'],
      [1, 'ready'],
    ]);
  }, 60_000);

  it('a failing release command leaves the previous release serving', async () => {
    const pkg = await tinyApp({
      berthYaml: web(['release: node migrate.js', 'env:', '  TEXT: broken']),
      extra: { 'migrate.js': "console.log('migrating'); process.exit(3);" },
    });
    const created = await f.upload(code, 'stag', pkg);
    const done = await f.waitDeploy(created.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'RELEASE_COMMAND_FAILED' });
    expect(done.error?.message).toMatch(/release command exited with code 3/);
    expect(await f.logsOf(done.id)).toContain('migrating');
    expect((await f.get(`/t/${code}/`)).text).toBe('one v1');
  }, 60_000);

  it('masks secret config values and the app secret in the release command output', async () => {
    const other = 'ops-mask';
    await f.createApp(other);
    const secret = 'hunter2-release-secret';
    const set = await f.api('PATCH', `/api/v1/apps/${other}/envs/stag/config`, {
      set: [{ name: 'DB_PASSWORD', value: secret, secret: true }],
    });
    expect(set.status).toBe(200);
    const pkg = await tinyApp({
      berthYaml: web(['release: node migrate.js']),
      extra: {
        'migrate.js':
          "console.log('password=' + process.env.DB_PASSWORD); console.log('app secret ' + process.env.BERTH_APP_SECRET);",
      },
    });
    const done = await f.waitDeploy((await f.upload(other, 'stag', pkg)).id);
    expect(done.status).toBe('succeeded');
    const log = await f.logsOf(done.id);
    expect(log).toContain('password=********');
    expect(log).toContain('app secret ********');
    expect(log).not.toContain(secret);
  }, 60_000);

  it('a config change makes a new release and redeploys it', async () => {
    const res = await f.api('PATCH', `/api/v1/apps/${code}/envs/stag/config`, {
      set: [{ name: 'TEXT', value: 'two', secret: true }],
    });
    expect(res.status).toBe(200);
    const deploys = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/deploys`)).body.deploys;
    expect(deploys[0]).toMatchObject({ kind: 'config' });
    const done = await f.waitDeploy(deploys[0].id);
    expect(done).toMatchObject({ status: 'succeeded', release: 4 });
    expect((await f.get(`/t/${code}/`)).text).toBe('two v4');
    const releases = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/releases`)).body.releases;
    expect(releases[0]).toMatchObject({ version: 4, source: 'config', current: true, processes: { web: 2 } });
  }, 60_000);

  it('rolls back to a kept version, and by default to the one before the current', async () => {
    const res = await f.api('POST', `/api/v1/apps/${code}/envs/stag/rollback`, { version: 1 });
    expect(res.status).toBe(202);
    expect(res.body.deploy).toMatchObject({
      kind: 'rollback',
      status: expect.stringMatching(/queued|running/),
    });
    expect((await f.waitDeploy(res.body.deploy.id)).status).toBe('succeeded');
    // v1's config snapshot had no TEXT var: the manifest default is back.
    expect((await f.get(`/t/${code}/`)).text).toBe('one v5');
    // Without a body at all: the default target.
    const back = await f.api('POST', `/api/v1/apps/${code}/envs/stag/rollback`);
    expect(back.status).toBe(202);
    expect((await f.waitDeploy(back.body.deploy.id)).status).toBe('succeeded');
    expect((await f.get(`/t/${code}/`)).text).toBe('two v6');
    expect(
      (await f.api('POST', `/api/v1/apps/${code}/envs/stag/rollback`, { version: 99 })).body.error.code,
    ).toBe('RELEASE_NOT_FOUND');
  }, 60_000);

  it('promotes stag to prod with prod config', async () => {
    const res = await f.api('POST', `/api/v1/apps/${code}/promote`, {});
    expect(res.status).toBe(202);
    expect(res.body.deploy).toMatchObject({ env: 'prod', kind: 'promote' });
    expect((await f.waitDeploy(res.body.deploy.id)).status).toBe('succeeded');
    expect((await f.get(`/o/${code}/`)).text).toBe('one v1');
    const releases = (await f.api('GET', `/api/v1/apps/${code}/envs/prod/releases`)).body.releases;
    expect(releases).toMatchObject([{ version: 1, source: 'promote', current: true }]);
  }, 60_000);

  it('scales, restarts, lists instances, stops and starts', async () => {
    const unknown = await f.api('PUT', `/api/v1/apps/${code}/envs/stag/formation`, {
      processes: { clock: 1 },
    });
    expect(unknown.body.error.code).toBe('PROCESS_TYPE_UNKNOWN');
    const before = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/instances`)).body.instances;
    const scale = await f.api('PUT', `/api/v1/apps/${code}/envs/stag/formation`, { processes: { web: 3 } });
    expect(scale.status).toBe(202);
    expect((await f.waitDeploy(scale.body.deploy.id)).status).toBe('succeeded');
    const scaled = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/instances`)).body.instances;
    expect(scaled).toHaveLength(3);
    // Scaling up keeps the instances that ran already.
    for (const i of before) expect(scaled.map((s: { id: string }) => s.id)).toContain(i.id);
    for (const i of scaled) {
      expect(i).toMatchObject({ processType: 'web', release: 6, state: 'running', healthy: true });
      expect(i.address).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    const releases = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/releases`)).body.releases;
    expect(releases[0].processes).toEqual({ web: 3 });

    const restart = await f.api('POST', `/api/v1/apps/${code}/envs/stag/restart`);
    expect((await f.waitDeploy(restart.body.deploy.id)).status).toBe('succeeded');
    const restarted = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/instances`)).body.instances;
    expect(restarted).toHaveLength(3);
    for (const i of restarted) expect(scaled.map((s: { id: string }) => s.id)).not.toContain(i.id);
    expect((await f.get(`/t/${code}/`)).text).toBe('two v6');

    const stop = await f.api('POST', `/api/v1/apps/${code}/envs/stag/stop`);
    expect((await f.waitDeploy(stop.body.deploy.id)).status).toBe('succeeded');
    expect((await f.api('GET', `/api/v1/apps/${code}/envs/stag/instances`)).body.instances).toEqual([]);
    expect((await f.get(`/t/${code}/`)).status).toBe(503);
    expect((await f.get(`/o/${code}/`)).text).toBe('one v1');

    const start = await f.api('POST', `/api/v1/apps/${code}/envs/stag/start`);
    expect((await f.waitDeploy(start.body.deploy.id)).status).toBe('succeeded');
    expect((await f.get(`/t/${code}/`)).text).toBe('two v6');
    expect((await f.api('GET', `/api/v1/apps/${code}/envs/stag/instances`)).body.instances).toHaveLength(3);

    // More new instances than start side by side (8): a restart replaces every one, all healthy.
    const many = await f.api('PUT', `/api/v1/apps/${code}/envs/stag/formation`, { processes: { web: 11 } });
    expect((await f.waitDeploy(many.body.deploy.id)).status).toBe('succeeded');
    const again = await f.api('POST', `/api/v1/apps/${code}/envs/stag/restart`);
    expect((await f.waitDeploy(again.body.deploy.id)).status).toBe('succeeded');
    const eleven = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/instances`)).body.instances;
    expect(eleven).toHaveLength(11);
    expect(new Set(eleven.map((i: { address: string }) => i.address)).size).toBe(11);
    for (const i of eleven) expect(i).toMatchObject({ release: 6, state: 'running', healthy: true });
    const back = await f.api('PUT', `/api/v1/apps/${code}/envs/stag/formation`, { processes: { web: 3 } });
    expect((await f.waitDeploy(back.body.deploy.id)).status).toBe('succeeded');
    expect((await f.api('GET', `/api/v1/apps/${code}/envs/stag/instances`)).body.instances).toHaveLength(3);
  }, 120_000);

  it('queries and follows app logs', async () => {
    await f.get(`/t/${code}/marker-query`);
    let lines: Array<{ line: string; process: string; stream: string; instance: string }> = [];
    for (let i = 0; i < 50 && lines.length === 0; i++) {
      lines = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/logs?q=marker-query`)).body.lines;
      if (lines.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ line: 'request /marker-query', process: 'web', stream: 'stdout' });

    const controller = new AbortController();
    const res = await fetch(`${f.t.url}/api/v1/apps/${code}/envs/stag/logs?follow=true&q=marker-follow`, {
      headers: { cookie: `${f.t.cookieName}=${f.cookie}` },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/ndjson/);
    const reader = res.body!.getReader();
    await f.get(`/t/${code}/marker-follow`);
    let text = '';
    const decoder = new TextDecoder();
    while (!text.includes('\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    controller.abort();
    expect(JSON.parse(text.split('\n')[0]!)).toMatchObject({
      line: 'request /marker-follow',
      process: 'web',
    });
  }, 30_000);

  it('cancels a queued and a running deploy; the current release keeps serving', async () => {
    const slow = await packFiles({
      'package.json': JSON.stringify({ name: 'slow', version: '1.0.0', private: true }),
      'server.js':
        'require("node:http").createServer((q, s) => s.end("slow")).listen(Number(process.env.PORT));',
      'sleep.js': 'setTimeout(() => {}, 60000);',
      'berth.yaml': yaml(['runtime: node', 'build: node sleep.js', 'processes:', '  web: node server.js']),
    });
    const running = await f.upload(code, 'stag', slow);
    const queued = await f.upload(code, 'stag', slow);
    for (let i = 0; i < 100; i++) {
      if ((await f.api('GET', `/api/v1/deploys/${running.id}`)).body.deploy.status === 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await f.api('GET', `/api/v1/deploys/${queued.id}`)).body.deploy.status).toBe('queued');
    const c1 = await f.api('POST', `/api/v1/deploys/${queued.id}/cancel`);
    expect(c1.body.deploy.status).toBe('cancelled');
    const c2 = await f.api('POST', `/api/v1/deploys/${running.id}/cancel`);
    expect(c2.status).toBe(200);
    expect((await f.waitDeploy(running.id)).status).toBe('cancelled');
    expect((await f.api('POST', `/api/v1/deploys/${running.id}/cancel`)).body.error.code).toBe(
      'JOB_NOT_CANCELLABLE',
    );
    expect((await f.get(`/t/${code}/`)).text).toBe('two v6');
  }, 60_000);

  it('prunes artifacts beyond BERTH_KEEP_RELEASES but never one a kept release uses', async () => {
    const res = await f.api('POST', `/api/v1/apps/${code}/envs/stag/rollback`, { version: 4 });
    expect((await f.waitDeploy(res.body.deploy.id)).status).toBe('succeeded');
    // v7: the cancelled build before took no release number.
    expect((await f.get(`/t/${code}/`)).text).toBe('two v7');
    const rows = await f.t.berthd.store.db
      .selectFrom('releases')
      .select(['version', 'pruned', 'out_dir'])
      .where('app_code', '=', code)
      .where('env', '=', 'stag')
      .orderBy('version')
      .execute();
    const byVersion = new Map(rows.map((r) => [Number(r.version), r]));
    // The last 3 releases with artifacts are v7 (= v4's artifact), v6 and v5 (= v1's): v2 and v3 go.
    expect(rows.filter((r) => Number(r.pruned) === 1).map((r) => Number(r.version))).toEqual([2, 3]);
    expect(fs.existsSync(byVersion.get(2)!.out_dir!)).toBe(false);
    expect(fs.existsSync(byVersion.get(1)!.out_dir!)).toBe(true);
    expect(fs.existsSync(byVersion.get(4)!.out_dir!)).toBe(true);
    // v1's artifact also serves prod (promoted): it stays whatever stag does.
    expect((await f.get(`/o/${code}/`)).text).toBe('one v1');
    const pruned = await f.api('POST', `/api/v1/apps/${code}/envs/stag/rollback`, { version: 2 });
    expect(pruned.body.error.code).toBe('RELEASE_PRUNED');
  }, 60_000);

  it('runs workers next to web instances, and fails a deploy whose worker crashes', async () => {
    await f.createApp('wk');
    const files = (worker: string) =>
      packFiles({
        'package.json': JSON.stringify({ name: 'wk', version: '1.0.0', private: true }),
        'server.js':
          'require("node:http").createServer((q, s) => s.end("web")).listen(Number(process.env.PORT));',
        'worker.js': worker,
        'berth.yaml': yaml([
          'runtime: node',
          'processes:',
          '  web: node server.js',
          '  worker: node worker.js',
          'health:',
          '  startTimeout: 5s',
        ]),
      });
    await f.deploy('wk', 'stag', await files('console.log("working"); setInterval(() => {}, 1000);'));
    const instances = (await f.api('GET', '/api/v1/apps/wk/envs/stag/instances')).body.instances;
    expect(
      instances.map((i: { processType: string; healthy: boolean }) => [i.processType, i.healthy]),
    ).toEqual([
      ['web', true],
      ['worker', true],
    ]);
    expect(instances[1].address).toBeUndefined();
    const created = await f.upload('wk', 'stag', await files('console.error("boom"); process.exit(1);'));
    const done = await f.waitDeploy(created.id);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(/worker-1.*(crash|backoff|crashloop)/);
    expect((await f.get('/t/wk/')).text).toBe('web');
    const after = (await f.api('GET', '/api/v1/apps/wk/envs/stag/instances')).body.instances;
    expect(after.map((i: { release: number }) => i.release)).toEqual([1, 1]);
  }, 60_000);

  it('deleting an app stops it and drops its releases', async () => {
    expect((await f.get('/t/wk/')).status).toBe(200);
    expect((await f.api('DELETE', '/api/v1/apps/wk')).status).toBe(204);
    expect((await f.get('/t/wk/')).status).toBe(404);
    expect(await f.t.berthd.runtime.list({ app: 'wk' })).toEqual([]);
    expect(fs.existsSync(path.join(f.t.dataDir, 'releases', 'wk'))).toBe(false);
    await f.createApp('wk');
    expect((await f.api('GET', '/api/v1/apps/wk/envs/stag/releases')).body.releases).toEqual([]);
    expect((await f.api('GET', '/api/v1/apps/wk/envs/stag/deploys')).body.deploys).toEqual([]);
  }, 30_000);

  it('lets readers read and only writers deploy', async () => {
    const password = 'a-long-test-password-9';
    for (const [username, role] of [
      ['dev1', 'developer'],
      ['aud1', 'auditor'],
    ] as const) {
      expect((await f.api('POST', '/api/v1/users', { username, password, role })).status).toBe(201);
    }
    const dev = await f.t.login('dev1', password);
    const aud = await f.t.login('aud1', password);
    const as = async (cookie: string, method: string, p: string, body?: unknown) =>
      (await f.t.api(method, p, { cookie, ...(body === undefined ? {} : { body }) })).body;
    // A developer who is not a member does not see the app, its deploys or its instances.
    expect((await as(dev, 'GET', `/api/v1/apps/${code}/envs/stag/deploys`)).error.code).toBe('APP_NOT_FOUND');
    expect((await as(dev, 'POST', `/api/v1/apps/${code}/envs/stag/restart`)).error.code).toBe(
      'APP_NOT_FOUND',
    );
    const deploys = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/deploys`)).body.deploys;
    expect((await as(dev, 'GET', `/api/v1/deploys/${deploys[0].id}`)).error.code).toBe('DEPLOY_NOT_FOUND');
    // An auditor reads everything but changes nothing.
    expect((await as(aud, 'GET', `/api/v1/apps/${code}/envs/stag/releases`)).releases.length).toBeGreaterThan(
      0,
    );
    expect((await as(aud, 'GET', `/api/v1/deploys/${deploys[0].id}/logs`)).lines.length).toBeGreaterThan(0);
    expect((await as(aud, 'POST', `/api/v1/apps/${code}/envs/stag/restart`)).error.code).toBe('FORBIDDEN');
    expect((await as(aud, 'POST', `/api/v1/apps/${code}/envs/stag/rollback`, {})).error.code).toBe(
      'FORBIDDEN',
    );
    const upload = await fetch(`${f.t.url}/api/v1/apps/${code}/envs/stag/deploys`, {
      method: 'POST',
      headers: { cookie: `${f.t.cookieName}=${aud}`, 'content-type': 'application/gzip' },
      body: await tinyApp(),
    });
    expect((await json(upload)).error.code).toBe('FORBIDDEN');
    // Once a member, the developer deploys.
    expect((await f.api('POST', `/api/v1/apps/${code}/members`, { username: 'dev1' })).status).toBe(204);
    const restart = await f.t.api('POST', `/api/v1/apps/${code}/envs/stag/restart`, { cookie: dev });
    expect(restart.status).toBe(202);
    expect(restart.body.deploy.createdBy).toBe('dev1');
    expect((await f.waitDeploy(restart.body.deploy.id)).status).toBe('succeeded');
  }, 60_000);
});
