// What berthd creates with BERTH_RUNTIME=docker: the Docker client, the driver (instances and one-off
// runs in their release's image, as their environment's run identity) and the
// stack images, looked up and built on first need (never at start: a build takes minutes).
import Docker from 'dockerode';
import type { Config } from '../../config.ts';
import type { EngineContainers } from '../../engine/engine-deps.ts';
import { STACK_IMAGES } from '../../images/index.ts';
import type { Logger } from '../../logger.ts';
import type { RuntimeDriver } from '../driver.ts';
import { HOST_ALIAS } from './container-config.ts';
import { createDockerDriver } from './docker-driver.ts';
import { createEngineContainers } from './engine-containers.ts';
import { createStackImages } from './stack-images.ts';

export interface DockerParts {
  driver: RuntimeDriver;
  /** How instances reach the host (berthd's API): a name Docker maps to the host's bridge address. */
  hostAddress: string;
  /** The engine's `containers` dependency. */
  containers: EngineContainers;
  /** The Docker client, for what reads images besides the engine (the image source). */
  docker: Docker;
}

export function createDockerParts(
  config: Readonly<Config>,
  logger: Logger,
  installation: string,
): DockerParts {
  const docker = new Docker({ socketPath: config.runtime.docker.socket });
  const driver = createDockerDriver({
    docker,
    logger,
    dataDir: config.dataDir,
    // A spec without an image is an instance started before releases named theirs.
    image: () => STACK_IMAGES.node,
    installation,
    stopGraceMs: config.runtime.stopGraceMs,
    logRetentionMs: config.runtime.logRetentionMs,
  });
  const stacks = createStackImages({
    docker,
    logger,
    dataDir: config.dataDir,
    mirror: config.runtime.docker.debianMirror,
  });
  return {
    driver,
    hostAddress: HOST_ALIAS,
    containers: createEngineContainers({
      docker,
      installation,
      logger,
      stackImage: (name, log) => stacks.ensure(name, log),
    }),
    docker,
  };
}
