// One-off runs on Swarm (release commands, `berth run`): a replicated job (one task, no restart) on
// the app's overlay network with the instances' image, user, isolation and limits
// (service-spec.ts), placed on the node berthd talks to, so that its task container is here: the
// output is followed from that container as it comes and its exit code read from it, exactly as the
// Docker runtime does for its task containers (run-task.ts `followToExit`). The time limit and an
// abort kill the container; the job is removed in every case, and the run resolves once its
// container is gone. Jobs carry `berth.owner` and `berth.task`, no `berth.instance`, and their
// replica and deadline (job-owner.ts): `recover()` and the driver's sync remove the ones a dead
// berthd left, not another live replica's.
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { BerthError, isBerthError } from '../../errors.ts';
import { engineError } from '../../images/engine.ts';
import type { Logger } from '../../logger.ts';
import type { AppNetworks } from '../docker/app-networks.ts';
import { containerUser } from '../docker/run-as.ts';
import { followToExit } from '../docker/run-task.ts';
import type { RunExit, RunIO, RunSpec } from '../driver.ts';
import { runService } from './service-spec.ts';
import type { ResolvedSwarmOptions } from './swarm-options.ts';
import { createService, removeService, serviceTasks } from './swarm-services.ts';
import { taskPhase } from './task-states.ts';

const TASK_POLL_MS = 150;

export function createSwarmRuns(
  options: ResolvedSwarmOptions,
  parts: { networks: AppNetworks; logger: Logger; nodeId: () => Promise<string> },
): (spec: RunSpec, io: RunIO) => Promise<RunExit> {
  const { docker } = options;
  return async (spec, io) => {
    if (!spec.image)
      throw new BerthError('RUNTIME_SPEC_INVALID', 'The run spec is not valid: Swarm runs need an image');
    const nodeId = await parts.nodeId();
    await parts.networks.ensure(spec.app);
    let service: Docker.Service;
    try {
      service = await createService(
        docker,
        options.registryAuth,
        runService(spec, options, containerUser(options.dataDir, spec), nodeId, Date.now()),
      );
    } catch (err) {
      throw startError(err);
    }
    try {
      const exit = await followToExit(
        docker,
        (cancelled) => taskContainer(docker, service.id, cancelled),
        spec,
        io,
        parts.logger,
      );
      return exit;
    } finally {
      await removeService(docker, service.id).catch((err) =>
        parts.logger.warn({ err, run: spec.id }, 'could not remove a one-off job'),
      );
    }
  };
}

/** The container of the job's task, once Swarm made it; a task that could not start fails the run. */
async function taskContainer(
  docker: Docker,
  serviceId: string,
  cancelled: AbortSignal,
): Promise<Docker.Container> {
  for (;;) {
    cancelled.throwIfAborted();
    const [task] = await serviceTasks(docker, [serviceId]);
    const id = task?.Status.ContainerStatus?.ContainerID;
    // Once it was started (Swarm creates the container before): its log and exit code are its run's.
    if (task && id && taskPhase(task) !== 'pending' && taskPhase(task) !== 'rejected')
      return docker.getContainer(id);
    if (task && (taskPhase(task) === 'rejected' || (taskPhase(task) === 'failed' && !id))) {
      throw new BerthError('RUNTIME_START_FAILED', undefined, {
        error: task.Status.Err ?? task.Status.State,
      });
    }
    await sleep(TASK_POLL_MS);
  }
}

function startError(err: unknown): unknown {
  const mapped = engineError(err);
  if (isBerthError(mapped)) return mapped;
  return new BerthError('RUNTIME_START_FAILED', undefined, { error: String(err).slice(0, 500) });
}
