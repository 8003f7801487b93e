// kill -9 of berthd in the middle of a build on the Docker runtime: the build step's container and
// the build's scratch files do not outlive it — the next berthd removes them when it starts, and
// takes the deploy over at once. Needs BERTH_TEST_DOCKER=1 (the stack images are built on first use).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import type { Fixture } from '../jobs/processes.ts';
import { DOCKER_SKIP_REASON, dockerEnabled, removeAppNetworks } from '../runtime/docker-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { berthdTestEnv } from '../support/harness.ts';
import { killLeft, startKillable } from './killable.ts';
import { packFiles } from './support.ts';

const APP = 'dkdkill';

describe('kill -9 during a Docker build', () => {
  if (!dockerEnabled) {
    it.skip(`leaves no build container or scratch behind (skipped: ${DOCKER_SKIP_REASON})`, () => {});
    return;
  }
  const docker = new Docker();
  let db: TestDatabase | undefined;
  let dataDir: string | undefined;
  const running: Fixture[] = [];
  afterAll(async () => {
    killLeft(running);
    const left = await docker.listContainers({ all: true, filters: { label: [`berth.app=${APP}`] } });
    for (const c of left) await docker.getContainer(c.Id).remove({ force: true });
    await removeAppNetworks(docker, [APP]);
    await db?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('leaves no build container or scratch behind, and the deploy is taken over at once', async () => {
    db = await createTestDatabase('sqlite');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-dkill-'));
    const env = {
      ...berthdTestEnv(db, dataDir),
      BERTH_JOB_POLL: '100ms',
      BERTH_JOB_LEASE: '5m',
      BERTH_DRAIN: '200ms',
      BERTH_RUNTIME: 'docker',
      BERTH_STOP_GRACE: '2s',
    };
    const buildSteps = async () =>
      (await docker.listContainers({ all: true, filters: { label: [`berth.build-step=${APP}`] } })).map(
        (c) => c.Id,
      );
    const scratch = () => fs.readdirSync(path.join(dataDir!, 'tmp'));

    const a = await startKillable(env, APP, running);
    await a.api('POST', '/api/v1/apps', { code: APP, name: APP });
    const pkg = await packFiles({
      'package.json': JSON.stringify({ name: 'slow', version: '1.0.0', private: true }),
      'server.js': `require('node:http').createServer((q, s) => s.end(q.url === '/healthz' ? 'ok' : 'slow v' + process.env.BERTH_RELEASE)).listen(Number(process.env.PORT), '0.0.0.0');`,
      'sleep.js': 'setTimeout(() => {}, 60_000);',
      'berth.yaml':
        'runtime: node\nbuild: node sleep.js\nprocesses:\n  web: node server.js\nhealth:\n  path: /healthz\n',
    });
    const deploy = await a.upload(pkg);
    // Killed while the build command runs in its container.
    const deadline = Date.now() + 300_000;
    let steps = await buildSteps();
    while (steps.length === 0) {
      if (Date.now() > deadline) throw new Error('the build step never started');
      await new Promise((r) => setTimeout(r, 200));
      steps = await buildSteps();
    }
    await new Promise((r) => setTimeout(r, 1500));
    a.p.child.kill('SIGKILL');
    await a.p.exited;
    expect(await buildSteps()).toEqual(steps);
    const caches = scratch().filter((name) => name.startsWith('berth-build-cache-'));
    expect(caches.length).toBeGreaterThan(0);

    // The next berthd removes the orphaned container and scratch, and builds again at once (its
    // sleep makes the attempt long, so cancel it once it is under way).
    const b = await startKillable(env, APP, running);
    const after = await buildSteps();
    for (const id of steps) expect(after).not.toContain(id);
    for (const name of caches) expect(scratch()).not.toContain(name);
    const resumed = await b.waitFor(deploy.id, ['running']);
    expect(resumed.status).toBe('running');
    const cancel = await b.api('POST', `/api/v1/deploys/${deploy.id}/cancel`);
    expect(cancel.deploy?.id, JSON.stringify(cancel)).toBe(deploy.id);
    await b.waitFor(deploy.id, ['cancelled', 'failed'], 120_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(await buildSteps()).toEqual([]);
    b.p.child.kill('SIGTERM');
    await b.p.exited;
  }, 600_000);
});
