// Attacks of a hosted developer on the registry berthd runs for Swarm (BERTH_REGISTRY=builtin): it
// holds every app's release images, so anyone who reaches its port (an app on a swarm of several
// nodes, where it listens on an address the nodes reach) must get nothing without berthd's account:
// not the list of repositories, not another app's manifest or layers, no push, no delete, not with
// a guessed or truncated password, not over plain HTTP. Needs BERTH_TEST_DOCKER=1 (the image is
// pushed through the real Docker engine) and Debian's docker-registry.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/gateway/nginx/index.ts';
import { STACK_BASE_IMAGE } from '../../src/images/index.ts';
import {
  type BuiltinRegistry,
  DOCKER_CERTS_DIR,
  pushImage,
  startBuiltinRegistry,
} from '../../src/images/registry/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { basicAuth, registryStatus } from '../images/registry-requests.ts';
import { DOCKER_SKIP_REASON, dockerEnabled } from '../runtime/docker-fixtures.ts';

if (!dockerEnabled) {
  process.stdout.write(`registry attacks skipped: ${DOCKER_SKIP_REASON}\n`);
  describe('attacks on the builtin registry', () => {
    it.skip(`anonymous and forged access (skipped: ${DOCKER_SKIP_REASON})`, () => {});
  });
} else {
  const docker = new Docker();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-registry-attack-'));
  const repo = `berth-attack${crypto.randomBytes(3).toString('hex')}/victim`;
  let registry: BuiltinRegistry;
  let digest = '';

  /** One request as an attacker would send it: status code only. */
  const attempt = (
    method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    headers: Record<string, string> = {},
  ) => registryStatus(url, { method, headers, ca: registry.ca ?? null });
  const basic = basicAuth;

  describe('attacks on the builtin registry', () => {
    beforeAll(async () => {
      const address = `127.0.0.1:${await freePort('127.0.0.1')}`;
      registry = await startBuiltinRegistry({ dataDir, address, logger: silentLogger() });
      await docker.getImage(STACK_BASE_IMAGE).tag({ repo, tag: 'prod-v1' });
      const pinned = await pushImage(docker, registry, `${repo}:prod-v1`);
      digest = pinned.slice(pinned.indexOf('@') + 1);
    }, 120_000);
    afterAll(async () => {
      await registry?.stop();
      const pushed = await docker.listImages({ filters: { reference: [`${registry.address}/${repo}`] } });
      for (const ref of pushed.flatMap((i) => [...(i.RepoTags ?? []), ...(i.RepoDigests ?? [])])) {
        await docker
          .getImage(ref)
          .remove({ force: true })
          .catch(() => {});
      }
      await docker
        .getImage(`${repo}:prod-v1`)
        .remove({ force: true })
        .catch(() => {});
      fs.rmSync(path.join(DOCKER_CERTS_DIR, registry.address), { recursive: true, force: true });
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it("gives an app without berthd's account nothing: no list, no manifest, no layer, no push, no delete", async () => {
      const base = `https://${registry.address}/v2`;
      const wrong = [
        {},
        basic('berth', ''),
        basic('berth', 'guess'),
        basic('berth', registry.password.slice(0, -1)),
        basic('admin', registry.password),
        basic('berth', `${registry.password}x`),
        { authorization: 'Bearer anything' },
      ];
      for (const headers of wrong) {
        expect(await attempt('GET', `${base}/_catalog`, headers)).toBe(401);
        expect(await attempt('GET', `${base}/${repo}/manifests/${digest}`, headers)).toBe(401);
        expect(await attempt('HEAD', `${base}/${repo}/manifests/prod-v1`, headers)).toBe(401);
        expect(await attempt('GET', `${base}/${repo}/tags/list`, headers)).toBe(401);
        expect(await attempt('POST', `${base}/${repo}/blobs/uploads/`, headers)).toBe(401);
        expect(await attempt('PUT', `${base}/evil/manifests/latest`, headers)).toBe(401);
        expect(await attempt('DELETE', `${base}/${repo}/manifests/${digest}`, headers)).toBe(401);
      }
      // Plain HTTP is refused before any of it.
      const plain = await request(`http://${registry.address}/v2/_catalog`, {
        headers: basic('berth', registry.password),
      });
      await plain.body.dump();
      expect(plain.statusCode).toBe(400);
      // The manifest is still there, for berthd's account only.
      const ok = {
        ...basic('berth', registry.password),
        accept: 'application/vnd.docker.distribution.manifest.v2+json',
      };
      expect(await attempt('GET', `${base}/${repo}/manifests/${digest}`, ok)).toBe(200);
    }, 60_000);

    it('keeps its password, key and store closed to every other user of the host', () => {
      const dir = path.join(dataDir, 'registry');
      for (const name of ['.', 'credentials.json', 'htpasswd', 'tls.key', 'config.yml', 'storage']) {
        const stat = fs.statSync(path.join(dir, name));
        expect(stat.uid).toBe(process.getuid?.() ?? stat.uid);
        expect(stat.mode & 0o077).toBe(0);
      }
    });
  });
}
