// Two berthd replicas on one PostgreSQL database and one swarm, each with a data dir of its own (as
// on hosts of their own) and its own gateway: replica A runs the builtin registry, replica B uses it
// as an operator's registry. An app deployed through A is served by B; a new release deployed
// through A while B is under load loses no request at B (A drains the old instances only once B
// routes to the new ones); after A is killed with -9, B goes on serving, and deploys both a new
// build and a config change of a release A built. Needs BERTH_TEST_DOCKER=1 and
// BERTH_TEST_POSTGRES_URL.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/gateway/nginx/index.ts';
import { listAppImages } from '../../src/images/index.ts';
import { DOCKER_CERTS_DIR, stopBuiltinRegistry } from '../../src/images/registry/index.ts';
import type { Fixture } from '../jobs/processes.ts';
import { DOCKER_SKIP_REASON, dockerEnabled, removeAppNetworks } from '../runtime/docker-fixtures.ts';
import { swarmSkipReason } from '../runtime/swarm-fixtures.ts';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/databases.ts';
import { berthdTestEnv } from '../support/harness.ts';
import { installationIn } from '../support/host-users.ts';
import { killLeft, startKillable } from './killable.ts';
import { steadyLoad, tinyApp } from './support.ts';

const hasPostgres = testDialects().includes('postgres');
const skipReason = !dockerEnabled
  ? DOCKER_SKIP_REASON
  : hasPostgres
    ? undefined
    : 'BERTH_TEST_POSTGRES_URL is not set (replicas share a server database)';

describe.skipIf(skipReason !== undefined)(
  `two berthd replicas on Swarm${skipReason ? ` (${skipReason})` : ''}`,
  () => {
    const docker = new Docker();
    const app = `rp${crypto.randomBytes(3).toString('hex')}`;
    const running: Fixture[] = [];
    const dataDirs: string[] = [];
    let db: TestDatabase | undefined;
    let registryAddress = '';

    afterAll(async () => {
      killLeft(running);
      await Promise.all(running.map((p) => p.exited));
      const services = (await docker.listServices({ filters: { label: [`berth.app=${app}`] } })) as Array<{
        ID: string;
      }>;
      for (const s of services)
        await docker
          .getService(s.ID)
          .remove()
          .catch(() => {});
      // The overlay network goes once its services' tasks are gone.
      await new Promise((r) => setTimeout(r, 3000));
      await removeAppNetworks(docker, [app]);
      const installation = db ? await installationIn(db.config) : undefined;
      if (installation) {
        for (const ref of await listAppImages(docker, installation, app).catch(() => [])) {
          await docker
            .getImage(ref)
            .remove({ force: true })
            .catch(() => {});
        }
      }
      for (const dir of dataDirs) await stopBuiltinRegistry(dir).catch(() => false);
      if (registryAddress)
        fs.rmSync(path.join(DOCKER_CERTS_DIR, registryAddress), { recursive: true, force: true });
      await db?.drop();
      for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
    }, 180_000);

    it('serves from every replica, loses no request across a deploy made on the other, and survives one killed with -9', async () => {
      const notSwarm = await swarmSkipReason(docker);
      if (notSwarm) throw new Error(notSwarm);
      db = await createTestDatabase('postgres');
      registryAddress = `127.0.0.1:${await freePort('127.0.0.1')}`;
      const dataDir = () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-swarm-replica-'));
        dataDirs.push(dir);
        return dir;
      };
      const shared = {
        BERTH_RUNTIME: 'swarm',
        BERTH_HOST: '0.0.0.0',
        BERTH_STOP_GRACE: '2s',
        BERTH_JOB_POLL: '100ms',
        BERTH_DRAIN: '500ms',
        BERTH_HEAL_INTERVAL: '0',
        BERTH_LOG_LEVEL: 'warn',
        // Config vars are sealed with it: every replica has the same.
        BERTH_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
      };
      const dirA = dataDir();
      const a = await startKillable(
        { ...berthdTestEnv(db, dirA), ...shared, BERTH_REGISTRY_ADDRESS: registryAddress },
        app,
        running,
      );
      const credentials = JSON.parse(
        fs.readFileSync(path.join(dirA, 'registry', 'credentials.json'), 'utf8'),
      );
      const dirB = dataDir();
      const b = await startKillable(
        {
          ...berthdTestEnv(db, dirB),
          ...shared,
          BERTH_REGISTRY: `https://${registryAddress}`,
          BERTH_REGISTRY_USERNAME: credentials.username,
          BERTH_REGISTRY_PASSWORD: credentials.password,
          BERTH_REGISTRY_CA_FILE: path.join(dirA, 'registry', 'tls.crt'),
        },
        app,
        running,
      );

      // Deployed through A, served by both.
      expect((await a.api('POST', '/api/v1/apps', { code: app, name: app })).app?.code).toBe(app);
      const first = await a.upload(await tinyApp({ text: 'first' }));
      expect((await a.waitFor(first.id, ['succeeded', 'failed'], 600_000)).status).toBe('succeeded');
      expect(await a.serves()).toMatch(/^first v1$/);
      expect(await b.serves()).toMatch(/^first v1$/);

      // A new release through A while B is under load: B switches before A drains.
      const load = steadyLoad(`${b.appsUrl}/t/${app}/`, /^(first v1|second v2)$/);
      const second = await a.upload(await tinyApp({ text: 'second' }));
      expect((await a.waitFor(second.id, ['succeeded', 'failed'], 600_000)).status).toBe('succeeded');
      await new Promise((r) => setTimeout(r, 1500));
      const result = await load.stop();
      expect(result.failures).toEqual([]);
      expect(result.ok).toBeGreaterThan(50);
      expect(result.seen).toContain('second v2');
      expect((await b.get(`/t/${app}/`)).text).toBe('second v2');

      // A dies; B goes on serving, and deploys.
      a.p.child.kill('SIGKILL');
      await a.p.exited;
      for (let i = 0; i < 20; i += 1) expect((await b.get(`/t/${app}/`)).text).toBe('second v2');
      // A config change of the release A built (its artifact is not on B).
      const config = await b.api('PATCH', `/api/v1/apps/${app}/envs/stag/config`, {
        set: [{ name: 'TEXT', value: 'third' }],
      });
      const configDeploy = config.deploy;
      expect(configDeploy?.id, JSON.stringify(config)).toBeTruthy();
      expect((await b.waitFor(configDeploy.id, ['succeeded', 'failed'], 600_000)).status).toBe('succeeded');
      expect((await b.get(`/t/${app}/`)).text).toBe('third v3');
      // A new build on B (the config var set above still wins over berth.yaml's TEXT).
      const fourth = await b.upload(await tinyApp({ text: 'fourth' }));
      expect((await b.waitFor(fourth.id, ['succeeded', 'failed'], 600_000)).status).toBe('succeeded');
      expect((await b.get(`/t/${app}/`)).text).toBe('third v4');
    }, 1_500_000);
  },
);
