// Settings of the Docker driver, with their defaults written once.
import crypto from 'node:crypto';
import type Docker from 'dockerode';
import type { Logger } from '../../logger.ts';
import type { InstanceLimits, InstanceSpec } from '../driver.ts';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from '../restart-policy.ts';

export interface DockerDriverOptions {
  docker: Docker;
  logger: Logger;
  /** berthd's data dir: app homes, the uid table and the logs of stopped instances live under it. */
  dataDir: string;
  /** The image of an instance whose spec names none (default: berth/stack-node:20). */
  image?: (spec: InstanceSpec) => string;
  /** `app-group`: give each artifact to its app's container uid as group before mounting it
   *  (artifact-access.ts; berthd's choice). `as-is` (default): mount it with the modes it has. */
  artifactAccess?: 'as-is' | 'app-group';
  network?: {
    /** Prefix of the per-app bridge networks (`berth-app-` → `berth-app-<code>`). */
    prefix?: string;
  };
  /** Limits for what a spec leaves open (512 MiB, 1 core, 256 pids). */
  defaultLimits?: InstanceLimits;
  restartPolicy?: Partial<RestartPolicy>;
  /** Default grace between SIGTERM and SIGKILL (10 s; Docker counts whole seconds). */
  stopGraceMs?: number;
  /** The port a listen instance gets as PORT inside its container (8080). */
  containerPort?: number;
  /** First uid handed to an app (10000); each app gets its own, kept in the data dir. */
  firstUid?: number;
}

export interface ResolvedDockerOptions {
  docker: Docker;
  dataDir: string;
  image: (spec: InstanceSpec) => string;
  artifactAccess: 'as-is' | 'app-group';
  networkPrefix: string;
  limits: Required<InstanceLimits>;
  policy: RestartPolicy;
  stopGraceMs: number;
  containerPort: number;
  firstUid: number;
  /** Label value that marks this berthd's containers (a hash of the data dir). */
  owner: string;
}

export const DEFAULT_LIMITS: Readonly<Required<InstanceLimits>> = Object.freeze({
  memoryBytes: 512 * 1024 * 1024,
  cpu: 1,
  pids: 256,
});

export function resolveDockerOptions(options: DockerDriverOptions): ResolvedDockerOptions {
  return {
    docker: options.docker,
    dataDir: options.dataDir,
    image: options.image ?? (() => 'berth/stack-node:20'),
    artifactAccess: options.artifactAccess ?? 'as-is',
    networkPrefix: options.network?.prefix ?? 'berth-app-',
    limits: { ...DEFAULT_LIMITS, ...options.defaultLimits },
    policy: { ...DEFAULT_RESTART_POLICY, ...options.restartPolicy },
    stopGraceMs: options.stopGraceMs ?? 10_000,
    containerPort: options.containerPort ?? 8080,
    firstUid: options.firstUid ?? 10_000,
    owner: crypto.createHash('sha256').update(options.dataDir).digest('hex').slice(0, 16),
  };
}
