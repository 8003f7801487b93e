// Prebuilt images on the Docker runtime: `deploys/image` of an image on the Docker host serves it,
// pinned by its id (re-tagging the name afterwards changes no release), reuses the build record when
// deployed again, refuses registries the operator did not allow and fails on a missing image.
// The image is made from examples/dockerfile-hello by a first, ordinary deploy (FROM the node stack
// image, built on first use). Needs BERTH_TEST_DOCKER=1.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStackImage, listAppImages } from '../../src/images/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { type EngineFixture, EXAMPLES, packDir, startEngineFixture } from '../engine/support.ts';
import { waitUntil } from '../runtime/contract.ts';
import { DOCKER_SKIP_REASON, dockerEnabled, removeAppNetworks } from '../runtime/docker-fixtures.ts';

if (!dockerEnabled) {
  process.stdout.write(`image deploy tests skipped: ${DOCKER_SKIP_REASON}\n`);
  describe('prebuilt image deploys', () => {
    it.skip(`image deploys (skipped: ${DOCKER_SKIP_REASON})`, () => {});
  });
} else {
  const docker = new Docker();
  const suffix = crypto.randomBytes(3).toString('hex');
  const maker = `imgsrc${suffix}`;
  const app = `imgapp${suffix}`;
  const prebuilt = `prebuilt-${suffix}`;
  let installation = '';

  async function removeLeftovers(): Promise<void> {
    for (const code of [maker, app]) {
      const containers = await docker.listContainers({
        all: true,
        filters: { label: [`berth.app=${code}`] },
      });
      await Promise.all(
        containers.map((c) =>
          docker
            .getContainer(c.Id)
            .remove({ force: true })
            .catch(() => {}),
        ),
      );
      for (const ref of await listAppImages(docker, installation, code).catch(() => [])) {
        await docker
          .getImage(ref)
          .remove({ force: true })
          .catch(() => {});
      }
    }
    await removeAppNetworks(docker, [maker, app]);
    for (const tag of ['v1', 'v2'])
      await docker
        .getImage(`${prebuilt}:${tag}`)
        .remove({ force: true })
        .catch(() => {});
  }

  describe('prebuilt image deploys', () => {
    let f: EngineFixture;
    beforeAll(async () => {
      f = await startEngineFixture('sqlite', {
        BERTH_RUNTIME: 'docker',
        BERTH_STOP_GRACE: '2s',
        BERTH_IMAGE_REGISTRIES: 'registry.internal.example:5000',
      });
      installation = f.t.berthd.installation;
      // The node stack image dockerfile-hello starts FROM (built once per host, minutes on a fresh one).
      await ensureStackImage({ docker, logger: silentLogger(), dataDir: f.t.dataDir, name: 'node' });
      await f.createApp(app);
    }, 1_200_000);
    afterAll(async () => {
      await f?.stop();
      await removeLeftovers();
    }, 120_000);

    it('deploys an image from the Docker host, pinned by its id', async () => {
      // The "prebuilt" image: a Dockerfile app's release image, tagged under a name of its own.
      await f.createApp(maker);
      const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'image-source-'));
      await fs.cp(path.join(EXAMPLES, 'dockerfile-hello'), copy, { recursive: true });
      await fs.appendFile(path.join(copy, 'server.js'), `// image deploy test ${crypto.randomUUID()}\n`);
      const made = await f.deploy(maker, 'stag', await packDir(copy), 600_000);
      await fs.rm(copy, { recursive: true, force: true });
      const source = docker.getImage(`berth-${installation}/${maker}:stag-v${made.release}`);
      await source.tag({ repo: prebuilt, tag: 'v1' });
      const id = (await source.inspect()).Id;

      const res = await f.api('POST', `/api/v1/apps/${app}/envs/stag/deploys/image`, {
        image: `${prebuilt}:v1`,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const done = await f.waitDeploy(res.body.deploy.id, 300_000);
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
      expect(done.origin).toEqual({ type: 'image', image: `${prebuilt}:v1`, digest: id });
      const log = await f.logsOf(done.id);
      expect(log).toContain(
        `${prebuilt}:v1 (${id.replace('sha256:', '').slice(0, 12)}) as berth-${installation}/${app}:stag-v1`,
      );
      expect(log).toContain("web: the image's CMD (node server.js)");
      expect(
        await waitUntil('the image to serve', async () => {
          const r = await f.get(`/t/${app}/`);
          return r.status === 200 ? r.text : undefined;
        }),
      ).toBe('Hello from a Dockerfile (release v1)\n');

      // The name moves to another image: the release keeps its own.
      await docker.getImage(`${prebuilt}:v1`).remove({ noprune: true });
      const release = (await f.api('GET', `/api/v1/apps/${app}/envs/stag/releases`)).body.releases[0];
      expect(release).toMatchObject({ source: 'image', origin: { digest: id } });
      const restarted = await f.api('POST', `/api/v1/apps/${app}/envs/stag/restart`);
      expect((await f.waitDeploy(restarted.body.deploy.id, 120_000)).status).toBe('succeeded');
      expect((await f.get(`/t/${app}/`)).text).toBe('Hello from a Dockerfile (release v1)\n');

      // The same image again (by another name): the build record is reused.
      await source.tag({ repo: prebuilt, tag: 'v2' });
      const again = await f.api('POST', `/api/v1/apps/${app}/envs/prod/deploys/image`, {
        image: `${prebuilt}:v2`,
      });
      const second = await f.waitDeploy(again.body.deploy.id, 300_000);
      expect(second.status, JSON.stringify(second.error)).toBe('succeeded');
      expect(await f.logsOf(second.id)).toContain('Reusing build');
    }, 900_000);

    it('refuses registries the operator did not allow, and fails on a missing image', async () => {
      const other = await f.api('POST', `/api/v1/apps/${app}/envs/stag/deploys/image`, {
        image: 'registry.example.com/team/app:1',
      });
      expect(other.status).toBe(403);
      expect(other.body.error.code).toBe('IMAGE_REGISTRY_NOT_ALLOWED');
      const bad = await f.api('POST', `/api/v1/apps/${app}/envs/stag/deploys/image`, {
        image: 'Not An Image',
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
      const missing = await f.api('POST', `/api/v1/apps/${app}/envs/stag/deploys/image`, {
        image: `nosuch-${suffix}:1`,
      });
      expect(missing.status).toBe(202);
      const failed = await f.waitDeploy(missing.body.deploy.id, 120_000);
      expect(failed.status).toBe('failed');
      expect(failed.error.code).toBe('IMAGE_NOT_FOUND');
      expect(failed.error.message).toContain('does not pull from Docker Hub');
      // An allowed registry that does not answer: the pull fails with IMAGE_NOT_FOUND, nothing serves instead.
      const unreachable = await f.api('POST', `/api/v1/apps/${app}/envs/stag/deploys/image`, {
        image: 'registry.internal.example:5000/team/app:1',
      });
      const pulled = await f.waitDeploy(unreachable.body.deploy.id, 180_000);
      expect(pulled.status).toBe('failed');
      expect(pulled.error.code).toBe('IMAGE_NOT_FOUND');
      expect((await f.get(`/t/${app}/`)).text).toBe('Hello from a Dockerfile (release v1)\n');
    }, 600_000);
  });
}
