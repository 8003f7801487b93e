// What berthd creates with BERTH_RUNTIME=docker or swarm: the Docker client, the driver (instances
// and one-off runs in their release's image, as their environment's run identity), the stack
// images, looked up and built on first need (never at start: a build takes minutes), and on Swarm
// the registry release images go through to the nodes (started here when it is berthd's own).
import fs from 'node:fs';
import Docker from 'dockerode';
import type { Config, RegistrySetting } from '../../config.ts';
import type { EngineContainers } from '../../engine/engine-deps.ts';
import { engineError, engineStatus } from '../../images/engine.ts';
import { STACK_IMAGES } from '../../images/index.ts';
import {
  type BuiltinRegistry,
  engineAuth,
  type RegistryAccess,
  startBuiltinRegistry,
} from '../../images/registry/index.ts';
import type { Logger } from '../../logger.ts';
import type { RuntimeDriver } from '../driver.ts';
import { createSwarmDriver } from '../swarm/index.ts';
import { HOST_ALIAS } from './container-config.ts';
import { createDockerDriver } from './docker-driver.ts';
import { createEngineContainers } from './engine-containers.ts';
import { createStackImages } from './stack-images.ts';

export interface DockerParts {
  driver: RuntimeDriver;
  /** How instances reach the host (berthd's API): a name Docker maps to the host's bridge address,
   *  or on Swarm the gateway of the node's `docker_gwbridge`. */
  hostAddress: string;
  /** The engine's `containers` dependency. */
  containers: EngineContainers;
  /** The Docker client, for what reads images besides the engine (the image source). */
  docker: Docker;
  /** The registry this berthd runs itself (BERTH_REGISTRY=builtin), for its garbage collection. */
  builtinRegistry?: BuiltinRegistry | undefined;
}

export interface DockerPartsOptions {
  /** This installation's code (part of host-level names, and the owner label). */
  installation: string;
  /** This berthd among the replicas sharing the store (jobs/replica-id.ts): on its one-off jobs. */
  replica: string;
  /** berthd's listening ports, once it listens: on Swarm, let through the firewall that keeps
   *  containers away from published ports (instances call the API as BERTH_API_URL). */
  hostPorts?: () => Iterable<number>;
}

export async function createDockerParts(
  config: Readonly<Config>,
  logger: Logger,
  { installation, replica, hostPorts = () => [] }: DockerPartsOptions,
): Promise<DockerParts> {
  const docker = new Docker({ socketPath: config.runtime.docker.socket });
  const swarm = config.runtime.driver === 'swarm';
  if (swarm) await joinSingleNodeSwarm(docker, logger);
  const setting = config.runtime.registry;
  const builtinRegistry =
    swarm && setting.kind === 'builtin'
      ? await startBuiltinRegistry({ dataDir: config.dataDir, address: setting.address, logger })
      : undefined;
  const registry = builtinRegistry ?? (swarm ? externalRegistry(setting) : undefined);
  const shared = {
    docker,
    logger,
    dataDir: config.dataDir,
    installation,
    replica,
    stopGraceMs: config.runtime.stopGraceMs,
    logRetentionMs: config.runtime.logRetentionMs,
  };
  const driver = swarm
    ? createSwarmDriver({ ...shared, registryAuth: registry ? engineAuth(registry) : undefined, hostPorts })
    : createDockerDriver({
        ...shared,
        // A spec without an image is an instance started before releases named theirs.
        image: () => STACK_IMAGES.node,
      });
  const stacks = createStackImages({
    docker,
    logger,
    dataDir: config.dataDir,
    mirror: config.runtime.docker.debianMirror,
  });
  return {
    driver,
    hostAddress: swarm ? await gwbridgeGateway(docker) : HOST_ALIAS,
    containers: createEngineContainers({
      docker,
      installation,
      logger,
      registry,
      stackImage: (name, log) => stacks.ensure(name, log),
    }),
    docker,
    ...(builtinRegistry ? { builtinRegistry } : {}),
  };
}

/**
 * An engine in no swarm at all becomes a single-node one (advertising 127.0.0.1), as `npm start`
 * on one machine expects; a swarm of several nodes is made by its operator (`docker swarm init` on
 * a manager's address, `docker swarm join` on the others) and left as it is.
 */
async function joinSingleNodeSwarm(docker: Docker, logger: Logger): Promise<void> {
  let info: { Swarm?: { LocalNodeState?: string } };
  try {
    info = (await docker.info()) as typeof info;
  } catch (err) {
    throw engineError(err);
  }
  if (info.Swarm?.LocalNodeState !== 'inactive') return;
  await docker.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' });
  logger.warn(
    'the Docker engine was in no swarm: it is now a single-node swarm on 127.0.0.1 (for several nodes, see docs/swarm.md)',
  );
}

/** An operator's registry (BERTH_REGISTRY=https://…); none when it is off (or builtin, made above). */
function externalRegistry(setting: RegistrySetting): RegistryAccess | undefined {
  if (setting.kind !== 'external') return undefined;
  return {
    address: setting.address,
    username: setting.username,
    password: setting.password,
    ca: setting.caFile ? fs.readFileSync(setting.caFile, 'utf8') : undefined,
  };
}

/** Where a task on this node reaches the node: the gateway of `docker_gwbridge` (the bridge Swarm
 *  gives overlay-attached containers their way out on). Tasks on other nodes reach their own node
 *  there; a swarm of several nodes sets BERTH_HOST to an address of berthd's they all reach. */
async function gwbridgeGateway(docker: Docker): Promise<string> {
  try {
    const network = (await docker.getNetwork('docker_gwbridge').inspect()) as {
      IPAM?: { Config?: Array<{ Gateway?: string }> };
    };
    return network.IPAM?.Config?.find((c) => c.Gateway)?.Gateway ?? '172.18.0.1';
  } catch (err) {
    if (engineStatus(err) === 404) return '172.18.0.1';
    throw err;
  }
}
