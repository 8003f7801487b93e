// What Swarm gets for an instance (a replicated service of one task) and for a one-off run (a
// replicated job): pure functions of the spec and the driver's settings, so the isolation settings
// can be read, and tested, in one place. The container inside is the Docker runtime's
// (container-config.ts: same labels, environment, user, limits; the read-only root, dropped
// capabilities and init from CONTAINER_ISOLATION, containers/container-create.ts), with what
// differs on a swarm:
// - the release comes in the image (`spec.image`, the artifact at /app), nothing is bind-mounted:
//   any node can run the task;
// - HOME (/home/app) and /tmp are tmpfs of the task (mode 1777: the app's uid is not root and a
//   tmpfs cannot be given to it; only that task's processes see it). HOME is per task: a restarted
//   task starts with an empty one, as on Heroku;
// - the network is the app's overlay network;
// - a listen instance publishes its container port in host mode without a published port: Swarm
//   picks a free port of the node the task runs on (the task's PortStatus tells which). Swarm binds
//   it on every address of the node (Engine API 1.41 has no host IP for it), see docs/swarm.md;
// - no-new-privileges: API 1.41 has no per-service setting, only dockerd's `no-new-privileges`
//   default (daemon.json); the driver warns at start when it is not set (swarm-driver.ts);
// - no `host.docker.internal` (`host-gateway` is a `docker run` feature, not a service one).
import type Docker from 'dockerode';
import { CONTAINER_ISOLATION } from '../../containers/container-create.ts';
import {
  APP_MOUNT,
  containerEnv,
  containerName,
  HOME_MOUNT,
  instanceLabels,
  LABELS,
  networkName,
} from '../docker/container-config.ts';
import { jobOwnerLabels } from '../docker/job-owner.ts';
import { TASK_LABEL } from '../docker/run-task.ts';
import type { InstanceSpec, RunSpec } from '../driver.ts';
import { runAsInstanceSpec } from '../instance-spec.ts';
import type { ResolvedSwarmOptions } from './swarm-options.ts';

const TMPFS_BYTES = 64 * 1024 * 1024;
const NS_PER_MS = 1_000_000;
/** Swarm's limit on a service name (a DNS label). */
const MAX_SERVICE_NAME = 63;

/** `berth-{installation}-{id}`, made a valid service name (instance ids may hold `_` and `.` and be
 *  128 long): other characters become `-`, a long name is cut and ends with a hash of the id. The
 *  driver finds services by their labels, never by name. */
export function serviceName(options: Pick<ResolvedSwarmOptions, 'owner'>, id: string): string {
  const name = containerName(options, id).replace(/[^A-Za-z0-9-]/g, '-');
  if (name.length <= MAX_SERVICE_NAME && !name.endsWith('-')) return name;
  let hash = 0;
  for (const ch of id) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) >>> 0;
  return `${name.slice(0, MAX_SERVICE_NAME - 9)}-${hash.toString(16).padStart(8, '0')}`;
}

type User = { uid: number; gid: number };

function containerSpec(
  spec: InstanceSpec,
  options: ResolvedSwarmOptions,
  user: User,
  labels: Record<string, string>,
): Docker.ContainerSpec {
  const port = spec.listen ? options.containerPort : undefined;
  return {
    Image: spec.image,
    Command: spec.command,
    Env: Object.entries(containerEnv(spec, port)).map(([k, v]) => `${k}=${v}`),
    ...(spec.appInImage ? {} : { Dir: APP_MOUNT }),
    User: `${user.uid}:${user.gid}`,
    Labels: labels,
    Init: CONTAINER_ISOLATION.init,
    ReadOnly: CONTAINER_ISOLATION.readOnlyRoot,
    CapabilityDrop: [...CONTAINER_ISOLATION.capDrop],
    Mounts: [
      { Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: TMPFS_BYTES, Mode: 0o1777 } },
      { Type: 'tmpfs', Target: HOME_MOUNT, TmpfsOptions: { SizeBytes: TMPFS_BYTES, Mode: 0o1777 } },
    ] as Docker.MountSettings[],
    StopGracePeriod: options.stopGraceMs * NS_PER_MS,
  };
}

function taskTemplate(
  spec: InstanceSpec,
  options: ResolvedSwarmOptions,
  container: Docker.ContainerSpec,
): Docker.ContainerTaskSpec {
  const limits = { ...options.limits, ...spec.limits };
  return {
    ContainerSpec: container,
    Resources: {
      Limits: {
        NanoCPUs: Math.round(limits.cpu * 1e9),
        MemoryBytes: Math.floor(limits.memoryBytes),
        Pids: limits.pids,
      } as Docker.ResourceRequirements['Limits'],
    },
    Networks: [{ Target: networkName(options, spec.app) }],
    LogDriver: { Name: 'json-file', Options: { 'max-size': '10m', 'max-file': '3' } },
  };
}

/** The service of an instance: one task, restarted by Swarm on failure as the restart policy says. */
export function instanceService(
  spec: InstanceSpec,
  options: ResolvedSwarmOptions,
  user: User,
): Docker.CreateServiceOptions {
  const labels = instanceLabels(spec, options.owner);
  const { policy } = options;
  return {
    Name: serviceName(options, spec.id),
    Labels: labels,
    TaskTemplate: {
      ...taskTemplate(spec, options, containerSpec(spec, options, user, labels)),
      // Swarm's delay is fixed (no doubling); MaxAttempts counts restarts, so the crash that
      // makes `crashLoopCrashes` within the window is the last one.
      // The app's placement constraints (berth apps update --placement).
      ...(spec.placement?.length ? { Placement: { Constraints: [...spec.placement] } } : {}),
      RestartPolicy: {
        Condition: 'on-failure',
        Delay: policy.backoffBaseMs * NS_PER_MS,
        MaxAttempts: Math.max(policy.crashLoopCrashes - 1, 0),
        Window: policy.crashLoopWindowMs * NS_PER_MS,
      },
    },
    Mode: { Replicated: { Replicas: 1 } },
    // When Swarm itself replaces the task (an update of the service in place): the new one first.
    UpdateConfig: { Parallelism: 1, Order: 'start-first', FailureAction: 'rollback' },
    RollbackConfig: { Parallelism: 1, Order: 'start-first' },
    ...(spec.listen
      ? {
          EndpointSpec: {
            Ports: [{ Protocol: 'tcp', TargetPort: options.containerPort, PublishMode: 'host' }],
          },
        }
      : {}),
  };
}

/** The replicated job of a one-off run started at `now`, on node `nodeId` (where berthd reads its
 *  container), labelled with its replica and deadline (job-owner.ts). The app's placement
 *  constraints are not applied: the run goes where berthd can follow it. */
export function runService(
  spec: RunSpec,
  options: ResolvedSwarmOptions,
  user: User,
  nodeId: string,
  now: number,
): Docker.CreateServiceOptions {
  const instance = runAsInstanceSpec(spec);
  const labels = {
    [LABELS.owner]: options.owner,
    [LABELS.app]: spec.app,
    [LABELS.env]: spec.env,
    [LABELS.release]: String(spec.release),
    [TASK_LABEL]: spec.kind,
    ...jobOwnerLabels(options.replica, spec.timeoutMs, now),
  };
  return {
    Name: serviceName(options, spec.id),
    Labels: labels,
    TaskTemplate: {
      ...taskTemplate(instance, options, containerSpec(instance, options, user, labels)),
      RestartPolicy: { Condition: 'none' },
      Placement: { Constraints: [`node.id==${nodeId}`] },
    },
    Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
  };
}
