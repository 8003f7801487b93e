// End to end on the Docker runtime: examples/dockerfile-hello deployed through berthd
// (BERTH_RUNTIME=docker) is built from its Dockerfile into berth/{code}:stag-v{n} and serves at
// /t/{code}/ from its own image; with BERTH_KEEP_RELEASES=1 the next deploy prunes v1's image with
// its artifact, and deleting the app removes its remaining images. Needs BERTH_TEST_DOCKER=1 and
// the stack images (built on first use). App codes are unique to this file and run.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageExists } from '../../src/images/engine.ts';
import { listAppImages } from '../../src/images/index.ts';
import { type EngineFixture, EXAMPLES, packDir, startEngineFixture } from '../engine/support.ts';
import { waitUntil } from '../runtime/contract.ts';
import {
  DOCKER_SKIP_REASON,
  dockerEnabled,
  instanceContainer,
  removeAppNetworks,
} from '../runtime/docker-fixtures.ts';

if (!dockerEnabled) {
  process.stdout.write(`docker image deploy tests skipped: ${DOCKER_SKIP_REASON}\n`);
  describe('Dockerfile apps deployed on the Docker runtime', () => {
    it.skip(`dockerfile-hello deploy (skipped: ${DOCKER_SKIP_REASON})`, () => {});
  });
} else {
  const docker = new Docker();
  const app = `h2img${crypto.randomBytes(3).toString('hex')}`;
  let installation = '';

  async function removeLeftovers(): Promise<void> {
    const containers = await docker.listContainers({ all: true, filters: { label: [`berth.app=${app}`] } });
    await Promise.all(
      containers.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => {}),
      ),
    );
    await removeAppNetworks(docker, [app]);
    for (const ref of await listAppImages(docker, installation, app).catch(() => [])) {
      await docker
        .getImage(ref)
        .remove({ force: true })
        .catch(() => {});
    }
  }

  describe('Dockerfile apps deployed on the Docker runtime', () => {
    let f: EngineFixture;
    beforeAll(async () => {
      f = await startEngineFixture('sqlite', {
        BERTH_RUNTIME: 'docker',
        BERTH_STOP_GRACE: '2s',
        BERTH_KEEP_RELEASES: '1',
      });
      installation = f.t.berthd.installation;
    }, 60_000);
    afterAll(async () => {
      await f?.stop();
      await removeLeftovers();
    }, 120_000);

    it('builds examples/dockerfile-hello into its release image, serves it, prunes and deletes its images', async () => {
      await f.createApp(app);
      // A copy whose server.js is unique to this run: the engine's layer cache is shared by every
      // installation on the host, and a cached RUN step would not print what this test reads.
      const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'dockerfile-hello-'));
      await fs.cp(path.join(EXAMPLES, 'dockerfile-hello'), copy, { recursive: true });
      await fs.appendFile(path.join(copy, 'server.js'), `// test run ${crypto.randomUUID()}\n`);
      const pkg = await packDir(copy);
      // v2 is other code: the same package again would reuse v1's build (and its image).
      await fs.appendFile(path.join(copy, 'server.js'), '// v2\n');
      const pkg2 = await packDir(copy);
      await fs.rm(copy, { recursive: true, force: true });

      const v1 = await f.deploy(app, 'stag', pkg);
      const logs = await f.logsOf(v1.id);
      const image = (v: number) => `berth-${installation}/${app}:stag-v${v}`;
      expect(logs).toContain(`building ${image(1)}`);
      expect(logs).toMatch(/dockerfile-hello: built with Node v24\./);
      expect(logs).toContain("web: the image's CMD (node server.js)");
      expect(await imageExists(docker, image(1))).toBe(true);
      const first = await waitUntil('v1 to serve', async () => {
        const res = await f.get(`/t/${app}/`);
        return res.status === 200 ? res.text : undefined;
      });
      expect(first).toBe('Hello from a Dockerfile (release v1)\n');
      const instances = (await f.t.berthd.runtime.list({ app })).filter((i) => i.state === 'running');
      expect(instances.length).toBe(1);
      // The image carries the app: its WORKDIR is kept and nothing is mounted at /app.
      const container = await (await instanceContainer(docker, instances[0]!)).inspect();
      expect(container.Config.Image).toBe(image(1));
      expect(container.Config.WorkingDir).toBe('/srv/app');
      expect(container.Mounts.map((m) => m.Destination)).not.toContain('/app');

      const v2 = await f.deploy(app, 'stag', pkg2);
      expect(v2.release).toBe(2);
      expect(
        await waitUntil('v2 to serve', async () => {
          const res = await f.get(`/t/${app}/`);
          return res.text.includes('v2') ? res.text : undefined;
        }),
      ).toBe('Hello from a Dockerfile (release v2)\n');
      // Pruned with its release (BERTH_KEEP_RELEASES=1): v1's image; v2's stays.
      expect(await f.logsOf(v2.id)).toContain('Pruned old artifacts: stag v1');
      expect(await listAppImages(docker, installation, app)).toEqual([image(2)]);

      expect((await f.api('DELETE', `/api/v1/apps/${app}`)).status).toBe(204);
      await waitUntil("the deleted app's images to go", async () =>
        (await listAppImages(docker, installation, app)).length === 0 ? true : undefined,
      );
    }, 600_000);
  });
}
