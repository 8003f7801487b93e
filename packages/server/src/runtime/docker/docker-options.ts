// Settings of the Docker driver, with their defaults written once.
import crypto from 'node:crypto';
import type Docker from 'dockerode';
import { newReplicaId } from '../../jobs/replica-id.ts';
import type { Logger } from '../../logger.ts';
import { SETTING_DEFAULTS } from '../../setting-defaults.ts';
import type { InstanceLimits, InstanceSpec } from '../driver.ts';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from '../restart-policy.ts';

export interface DockerDriverOptions {
  docker: Docker;
  logger: Logger;
  /** berthd's data dir: homes of instances without a user and the logs of stopped instances. */
  dataDir: string;
  /** The image of an instance whose spec names none (default: berth/stack-node:24). */
  image?: (spec: InstanceSpec) => string;
  /** This installation's code (tenants/): in every container's, network's and label's name, so two
   *  installations on one host never share one. Default: a hash of the data dir. */
  installation?: string;
  /** The berthd replica this driver works for (jobs/replica-id.ts): on the one-off jobs it starts,
   *  so that another replica's `recover()` leaves them alone while it lives (job-owner.ts).
   *  Default: a new replica id of this process. */
  replica?: string;
  network?: {
    /** Prefix of the per-app bridge networks (default `berth-{installation}-app-`). */
    prefix?: string;
  };
  /** Limits for what a spec leaves open (512 MiB, 1 core, 256 pids). */
  defaultLimits?: InstanceLimits;
  restartPolicy?: Partial<RestartPolicy>;
  /** Default grace between SIGTERM and SIGKILL (10 s; Docker counts whole seconds). */
  stopGraceMs?: number;
  /** The port a listen instance gets as PORT inside its container (8080). */
  containerPort?: number;
  /** How long the archived logs of a stopped instance are kept (7 days; BERTH_LOG_RETENTION). */
  logRetentionMs?: number;
}

export interface ResolvedDockerOptions {
  docker: Docker;
  dataDir: string;
  image: (spec: InstanceSpec) => string;
  networkPrefix: string;
  limits: Required<InstanceLimits>;
  policy: RestartPolicy;
  stopGraceMs: number;
  containerPort: number;
  logRetentionMs: number;
  /** Label value that marks this installation's containers, and part of their names. */
  owner: string;
  /** The replica on this driver's one-off jobs. */
  replica: string;
}

export const DEFAULT_LIMITS: Readonly<Required<InstanceLimits>> = Object.freeze({
  memoryBytes: 512 * 1024 * 1024,
  cpu: 1,
  pids: 256,
});

/** Docker counts a stop's grace in whole seconds: a grace is rounded up. */
export function stopTimeoutSeconds(graceMs: number): number {
  return Math.max(0, Math.ceil(graceMs / 1000));
}

export function resolveDockerOptions(options: DockerDriverOptions): ResolvedDockerOptions {
  const owner =
    options.installation ?? crypto.createHash('sha256').update(options.dataDir).digest('hex').slice(0, 16);
  return {
    docker: options.docker,
    dataDir: options.dataDir,
    image: options.image ?? (() => 'berth/stack-node:24'),
    networkPrefix: options.network?.prefix ?? `berth-${owner}-app-`,
    limits: { ...DEFAULT_LIMITS, ...options.defaultLimits },
    policy: { ...DEFAULT_RESTART_POLICY, ...options.restartPolicy },
    stopGraceMs: options.stopGraceMs ?? SETTING_DEFAULTS.stopGraceMs,
    containerPort: options.containerPort ?? 8080,
    logRetentionMs: options.logRetentionMs ?? 7 * 86_400_000,
    owner,
    replica: options.replica ?? newReplicaId(),
  };
}
