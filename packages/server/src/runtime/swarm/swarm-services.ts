// Engine API steps on services that the instances and the one-off runs share: reading a service's
// tasks, and removing a service until its containers are gone (Swarm removes them after the
// service, asynchronously; `stop` and `runOnce` resolve only when nothing of it is left here).
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { engineError, engineStatus } from '../../images/engine.ts';
import type { LogEndpoint } from '../docker/docker-logs.ts';
import type { RegistryAuth } from './swarm-options.ts';
import { type SwarmTask, taskEnded } from './task-states.ts';

/** The label Swarm puts on the containers of a service's tasks. */
const SERVICE_ID_LABEL = 'com.docker.swarm.service.id';
const GONE_TIMEOUT_MS = 60_000;

export async function serviceTasks(docker: Docker, serviceIds: string[]): Promise<SwarmTask[]> {
  if (serviceIds.length === 0) return [];
  try {
    return (await docker.listTasks({ filters: { service: serviceIds } })) as SwarmTask[];
  } catch (err) {
    throw engineError(err);
  }
}

/** Removes the service (gone already counts as removed) and its containers on this node: Swarm
 *  removes an instance's task containers itself, some time after the service, but leaves those of a
 *  job that ran to completion (Docker 20.10). A task Swarm had handed to its node before the removal
 *  may get its container only afterwards (a run killed by its time limit before its container
 *  existed left one behind, exited): so this waits until every task of the service has ended (Swarm
 *  drops a removed instance service's tasks once their node reported them shut down, and keeps a
 *  job's `complete` one) and no container of it is left here, removing what it finds. */
export async function removeService(docker: Docker, serviceId: string): Promise<void> {
  await untilReaped(docker, serviceId);
  try {
    await docker.getService(serviceId).remove();
  } catch (err) {
    if (engineStatus(err) !== 404) throw engineError(err);
  }
  const until = Date.now() + GONE_TIMEOUT_MS;
  for (;;) {
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`${SERVICE_ID_LABEL}=${serviceId}`] },
    });
    await Promise.all(
      left.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch((err) => {
            // Being removed by Swarm meanwhile.
            if (engineStatus(err) !== 404 && engineStatus(err) !== 409) throw engineError(err);
          }),
      ),
    );
    // The task filter takes a service that exists only: every task is read, filtered here.
    const tasks = (await docker.listTasks().catch((err) => {
      throw engineError(err);
    })) as SwarmTask[];
    if (left.length === 0 && tasks.every((t) => t.ServiceID !== serviceId || taskEnded(t))) return;
    if (Date.now() > until)
      throw new Error(`the tasks or containers of service ${serviceId} are still there`);
    await sleep(100);
  }
}

/** How long the removal of a service scaled to 0 waits for Swarm to delete its ended tasks. */
const REAPED_TIMEOUT_MS = 15_000;

/**
 * Before a service scaled to 0 is removed: waits until Swarm's task reaper deleted the tasks the
 * scale-down marked for removal (it does, a moment after they ended). Docker 20.10's manager dereferences a task it read a moment before
 * when a service is removed (swarmkit's SetServiceTasksRemove): when the reaper deleted that task in
 * between, the whole dockerd panics and every service and container on the node goes with it. A
 * service with no such task left cannot meet that. Other services (running, or one-off jobs, whose tasks
 * are kept) are removed at once.
 */
async function untilReaped(docker: Docker, serviceId: string): Promise<void> {
  let spec: { Mode?: { Replicated?: { Replicas?: number } } };
  try {
    spec = ((await docker.getService(serviceId).inspect()) as { Spec: typeof spec }).Spec;
  } catch (err) {
    if (engineStatus(err) === 404) return;
    throw engineError(err);
  }
  if (spec.Mode?.Replicated?.Replicas !== 0) return;
  const until = Date.now() + REAPED_TIMEOUT_MS;
  while (Date.now() < until) {
    const tasks = (await docker.listTasks({ filters: { service: [serviceId] } }).catch((err) => {
      if (engineStatus(err) === 404) return [];
      throw engineError(err);
    })) as SwarmTask[];
    // The reaper deletes the tasks the scale-down marked `remove`; older runs of the instance (kept
    // as history, desired `shutdown`) stay, and are not deleted under the removal.
    if (!tasks.some((t) => t.DesiredState === 'remove')) return;
    await sleep(100);
  }
}

/**
 * Where an instance's log is read (docker-logs.ts reads it): a follower reads the service's log,
 * every task's lines as they come; a read of what was logged so far takes the task containers' own
 * logs when all are on this node, because Swarm assembles a service's log from its nodes and, for a
 * moment after a task ended, may not have its last lines yet (the lines a stopping app prints). The
 * multiplexed frames of several containers follow each other; the reader sorts lines by time.
 */
export function serviceLogEndpoint(
  docker: Docker,
  serviceId: string,
  self: () => Promise<string>,
): LogEndpoint {
  return {
    async logs(opts: object) {
      const service = docker.getService(serviceId);
      if ((opts as { follow?: boolean }).follow) return service.logs(opts);
      await service.inspect(); // gone: 404, the reader goes to the archive
      const [tasks, node] = await Promise.all([serviceTasks(docker, [serviceId]), self()]);
      const runs = tasks.filter((t) => t.Status.ContainerStatus?.ContainerID);
      if (runs.some((t) => t.NodeID !== node)) return service.logs(opts);
      const parts: Buffer[] = [];
      for (const t of runs) {
        try {
          const container = docker.getContainer(t.Status.ContainerStatus!.ContainerID!);
          parts.push((await container.logs({ ...opts, follow: false })) as unknown as Buffer);
        } catch (err) {
          if (engineStatus(err) !== 404) throw engineError(err);
        }
      }
      return Buffer.concat(parts);
    },
  };
}

/** Whether a task's container still runs (gone counts as ended). */
export async function containerRuns(docker: Docker, id: string): Promise<boolean> {
  try {
    const data = await docker.getContainer(id).inspect();
    return data.State.Running;
  } catch (err) {
    if (engineStatus(err) === 404) return false;
    throw engineError(err);
  }
}

/** Creates a service; with `auth`, Swarm gets the registry account its nodes pull the image with. */
export function createService(
  docker: Docker,
  auth: RegistryAuth | undefined,
  spec: Docker.CreateServiceOptions,
): Promise<Docker.Service> {
  return auth ? docker.createService(auth, spec) : docker.createService(spec);
}
