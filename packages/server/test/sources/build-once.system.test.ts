// Build once: a deploy of a source that was built before (the same package bytes, the same commit)
// reuses the build's artifact instead of building again, in the same environment and in another;
// every build is a record of its own; a pinned manifest is enforced on what is built.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineFixture, startEngineFixture, tinyApp } from '../engine/support.ts';
import { systemDialects } from '../support/databases.ts';

describe.each(systemDialects())('build once (%s)', (dialect) => {
  let f: EngineFixture;

  beforeAll(async () => {
    f = await startEngineFixture(dialect);
  }, 60_000);
  afterAll(async () => {
    await f?.stop();
  });

  it('deploys the same package again and to prod without a second build', async () => {
    await f.createApp('once');
    const pkg = await tinyApp({ text: 'once' });
    const first = await f.deploy('once', 'stag', pkg);
    expect(first.origin).toMatchObject({ type: 'package' });
    expect(first.origin.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.buildId).toMatch(/^bld_/);
    expect(await f.logsOf(first.id)).toContain(`(build ${first.buildId})`);

    const again = await f.deploy('once', 'stag', pkg);
    const againLog = await f.logsOf(again.id);
    expect(againLog).toContain(`Reusing build ${first.buildId}`);
    expect(againLog).not.toContain('Building v');
    expect(again.buildId).toBe(first.buildId);
    expect((await f.get('/t/once/')).text).toBe(`once v${again.release}`);

    const prod = await f.deploy('once', 'prod', pkg);
    expect(await f.logsOf(prod.id)).toContain(`Reusing build ${first.buildId}`);
    expect((await f.get('/o/once/')).text).toBe('once v1');

    const builds = await f.api('GET', '/api/v1/apps/once/builds');
    expect(builds.status).toBe(200);
    expect(builds.body.builds).toHaveLength(1);
    expect(builds.body.builds[0]).toMatchObject({
      id: first.buildId,
      status: 'succeeded',
      env: 'stag',
      deployId: first.id,
      release: 1,
      reused: 2,
      origin: first.origin,
    });
    const releases = await f.api('GET', '/api/v1/apps/once/envs/prod/releases');
    expect(releases.body.releases[0]).toMatchObject({
      source: 'package',
      buildId: first.buildId,
      origin: first.origin,
    });
  }, 180_000);

  it('builds a different package anew, and records a failed build as failed', async () => {
    await f.createApp('twice');
    const a = await f.deploy('twice', 'stag', await tinyApp({ text: 'a' }));
    const b = await f.deploy('twice', 'stag', await tinyApp({ text: 'b' }));
    expect(b.buildId).not.toBe(a.buildId);
    const broken = await f.upload(
      'twice',
      'stag',
      await tinyApp({
        berthYaml: 'runtime: node\nprocesses:\n  web:\n    command: node server.js\nbuild: exit 3\n',
      }),
    );
    const done = await f.waitDeploy(broken.id);
    expect(done.status).toBe('failed');
    const builds = (await f.api('GET', '/api/v1/apps/twice/builds')).body.builds;
    expect(builds.map((x: { status: string }) => x.status)).toEqual(['failed', 'succeeded', 'succeeded']);
    expect((await f.get('/t/twice/')).text).toBe('b v2');
  }, 180_000);

  it('gives a source without berth.yaml the pinned manifest and refuses one that changes pinned fields', async () => {
    await f.createApp('pinned');
    const manifest =
      'runtime: node\nprocesses:\n  web:\n    command: node server.js\n    count: 1\nhealth:\n  path: /healthz\nenv:\n  TEXT: pinned\n';
    const pin = await f.api('PUT', '/api/v1/apps/pinned/source/pin', {
      manifest,
      fields: ['processes', 'health'],
    });
    expect(pin.status, JSON.stringify(pin.body)).toBe(200);
    expect(pin.body.source.pin).toMatchObject({ fields: ['processes', 'health'], pinnedBy: 'admin' });

    // No berth.yaml: the pinned one is used (its env too).
    const bare = await tinyApp({ berthYaml: null });
    const ok = await f.deploy('pinned', 'stag', bare);
    expect(ok.status).toBe('succeeded');
    expect((await f.get('/t/pinned/')).text).toBe('pinned v1');

    // The same processes and health, another env: allowed (env is not pinned).
    const same = await f.deploy(
      'pinned',
      'stag',
      await tinyApp({
        berthYaml:
          'runtime: node\nenv:\n  TEXT: mine\nhealth:\n  path: /healthz\nprocesses:\n  web:\n    count: 1\n    command: node server.js\n',
      }),
    );
    expect(same.status).toBe('succeeded');

    const changed = await f.upload(
      'pinned',
      'stag',
      await tinyApp({
        berthYaml:
          'runtime: node\nprocesses:\n  web:\n    command: node server.js\n    count: 3\nhealth:\n  path: /healthz\n',
      }),
    );
    const refused = await f.waitDeploy(changed.id);
    expect(refused.status).toBe('failed');
    expect(refused.error.code).toBe('MANIFEST_PINNED');
    expect(refused.error.message).toContain('processes');
    expect(refused.error.message).not.toContain('health');
    expect((await f.get('/t/pinned/')).text).toBe('mine v2');
  }, 180_000);
});
