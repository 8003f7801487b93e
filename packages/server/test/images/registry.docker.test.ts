// The registry berthd runs itself (BERTH_REGISTRY=builtin) with the real docker-registry: TLS and
// htpasswd auth made by berthd, a release image pushed and pulled back by digest through the real
// Docker engine, refusals without credentials, adoption by a second start, and deletion of a pruned
// release's manifest. Needs BERTH_TEST_DOCKER=1 and Debian's docker-registry (scripts/docker-setup.sh installs it).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/gateway/nginx/index.ts';
import { waitForProgress } from '../../src/images/engine.ts';
import { bakeReleaseImage, STACK_BASE_IMAGE } from '../../src/images/index.ts';
import {
  type BuiltinRegistry,
  DOCKER_CERTS_DIR,
  deleteManifest,
  engineAuth,
  pushImage,
  pushRefusedForAMoment,
  startBuiltinRegistry,
} from '../../src/images/registry/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { DOCKER_SKIP_REASON, dockerEnabled } from '../runtime/docker-fixtures.ts';
import { basicAuth, registryStatus } from './registry-requests.ts';

// scripts/docker-setup.sh installs docker-registry: with the docker tier on, a missing binary fails
// the test (startBuiltinRegistry says so) instead of skipping it.
const skip = dockerEnabled ? undefined : DOCKER_SKIP_REASON;

if (skip) {
  process.stdout.write(`registry tests skipped: ${skip}\n`);
  describe('the builtin registry', () => {
    it.skip(`docker-registry (skipped: ${skip})`, () => {});
  });
} else {
  const docker = new Docker();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-registry-'));
  const repo = `berth-test${crypto.randomBytes(3).toString('hex')}/app`;
  const local = `${repo}:stag-v1`;
  let address = '';
  let registry: BuiltinRegistry;

  const get = (url: string, headers: Record<string, string> = {}, ca: string | null = registry.ca ?? null) =>
    registryStatus(url, { headers, ca });
  const basic = basicAuth;
  async function pull(ref: string, auth?: ReturnType<typeof engineAuth>): Promise<void> {
    const stream = (await docker.pull(ref, auth ? { authconfig: auth } : {})) as NodeJS.ReadableStream;
    await waitForProgress(docker, stream);
  }
  async function removeImage(ref: string): Promise<void> {
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => {});
  }

  describe('the builtin registry', () => {
    beforeAll(async () => {
      address = `127.0.0.1:${await freePort('127.0.0.1')}`;
      registry = await startBuiltinRegistry({ dataDir, address, logger: silentLogger() });
      await docker.getImage(STACK_BASE_IMAGE).tag({ repo, tag: 'stag-v1' });
    }, 60_000);
    afterAll(async () => {
      await registry?.stop();
      const pushed = await docker.listImages({ filters: { reference: [`${address}/${repo}`] } });
      for (const ref of pushed.flatMap((i) => [...(i.RepoTags ?? []), ...(i.RepoDigests ?? [])])) {
        await removeImage(ref);
      }
      await removeImage(local);
      for (const version of [11, 12, 13]) await removeImage(`${repo}:stag-v${version}`);
      fs.rmSync(path.join(DOCKER_CERTS_DIR, address), { recursive: true, force: true });
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('serves TLS only, with its own certificate, and answers nobody without the password', async () => {
      expect(registry.address).toBe(address);
      const files = fs.readdirSync(path.join(dataDir, 'registry'));
      expect(files).toEqual(expect.arrayContaining(['config.yml', 'htpasswd', 'tls.crt', 'tls.key']));
      for (const file of ['credentials.json', 'htpasswd', 'tls.key', 'config.yml']) {
        expect(fs.statSync(path.join(dataDir, 'registry', file)).mode & 0o077).toBe(0);
      }
      expect(fs.readFileSync(path.join(DOCKER_CERTS_DIR, address, 'ca.crt'), 'utf8')).toBe(registry.ca);

      expect(await get(`https://${address}/v2/`)).toBe(401);
      expect(await get(`https://${address}/v2/`, basic('berth', 'wrong'))).toBe(401);
      expect(await get(`https://${address}/v2/`, basic('berth', registry.password))).toBe(200);
      // Plain HTTP is refused (Go's TLS server answers 400), and a client that does not know the CA
      // does not connect.
      expect(await get(`http://${address}/v2/`, basic('berth', registry.password))).toBe(400);
      await expect(get(`https://${address}/v2/`, {}, null)).rejects.toThrow();
    });

    it('a pushed image is pulled back by digest with the credentials, and refused without them', async () => {
      const pinned = await pushImage(docker, registry, local);
      expect(pinned).toMatch(new RegExp(`^${address.replace(/\./g, '\\.')}/${repo}@sha256:[0-9a-f]{64}$`));
      const localId = (await docker.getImage(local).inspect()).Id;
      await removeImage(`${address}/${local}`);
      await removeImage(pinned);

      await expect(pull(pinned)).rejects.toThrow(/no basic auth|unauthorized|authentication required/i);
      await pull(pinned, engineAuth(registry));
      expect((await docker.getImage(pinned).inspect()).Id).toBe(localId);
      // Pushing again sends nothing new and names the same digest.
      expect(await pushImage(docker, registry, local)).toBe(pinned);
    }, 120_000);

    it('a second start adopts the running registry with the same password and certificate', async () => {
      const again = await startBuiltinRegistry({ dataDir, address, logger: silentLogger() });
      expect(again.pid).toBe(registry.pid);
      expect(again.password).toBe(registry.password);
      expect(again.ca).toBe(registry.ca);
    }, 60_000);

    it("a deleted release's manifest is no longer served", async () => {
      const pinned = await pushImage(docker, registry, local);
      await deleteManifest(registry, pinned);
      await deleteManifest(registry, pinned); // gone already: fine
      const manifest = `https://${address}/v2/${repo}/manifests/${pinned.slice(pinned.indexOf('@') + 1)}`;
      const accept = { accept: 'application/vnd.docker.distribution.manifest.v2+json' };
      expect(await get(manifest, { ...basic('berth', registry.password), ...accept })).toBe(404);
    }, 120_000);

    it("collecting garbage frees a deleted release's own layer, keeps what a kept release uses, and a push meanwhile goes through", async () => {
      // Two releases on the base image, each with a layer of its own (its tree).
      const bake = async (version: number) => {
        const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-gc-tree-'));
        fs.writeFileSync(
          path.join(tree, 'release.txt'),
          `${version} ${crypto.randomBytes(16).toString('hex')}\n`,
        );
        const tag = `${repo}:stag-v${10 + version}`;
        await bakeReleaseImage(docker, { base: STACK_BASE_IMAGE, artifactDir: tree, tag, labels: {} });
        fs.rmSync(tree, { recursive: true, force: true });
        return tag;
      };
      const [pruned, kept] = [
        await pushImage(docker, registry, await bake(1)),
        await pushImage(docker, registry, await bake(2)),
      ];
      const layersOf = async (pinned: string): Promise<string[]> => {
        const url = `https://${address}/v2/${repo}/manifests/${pinned.slice(pinned.indexOf('@') + 1)}`;
        const dispatcher = new Agent({ connect: { ca: registry.ca! } });
        try {
          const res = await request(url, {
            dispatcher,
            headers: {
              ...basic('berth', registry.password),
              accept: 'application/vnd.docker.distribution.manifest.v2+json',
            },
          });
          const body = (await res.body.json()) as { layers: Array<{ digest: string }> };
          return body.layers.map((l) => l.digest);
        } finally {
          await dispatcher.close();
        }
      };
      const blob = (digest: string) =>
        path.join(
          dataDir,
          'registry',
          'storage',
          'docker',
          'registry',
          'v2',
          'blobs',
          'sha256',
          digest.slice(7, 9),
          digest.slice(7),
          'data',
        );
      const prunedLayers = await layersOf(pruned);
      const keptLayers = await layersOf(kept);
      const own = prunedLayers.filter((d) => !keptLayers.includes(d));
      const shared = prunedLayers.filter((d) => keptLayers.includes(d));
      expect(own.length).toBe(1);
      expect(shared.length).toBeGreaterThan(0);
      for (const d of [...own, ...shared]) expect(fs.existsSync(blob(d))).toBe(true);

      await deleteManifest(registry, pruned);
      const before = registry.pid;
      // A push while the registry refuses writes is tried again until it is back.
      const pushing = (async () => {
        await new Promise((r) => setTimeout(r, 300));
        return pushImage(docker, registry, await bake(3));
      })();
      const said = await registry.collectGarbage();
      expect(said).toMatch(/blob eligible for deletion/);
      for (const d of own) expect(fs.existsSync(blob(d))).toBe(false);
      for (const d of [...shared, ...keptLayers]) expect(fs.existsSync(blob(d))).toBe(true);
      expect(await pushing).toMatch(/@sha256:[0-9a-f]{64}$/);

      // It serves writes again, as a new process berthd adopts.
      expect(registry.pid).not.toBe(before);
      expect((await startBuiltinRegistry({ dataDir, address, logger: silentLogger() })).pid).toBe(
        registry.pid,
      );
      await removeImage(kept);
      await pull(kept, engineAuth(registry));
    }, 300_000);

    it("a collection waits for this berthd's push under way, and a push waits for a collection", async () => {
      let finish!: () => void;
      const pushing = registry.whilePushing!(
        () =>
          new Promise<void>((resolve) => {
            finish = resolve;
          }),
      );
      const serving = registry.pid;
      const collected = registry.collectGarbage();
      // Not restarted read-only while the push is under way: its uploaded blobs would be collected.
      await new Promise((r) => setTimeout(r, 1500));
      expect(registry.pid).toBe(serving);
      finish();
      await pushing;
      // A push begun during the collection starts once the registry serves writes again.
      let pushedOn: number | undefined;
      const next = registry.whilePushing!(async () => {
        pushedOn = registry.pid;
      });
      expect(await collected).toMatch(/blob|manifest|marking/i);
      await next;
      expect(registry.pid).not.toBe(serving);
      expect(pushedOn).toBe(registry.pid);
      expect(await pushImage(docker, registry, local)).toMatch(/@sha256:[0-9a-f]{64}$/);
      // A blob a collection deleted before the push's manifest referred to it (the collection of
      // another replica's registry user, or one that began first): the engine's words, tried again.
      expect(pushRefusedForAMoment(new Error('manifest blob unknown: blob unknown to registry'))).toBe(true);
    }, 300_000);

    it('a registry left read-only by a collection that did not finish serves writes again at the next start', async () => {
      await registry.stop();
      const readOnly = spawn(
        '/usr/bin/docker-registry',
        ['serve', path.join(dataDir, 'registry', 'config-readonly.yml')],
        {
          detached: true,
          stdio: 'ignore',
        },
      );
      readOnly.unref();
      fs.writeFileSync(path.join(dataDir, 'registry', 'registry.pid'), `${readOnly.pid}\n`);
      // Read-only, it refuses a push in a way that passes (tried again); wrong credentials do not.
      const refusal = async (access: BuiltinRegistry) => {
        const until = Date.now() + 20_000;
        for (;;) {
          const err = await pushImage(docker, access, local, { retryDelaysMs: [] }).then(
            () => undefined,
            (e: unknown) => e,
          );
          // Until the read-only registry listens, the refusal is the closed port's.
          if (!/connection refused/.test(String(err)) || Date.now() > until) return err;
          await new Promise((r) => setTimeout(r, 200));
        }
      };
      const readOnlyRefusal = await refusal(registry);
      expect(String(readOnlyRefusal)).toMatch(/405/);
      expect(pushRefusedForAMoment(readOnlyRefusal)).toBe(true);
      const wrongPassword = await refusal({ ...registry, password: 'not the password' });
      expect(String(wrongPassword)).toMatch(/unauthorized/);
      expect(pushRefusedForAMoment(wrongPassword)).toBe(false);

      registry = await startBuiltinRegistry({ dataDir, address, logger: silentLogger() });
      expect(registry.pid).not.toBe(readOnly.pid);
      expect(await pushImage(docker, registry, local)).toMatch(/@sha256:[0-9a-f]{64}$/);
    }, 120_000);
  });
}
