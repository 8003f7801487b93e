// Setup shared by the Swarm driver tests (swarm.docker.test.ts): the gate (docker tier, and an engine
// that is a swarm manager: a fresh engine is made one here, as CI's is not), the image of an artifact
// dir (the test image with the dir at /app, as a release image is the stack image with the build at
// /app), a driver factory whose cleanup removes what a closed driver left behind, and the contract
// hooks (the Docker ones, which find an instance's container by its label, except where a file of
// its tmpfs HOME lies: under /proc/<pid>/root of its process).
import crypto from 'node:crypto';
import path from 'node:path';
import type Docker from 'dockerode';
import { create as createTar } from 'tar';
import { engineStatus } from '../../src/images/engine.ts';
import { silentLogger } from '../../src/logger.ts';
import type { InstanceInfo } from '../../src/runtime/index.ts';
import { createSwarmDriver, type SwarmDriverOptions } from '../../src/runtime/swarm/index.ts';
import { CONTRACT_RESTART_POLICY, type ContractDriver, type ContractOptions } from './contract.ts';
import {
  DOCKER_SKIP_REASON,
  dockerContractHooks,
  dockerEnabled,
  instanceContainer,
  TEST_IMAGE,
} from './docker-fixtures.ts';
import { driverDataDir, ownedDriver } from './driver-fixtures.ts';

const APP_IMAGE_REPO = 'berth-test/swarm-app';

/** Undefined when the swarm tests can run, else why not. Makes a lone engine a one-node swarm. */
export async function swarmSkipReason(docker: Docker): Promise<string | undefined> {
  if (!dockerEnabled) return DOCKER_SKIP_REASON;
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
  if (info.Swarm?.LocalNodeState === 'inactive') {
    await docker.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' });
    process.stdout.write('swarm tests: made this engine a single-node swarm (advertise 127.0.0.1)\n');
    return undefined;
  }
  if (info.Swarm?.LocalNodeState !== 'active' || !info.Swarm.ControlAvailable)
    return `the engine is in swarm state "${info.Swarm?.LocalNodeState}" and not a manager; the swarm tests need a manager`;
  return undefined;
}

/** Images of artifact dirs: the test image with the dir's files (owners and modes kept) at /app. */
export function appImages(docker: Docker) {
  const made = new Set<string>();
  return {
    async imageFor(artifactDir: string): Promise<string> {
      const tag = crypto.createHash('sha256').update(artifactDir).digest('hex').slice(0, 16);
      const container = await docker.createContainer({ Image: TEST_IMAGE, Cmd: ['/bin/true'] });
      try {
        const tar = createTar({ cwd: artifactDir, prefix: 'app/' }, ['.']);
        await container.putArchive(tar as unknown as NodeJS.ReadableStream, { path: '/' });
        await container.commit({ repo: APP_IMAGE_REPO, tag });
      } finally {
        await container.remove({ force: true });
      }
      made.add(`${APP_IMAGE_REPO}:${tag}`);
      return `${APP_IMAGE_REPO}:${tag}`;
    },
    async removeAll(): Promise<void> {
      for (const image of made) {
        await docker
          .getImage(image)
          .remove({ force: true })
          .catch((err) => {
            if (engineStatus(err) !== 404) throw err;
          });
      }
      made.clear();
    },
  };
}

const ownerOf = (dataDir: string) => crypto.createHash('sha256').update(dataDir).digest('hex').slice(0, 16);

/** A swarm driver factory for the contract (contract restart policy, a short default grace). */
export function makeSwarmDriver(docker: Docker, extra: Partial<SwarmDriverOptions> = {}) {
  return async (reuse?: { dataDir: string }): Promise<ContractDriver> => {
    const dataDir = driverDataDir('berth-swarm-', reuse);
    const driver = createSwarmDriver({
      docker,
      dataDir,
      logger: silentLogger(),
      restartPolicy: CONTRACT_RESTART_POLICY,
      stopGraceMs: 2000,
      ...extra,
    });
    return ownedDriver(driver, dataDir, async () => {
      // Whatever a closed driver left behind.
      const left = (await docker.listServices({
        filters: { label: [`berth.owner=${ownerOf(dataDir)}`] },
      })) as Array<{ ID: string }>;
      await Promise.all(left.map((s) => docker.getService(s.ID).remove()));
    });
  };
}

/** Removes the overlay networks of these apps (by their `berth.app` label), once Swarm let them go. */
export async function removeOverlayNetworks(docker: Docker, apps: string[]): Promise<void> {
  // One query per app: label filters of one query must all match.
  const found = await Promise.all(
    apps.map((app) => docker.listNetworks({ filters: { label: [`berth.app=${app}`] } })),
  );
  for (const network of found.flat()) {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await docker.getNetwork(network.Id).remove();
        break;
      } catch (err) {
        if (engineStatus(err) === 404) break;
        await new Promise((r) => setTimeout(r, 500)); // tasks still leaving
      }
    }
  }
}

/** How the contract observes a Swarm instance from outside: the Docker hooks (the newest container
 *  with the instance's label is its current task's), and HOME's files under /proc/<pid>/root. */
export function swarmContractHooks(
  docker: Docker,
): Pick<
  ContractOptions,
  'killInstance' | 'pathInInstance' | 'hostPath' | 'listenPort' | 'processAlive' | 'runIdentity'
> {
  return {
    ...dockerContractHooks(docker),
    hostPath: async (info: InstanceInfo, p: string) => {
      const data = await (await instanceContainer(docker, info)).inspect();
      return path.join(`/proc/${data.State.Pid}/root`, p);
    },
  };
}
