// Setup shared by the Docker driver tests (docker.docker.test.ts, docker-hostile.docker.test.ts): the gate, the
// test-only image, a driver factory whose cleanup also removes what a closed driver left behind, and
// the contract hooks that observe a container from outside.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { create as createTar } from 'tar';
import { engineStatus, imageExists } from '../../src/images/engine.ts';
import { ensureStackImage } from '../../src/images/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { createDockerDriver, type DockerDriverOptions } from '../../src/runtime/docker/index.ts';
import type { InstanceInfo } from '../../src/runtime/index.ts';
import { CONTRACT_RESTART_POLICY, type ContractDriver, type ContractOptions } from './contract.ts';
import { driverDataDir, ownedDriver } from './driver-fixtures.ts';

export const dockerEnabled = process.env['BERTH_TEST_DOCKER'] === '1';
export const DOCKER_SKIP_REASON =
  'set BERTH_TEST_DOCKER=1 with a running dockerd; scripts/docker-setup.sh starts one';

/**
 * The contract's test app listens on 127.0.0.1, which a published container port never reaches:
 * this test-only image wraps node with a preload that makes 127.0.0.1 listeners listen on 0.0.0.0
 * (apps on a container platform listen on all interfaces).
 */
/** The hostile app of the isolation tests (test/fixtures/hostile/server.js lists its attacks). */
export const HOSTILE_FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'hostile');
/** The attacks the hostile app reports, each with whether it was blocked. */
export const HOSTILE_ATTACKS = [
  'readOtherApp',
  'procRootEscape',
  'writeOtherApp',
  'writeRoot',
  'writeApp',
  'otherAppContainer',
  'otherAppPublishedPort',
  'dockerSocket',
  'hostServices',
  'forkBomb',
  'memoryBomb',
  'privileges',
];

export const TEST_IMAGE = 'berth/test-node-anyhost:20';
export const TEST_NODE = '/usr/local/bin/node-anyhost';
const LISTEN_ANY = `'use strict';
const net = require('node:net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && args[1] === '127.0.0.1') args[1] = '0.0.0.0';
  return listen.apply(this, args);
};
`;
const WRAPPER = `#!/bin/sh\nunset PWD\nexec /usr/local/bin/node --require /usr/local/lib/berth-test/listen-any.cjs "$@"\n`;

/**
 * A container of the test image running `node -e script` (a script that logs `started` once it is
 * ready, its own signal handlers set), returned once it logged that. The caller removes it.
 */
export async function startNodeScript(
  docker: Docker,
  script: string,
  label: string,
): Promise<Docker.Container> {
  const container = await docker.createContainer({
    Image: TEST_IMAGE,
    Entrypoint: ['/usr/local/bin/node'],
    Cmd: ['-e', script],
    Labels: { 'berth.test': label },
  });
  try {
    await container.start();
    for (let i = 0; i < 100; i++) {
      const raw = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
      if (raw.toString().includes('started')) return container;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the ${label} container did not log "started" within 10 s`);
  } catch (err) {
    await container.remove({ force: true }).catch(() => undefined);
    throw err;
  }
}

/** Builds berth/stack-node:24 when missing, then the test image on top of it when missing. */
export async function buildTestImage(docker: Docker, dataDir: string): Promise<void> {
  const started = Date.now();
  const base = await ensureStackImage({ docker, logger: silentLogger(), dataDir, name: 'node' });
  if (await imageExists(docker, TEST_IMAGE)) return;
  fs.mkdirSync(dataDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(dataDir, 'test-image-'));
  fs.mkdirSync(path.join(staging, 'usr/local/lib/berth-test'), { recursive: true });
  fs.mkdirSync(path.join(staging, 'usr/local/bin'), { recursive: true });
  fs.writeFileSync(path.join(staging, 'usr/local/lib/berth-test/listen-any.cjs'), LISTEN_ANY, {
    mode: 0o644,
  });
  fs.writeFileSync(path.join(staging, 'usr/local/bin/node-anyhost'), WRAPPER, { mode: 0o755 });
  const container = await docker.createContainer({ Image: base, Cmd: ['/bin/true'] });
  try {
    await container.putArchive(Readable.from(createTar({ cwd: staging, portable: true }, ['usr'])), {
      path: '/',
    });
    const [repo, tag] = TEST_IMAGE.split(':');
    await container.commit({ repo, tag });
  } finally {
    await container.remove({ force: true });
    fs.rmSync(staging, { recursive: true, force: true });
  }
  process.stdout.write(`docker test image ready in ${Date.now() - started} ms\n`);
}

const ownerOf = (dataDir: string) => crypto.createHash('sha256').update(dataDir).digest('hex').slice(0, 16);

/** A docker driver factory for the contract (test image, contract restart policy, `extra` on top). */
export function makeDockerDriver(docker: Docker, extra: Partial<DockerDriverOptions> = {}) {
  return async (reuse?: { dataDir: string }): Promise<ContractDriver> => {
    const dataDir = driverDataDir('berth-docker-', reuse);
    const driver = createDockerDriver({
      docker,
      dataDir,
      logger: silentLogger(),
      image: () => TEST_IMAGE,
      restartPolicy: CONTRACT_RESTART_POLICY,
      ...extra,
    });
    return ownedDriver(driver, dataDir, async () => {
      // Whatever a closed driver left behind.
      const left = await docker.listContainers({
        all: true,
        filters: { label: [`berth.owner=${ownerOf(dataDir)}`] },
      });
      await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    });
  };
}

/** Removes the app networks of these apps (found by their `berth.app` label, of any installation). */
export async function removeAppNetworks(docker: Docker, apps: string[]): Promise<void> {
  const networks = await docker.listNetworks({ filters: { label: apps.map((app) => `berth.app=${app}`) } });
  for (const network of networks) {
    if (!apps.includes(network.Labels?.['berth.app'] ?? '')) continue;
    await docker
      .getNetwork(network.Id)
      .remove()
      .catch(() => {});
  }
}

/** The container of an instance, found by its `berth.instance` label. */
export async function instanceContainer(docker: Docker, info: { id: string }): Promise<Docker.Container> {
  const [found] = await docker.listContainers({
    all: true,
    filters: { label: [`berth.instance=${info.id}`] },
  });
  if (!found) throw Object.assign(new Error(`no container for ${info.id}`), { statusCode: 404 });
  return docker.getContainer(found.Id);
}

/** The one network a container is on (each instance is on its app's network only). */
export function onlyNetwork(data: Docker.ContainerInspectInfo): { Gateway: string; IPAddress: string } {
  const networks = Object.values(data.NetworkSettings.Networks);
  if (networks.length !== 1) throw new Error(`expected one network, found ${networks.length}`);
  return networks[0]!;
}

/** The pid a host process has in its own (innermost) pid namespace, from /proc/<pid>/status. */
function namespacedPid(hostPid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${hostPid}/status`, 'utf8');
    const match = /^NSpid:\s+(.+)$/m.exec(status);
    return match ? Number(match[1]!.trim().split(/\s+/).at(-1)) : undefined;
  } catch {
    return undefined; // gone meanwhile
  }
}

/** How the contract observes a container from outside (see ContractOptions). */
export function dockerContractHooks(
  docker: Docker,
): Pick<
  ContractOptions,
  'killInstance' | 'pathInInstance' | 'hostPath' | 'listenPort' | 'processAlive' | 'runIdentity'
> {
  const inspect = async (info: InstanceInfo) => (await instanceContainer(docker, info)).inspect();
  return {
    killInstance: async (info) => {
      await (await instanceContainer(docker, info)).kill();
    },
    // The artifact is mounted at /app.
    pathInInstance: (_artifactDir, rel) => path.posix.join('/app', rel),
    // The source of the deepest mount the path is under.
    hostPath: async (info, p) => {
      const mounts = (await inspect(info)).Mounts.filter(
        (m) => p === m.Destination || p.startsWith(`${m.Destination}/`),
      ).sort((a, b) => b.Destination.length - a.Destination.length);
      const mount = mounts[0];
      if (!mount) throw new Error(`${p} is on no bind mount of ${info.id}`);
      return path.join(mount.Source, path.posix.relative(mount.Destination, p));
    },
    // The container port published at the instance's address.
    listenPort: async (info) => {
      const ports = (await inspect(info)).NetworkSettings.Ports ?? {};
      for (const [key, bindings] of Object.entries(ports)) {
        if (bindings?.some((b) => Number(b.HostPort) === info.address?.port)) return Number.parseInt(key, 10);
      }
      throw new Error(`no port of ${info.id} is published at ${info.address?.port}`);
    },
    // Among the container's processes (docker top lists host pids; NSpid maps them); a stopped or
    // removed container has none.
    processAlive: async (info, pid) => {
      let top: { Titles: string[]; Processes: string[][] };
      try {
        top = (await (await instanceContainer(docker, info)).top()) as typeof top;
      } catch (err) {
        const status = engineStatus(err);
        if (status === 404 || status === 409) return false;
        throw err;
      }
      const column = top.Titles.indexOf('PID');
      return top.Processes.some((row) => namespacedPid(Number(row[column])) === pid);
    },
    runIdentity: async (info) => {
      const data = await inspect(info);
      return `${data.Id}@${data.State.StartedAt}`;
    },
  };
}
