// Release images on Swarm when berthd runs as several replicas, each with a data dir of its own, on
// one store and one swarm: a release's artifact tree lies only on the replica that built it. The
// other replicas are played here by moving a tree out of the data dir. Through a real berthd on this
// machine's swarm, with its builtin registry: a release's published image is recorded and every later
// launch runs it without baking again (even with the tree gone); a promotion whose stag tree is not
// here runs the stag image; with neither a tree nor a recorded image a promotion fails with
// RELEASE_ARTIFACT_MISSING and changes nothing; pruning keeps a digest in the registry while any kept
// release records it. Needs BERTH_TEST_DOCKER=1.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageExists } from '../../src/images/engine.ts';
import { basicAuth, registryStatus } from '../images/registry-requests.ts';
import { DOCKER_SKIP_REASON, dockerEnabled } from '../runtime/docker-fixtures.ts';
import { type EngineFixture, tinyApp } from './support.ts';
import { removeAppImages, startSwarmEngineFixture } from './swarm-support.ts';

if (!dockerEnabled) {
  process.stdout.write(`swarm release image tests skipped: ${DOCKER_SKIP_REASON}\n`);
  describe('release images on Swarm', () => {
    it.skip(`recorded release images (skipped: ${DOCKER_SKIP_REASON})`, () => {});
  });
} else {
  const docker = new Docker();
  const app = `ri${crypto.randomBytes(3).toString('hex')}`;

  describe('release images on Swarm', () => {
    let f: EngineFixture;
    let installation = '';

    /** The release row as the store has it. */
    const release = (env: string, version: number) =>
      f.t.berthd.store.db
        .selectFrom('releases')
        .selectAll()
        .where('app_code', '=', app)
        .where('env', '=', env)
        .where('version', '=', version)
        .executeTakeFirstOrThrow();
    const currentVersion = async (env: string) =>
      Number(
        (
          await f.t.berthd.store.db
            .selectFrom('env_states')
            .select('release_version')
            .where('app_code', '=', app)
            .where('env', '=', env)
            .executeTakeFirstOrThrow()
        ).release_version,
      );
    /** The images the environment's services run, by service id. */
    async function serviceImages(env: string): Promise<Record<string, string>> {
      const list = (await docker.listServices({
        filters: { label: [`berth.app=${app}`, `berth.env=${env}`] },
      })) as Array<{ ID: string; Spec: { TaskTemplate: { ContainerSpec: { Image: string } } } }>;
      return Object.fromEntries(list.map((s) => [s.ID, s.Spec.TaskTemplate.ContainerSpec.Image]));
    }
    /** Moves a release's tree out of the data dir (as on a replica that did not build it). */
    function elsewhere(dir: string): () => void {
      fs.renameSync(dir, `${dir}.elsewhere`);
      return () => fs.renameSync(`${dir}.elsewhere`, dir);
    }
    async function waitOk(deploy: { id: string }): Promise<void> {
      const done = await f.waitDeploy(deploy.id, 300_000);
      expect(done.status, `${JSON.stringify(done.error)}\n${await f.logsOf(done.id)}`).toBe('succeeded');
    }
    async function promote(): Promise<{ id: string }> {
      const res = await f.api('POST', `/api/v1/apps/${app}/promote`, {});
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      return res.body.deploy;
    }
    /** The registry's answer for a manifest (`{address}/{repo}@sha256:…`): 200 or 404. */
    async function manifestStatus(pinned: string): Promise<number> {
      const dir = path.join(f.t.dataDir, 'registry');
      const { password } = JSON.parse(fs.readFileSync(path.join(dir, 'credentials.json'), 'utf8'));
      const [address, rest] = [pinned.slice(0, pinned.indexOf('/')), pinned.slice(pinned.indexOf('/') + 1)];
      const [repo, digest] = rest.split('@') as [string, string];
      return registryStatus(`https://${address}/v2/${repo}/manifests/${digest}`, {
        ca: fs.readFileSync(path.join(dir, 'tls.crt'), 'utf8'),
        headers: {
          ...basicAuth('berth', password),
          accept: 'application/vnd.docker.distribution.manifest.v2+json',
        },
      });
    }

    beforeAll(async () => {
      f = await startSwarmEngineFixture(docker, { BERTH_KEEP_RELEASES: '1' });
      installation = f.t.berthd.installation;
      await f.createApp(app);
    }, 120_000);
    afterAll(async () => {
      if (f) await f.api('DELETE', `/api/v1/apps/${app}`);
      await f?.stop();
      await removeAppImages(docker, installation, app);
    }, 300_000);

    it('records the published image of a release and launches it again without baking, even with its tree gone', async () => {
      await f.deploy(app, 'stag', await tinyApp({ text: 'one' }), 600_000);
      const v1 = await release('stag', 1);
      expect(v1.image_ref).toMatch(new RegExp(`/berth-${installation}/${app}@sha256:[0-9a-f]{64}$`));
      expect(new Set(Object.values(await serviceImages('stag')))).toEqual(new Set([v1.image_ref]));

      // A bake would tag the release image again, and would need the tree.
      const tag = `berth-${installation}/${app}:stag-v1`;
      await docker.getImage(tag).remove();
      const restore = elsewhere(v1.out_dir!);
      try {
        const before = await serviceImages('stag');
        const res = await f.api('POST', `/api/v1/apps/${app}/envs/stag/restart`, {});
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        await waitOk(res.body.deploy);
        const after = await serviceImages('stag');
        expect(Object.keys(after).some((id) => id in before)).toBe(false); // new instances
        expect(new Set(Object.values(after))).toEqual(new Set([v1.image_ref]));
        expect(await imageExists(docker, tag)).toBe(false);
        expect((await f.get(`/t/${app}/`)).text).toBe('one v1');
      } finally {
        restore();
      }
    }, 900_000);

    it("a promotion whose stag tree is not on this replica runs the stag release's image", async () => {
      const stag = await release('stag', 1);
      const restore = elsewhere(stag.out_dir!);
      try {
        await waitOk(await promote());
      } finally {
        restore();
      }
      expect((await release('prod', 1)).image_ref).toBe(stag.image_ref);
      expect(new Set(Object.values(await serviceImages('prod')))).toEqual(new Set([stag.image_ref]));
      expect((await f.get(`/o/${app}/`)).text).toBe('one v1');
      // With the tree here (and host identities: a tree of prod's own), the same image again.
      await waitOk(await promote());
      expect((await release('prod', 2)).image_ref).toBe(stag.image_ref);
    }, 900_000);

    it('pruning keeps a digest in the registry while a kept release records it, and removes it after', async () => {
      const shared = (await release('stag', 1)).image_ref!;
      await f.deploy(app, 'stag', await tinyApp({ text: 'two' }), 600_000);
      // stag v1 is pruned (BERTH_KEEP_RELEASES=1), prod v2 still runs its digest.
      expect(Number((await release('stag', 1)).pruned)).toBe(1);
      expect(await manifestStatus(shared)).toBe(200);
      const v2 = (await release('stag', 2)).image_ref!;
      expect(v2).not.toBe(shared);

      await waitOk(await promote());
      expect((await release('prod', 3)).image_ref).toBe(v2);
      // Nothing kept records the first digest any more: gone; the second stays.
      expect(await manifestStatus(shared)).toBe(404);
      expect(await manifestStatus(v2)).toBe(200);
      expect((await f.get(`/o/${app}/`)).text).toBe('two v3');
    }, 900_000);

    it('with neither its tree here nor a recorded image, a promotion fails with RELEASE_ARTIFACT_MISSING and changes nothing', async () => {
      await f.deploy(app, 'stag', await tinyApp({ text: 'three' }), 600_000);
      const v3 = await release('stag', 3);
      // As if v3 had been built and launched by another replica before images were recorded.
      const db = f.t.berthd.store.db;
      await db.updateTable('releases').set({ image_ref: null }).where('id', '=', v3.id).execute();
      const prodBefore = await serviceImages('prod');
      const restore = elsewhere(v3.out_dir!);
      try {
        const deploy = await promote();
        const done = await f.waitDeploy(deploy.id, 300_000);
        expect(done.status).toBe('failed');
        expect(done.error.code).toBe('RELEASE_ARTIFACT_MISSING');
      } finally {
        restore();
      }
      expect(await currentVersion('prod')).toBe(3);
      expect(await serviceImages('prod')).toEqual(prodBefore);
      expect((await f.get(`/o/${app}/`)).text).toBe('two v3');
      expect((await release('prod', 4)).image_ref).toBeNull();
      expect((await release('prod', 4)).status).toBe('failed');
    }, 900_000);
  });
}
