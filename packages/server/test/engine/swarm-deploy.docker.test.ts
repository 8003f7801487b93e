// End to end on Swarm (BERTH_RUNTIME=swarm) through a real berthd, on this machine's single-node
// swarm: examples/node-hello is built, baked into its release image, pushed to berthd's own
// registry and run by digest as a Swarm service per instance; it serves at /t/{code}/, scales, takes
// a config change, rolls back and is promoted, as in the README's walkthrough; pruning removes old
// release images, and deleting the app removes its services and images. Needs BERTH_TEST_DOCKER=1.
import crypto from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAppImages } from '../../src/images/index.ts';
import { waitFor } from '../runtime/contract.ts';
import { DOCKER_SKIP_REASON, dockerEnabled } from '../runtime/docker-fixtures.ts';
import { type EngineFixture, EXAMPLES, packDir } from './support.ts';
import { removeAppImages, startSwarmEngineFixture } from './swarm-support.ts';

if (!dockerEnabled) {
  process.stdout.write(`swarm deploy tests skipped: ${DOCKER_SKIP_REASON}\n`);
  describe('apps deployed on Swarm', () => {
    it.skip(`node-hello on Swarm (skipped: ${DOCKER_SKIP_REASON})`, () => {});
  });
} else {
  const docker = new Docker();
  const app = `sw${crypto.randomBytes(3).toString('hex')}`;

  /** The app's services, by their berth.app label. */
  async function services(): Promise<
    Array<{ Spec: { TaskTemplate: { ContainerSpec: { Image: string } } } }>
  > {
    return (await docker.listServices({ filters: { label: [`berth.app=${app}`] } })) as never;
  }

  describe('apps deployed on Swarm', () => {
    let f: EngineFixture;
    let installation = '';
    beforeAll(async () => {
      f = await startSwarmEngineFixture(docker, { BERTH_KEEP_RELEASES: '2' });
      installation = f.t.berthd.installation;
      await f.createApp(app);
    }, 120_000);
    afterAll(async () => {
      await f?.stop();
      await removeAppImages(docker, installation, app);
    }, 120_000);

    it('builds, publishes and serves node-hello by digest from the registry, one service per instance', async () => {
      const deploy = await f.deploy(app, 'stag', await packDir(`${EXAMPLES}/node-hello`), 600_000);
      expect(deploy.status).toBe('succeeded');
      const res = await f.get(`/t/${app}/`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('Hello');
      const list = await services();
      expect(list.length).toBeGreaterThan(0);
      const registry = f.t.berthd.config.runtime.registry;
      for (const service of list) {
        const image = service.Spec.TaskTemplate.ContainerSpec.Image;
        expect(image).toMatch(
          new RegExp(`^127\\.0\\.0\\.1:\\d+/berth-${installation}/${app}@sha256:[0-9a-f]{64}$`),
        );
        if (registry?.kind === 'builtin') expect(image.startsWith(`${registry.address}/`)).toBe(true);
      }
      // The platform lists the swarm's nodes.
      const nodes = await f.api('GET', '/api/v1/nodes');
      expect(nodes.status).toBe(200);
      expect(nodes.body.nodes.some((n: { role: string }) => n.role === 'manager')).toBe(true);
    }, 900_000);

    it('scales, takes a config change, rolls back and promotes to prod without a rebuild', async () => {
      const scale = await f.api('PUT', `/api/v1/apps/${app}/envs/stag/formation`, { processes: { web: 2 } });
      expect(scale.status).toBe(202);
      expect((await f.waitDeploy(scale.body.deploy.id, 300_000)).status).toBe('succeeded');
      await waitFor(async () => ((await services()).length === 2 ? true : undefined), 60_000);

      const config = await f.api('PATCH', `/api/v1/apps/${app}/envs/stag/config`, {
        set: [{ name: 'GREETING', value: 'Bonjour' }],
      });
      expect(config.status).toBe(200);
      expect((await f.waitDeploy(config.body.deploy.id, 300_000)).status).toBe('succeeded');
      await waitFor(
        async () => ((await f.get(`/t/${app}/`)).text.includes('Bonjour') ? true : undefined),
        300_000,
      );

      const rollback = await f.api('POST', `/api/v1/apps/${app}/envs/stag/rollback`, {});
      expect(rollback.status).toBe(202);
      expect((await f.waitDeploy(rollback.body.deploy.id, 300_000)).status).toBe('succeeded');
      expect((await f.get(`/t/${app}/`)).text).not.toContain('Bonjour');

      const promote = await f.api('POST', `/api/v1/apps/${app}/promote`, {});
      expect(promote.status).toBe(202);
      expect((await f.waitDeploy(promote.body.deploy.id, 300_000)).status).toBe('succeeded');
      const prod = await f.get(`/o/${app}/`);
      expect(prod.status).toBe(200);
      expect(prod.text).toContain('Hello');
    }, 900_000);

    it('deleting the app removes its services and its release images', async () => {
      const res = await f.api('DELETE', `/api/v1/apps/${app}`);
      expect(res.status).toBe(204);
      await waitFor(async () => ((await services()).length === 0 ? true : undefined), 120_000);
      await waitFor(
        async () => ((await listAppImages(docker, installation, app)).length === 0 ? true : undefined),
        120_000,
      );
      // Nor do their names under the registry's address stay.
      const registry = f.t.berthd.config.runtime.registry;
      const address = registry.kind === 'off' ? '' : registry.address;
      const pushed = await docker.listImages({
        filters: { reference: [`${address}/berth-${installation}/${app}`] },
      });
      expect(pushed).toEqual([]);
    }, 300_000);
  });
}
