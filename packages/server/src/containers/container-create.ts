// How every Berth container on Docker is created: an app's instance and a one-off run
// (runtime/docker/container-config.ts) and a build step (build/container/container-exec.ts) all get
// their `docker create` options from `containerCreateOptions`, so the isolation is written once and
// a change to it reaches every kind.
//
// Not an input, the same for every kind (CONTAINER_ISOLATION; the Swarm runtime's service spec
// takes its settings from here too):
// - an explicit numeric `uid:gid`, never the image's USER (which may be root);
// - Docker's init (tini) as PID 1: it forwards `docker stop`'s SIGTERM to the program and reaps the
//   processes it leaves behind;
// - a read-only root filesystem, the only scratch space a private tmpfs /tmp (nosuid, nodev);
// - every capability dropped and no-new-privileges (no setuid way back up);
// - a memory limit with no swap on top and a pids limit;
// - never privileged, no devices, never the Docker socket, Docker's restart policy off (berthd
//   supervises instances itself; runs and steps run once).
// An input, where the kinds differ: the image, command, environment, working directory and user;
// the labels; the bind mounts (each read-only or writable); the size of /tmp; the network and extra
// host names; the limits (a build step has no CPU cap); a port published on loopback; the stop
// grace; and where the output goes (Docker's rotated log, or only to a caller that attaches).
// A leaf module (it imports nothing of the project, scripts/boundaries.mjs): both the runtimes and
// the builds use it.
import type Docker from 'dockerode';

/** The isolation of every Berth container, whatever its kind. */
export const CONTAINER_ISOLATION = Object.freeze({
  init: true,
  readOnlyRoot: true,
  capDrop: Object.freeze(['ALL']),
  securityOpt: Object.freeze(['no-new-privileges']),
  /** Mount options of the private /tmp (its size is the kind's). */
  tmpOptions: 'rw,nosuid,nodev',
});

export interface BerthContainer {
  /** The container's name (unique on the host). */
  name: string;
  image: string;
  cmd: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Absent: the image's WORKDIR. */
  workingDir?: string | undefined;
  /** Who the processes run as. */
  user: { uid: number; gid: number };
  labels: Readonly<Record<string, string>>;
  /** Host directories and files seen inside; everything else but /tmp is read-only. */
  mounts: ReadonlyArray<{ source: string; target: string; readOnly: boolean }>;
  /** Size of the private tmpfs /tmp, in MiB. */
  tmpMiB: number;
  network: string;
  /** `name:address` entries added to /etc/hosts. */
  extraHosts?: readonly string[] | undefined;
  /** Memory (no swap on top) and processes; CPU in cores, absent: no cap. */
  limits: { memoryBytes: number; pids: number; cpu?: number | undefined };
  /** A container port (tcp) to publish on 127.0.0.1, at a port Docker picks. */
  publish?: number | undefined;
  /** Grace between SIGTERM and SIGKILL when something stops the container (whole seconds). */
  stopTimeoutSeconds?: number | undefined;
  /** `log`: Docker's json-file log, rotated (read later: instances, runs); `attach`: no log, the
   *  caller attaches before it starts (build steps). */
  output: 'log' | 'attach';
}

/** The `docker create` options of a Berth container. */
export function containerCreateOptions(c: BerthContainer): Docker.ContainerCreateOptions {
  const portKey = c.publish === undefined ? undefined : `${c.publish}/tcp`;
  const memory = Math.floor(c.limits.memoryBytes);
  return {
    name: c.name,
    Image: c.image,
    Cmd: [...c.cmd],
    Env: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
    ...(c.workingDir !== undefined ? { WorkingDir: c.workingDir } : {}),
    User: `${c.user.uid}:${c.user.gid}`,
    ...(c.stopTimeoutSeconds !== undefined ? { StopTimeout: c.stopTimeoutSeconds } : {}),
    ...(c.output === 'attach' ? { AttachStdout: true, AttachStderr: true } : {}),
    Labels: { ...c.labels },
    ...(portKey !== undefined ? { ExposedPorts: { [portKey]: {} } } : {}),
    HostConfig: {
      Mounts: c.mounts.map((m) => ({
        Type: 'bind' as const,
        Source: m.source,
        Target: m.target,
        ReadOnly: m.readOnly,
      })),
      Init: CONTAINER_ISOLATION.init,
      ReadonlyRootfs: CONTAINER_ISOLATION.readOnlyRoot,
      Tmpfs: { '/tmp': `${CONTAINER_ISOLATION.tmpOptions},size=${c.tmpMiB}m` },
      CapDrop: [...CONTAINER_ISOLATION.capDrop],
      SecurityOpt: [...CONTAINER_ISOLATION.securityOpt],
      Memory: memory,
      MemorySwap: memory,
      ...(c.limits.cpu !== undefined ? { NanoCpus: Math.round(c.limits.cpu * 1e9) } : {}),
      PidsLimit: c.limits.pids,
      NetworkMode: c.network,
      ...(c.extraHosts?.length ? { ExtraHosts: [...c.extraHosts] } : {}),
      ...(portKey !== undefined
        ? { PortBindings: { [portKey]: [{ HostIp: '127.0.0.1', HostPort: '' }] } }
        : {}),
      RestartPolicy: { Name: 'no' },
      LogConfig:
        c.output === 'log'
          ? { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } }
          : { Type: 'none', Config: {} },
    },
  };
}
