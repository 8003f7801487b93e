// What `docker create` gets for an instance: a pure function of the spec and the driver's settings,
// so the isolation defaults can be read (and tested) in one place.
//
// Isolation by default: the environment's own non-root uid (its run identity), a read-only root filesystem with a
// private tmpfs /tmp, no capabilities, no-new-privileges, memory/CPU/pids limits, the app's own
// bridge network, the artifact mounted read-only at /app, the app's home (HOME, writable, kept across
// restarts) at /home/app, a published port bound to 127.0.0.1 only, and never the Docker socket.
// Docker's init (tini, `docker run --init`) is PID 1: it forwards `docker stop`'s SIGTERM to the app
// and reaps its children, so an app without a SIGTERM handler (`python3 -m http.server`) stops at
// once instead of being killed after the grace period.
// `host.docker.internal` names the host (Docker's `host-gateway`), where berthd's API answers
// instances (BERTH_API_URL) when berthd listens on every address.
import path from 'node:path';
import type Docker from 'dockerode';
import { STACK_PATH } from '../../images/stack-image.ts';
import type { InstanceSpec } from '../driver.ts';
import { type ResolvedDockerOptions, stopTimeoutSeconds } from './docker-options.ts';

export const APP_MOUNT = '/app';
/** The host's name inside an instance's container. */
export const HOST_ALIAS = 'host.docker.internal';
export const HOME_MOUNT = '/home/app';

export const LABELS = {
  owner: 'berth.owner',
  instance: 'berth.instance',
  app: 'berth.app',
  env: 'berth.env',
  release: 'berth.release',
  process: 'berth.process',
  index: 'berth.index',
  spec: 'berth.spec',
} as const;

export function containerName(options: Pick<ResolvedDockerOptions, 'owner'>, id: string): string {
  return `berth-${options.owner}-${id}`;
}

export function networkName(options: Pick<ResolvedDockerOptions, 'networkPrefix'>, app: string): string {
  return `${options.networkPrefix}${app}`;
}

/** The environment inside the container: the spec's vars plus PORT and HOST (all of the container's
 *  addresses, where its published port arrives, unless the vars set HOST), PATH and HOME. */
export function containerEnv(spec: InstanceSpec, port: number | undefined): Record<string, string> {
  const env: Record<string, string> = { ...spec.vars };
  // An image that carries the app keeps its own PATH (Docker merges the image's env in).
  if (!spec.appInImage) {
    const prepend = (spec.pathPrepend ?? []).map((dir) => path.posix.join(APP_MOUNT, dir));
    env['PATH'] = [...prepend, spec.vars['PATH'] ?? STACK_PATH].join(':');
  }
  env['HOME'] = spec.vars['HOME'] ?? HOME_MOUNT;
  if (port !== undefined) {
    env['PORT'] = String(port);
    env['HOST'] ??= '0.0.0.0';
  }
  return env;
}

/** The spec as kept in the `berth.spec` label: everything but the vars (they are in the env). */
export function specLabel(spec: InstanceSpec): string {
  const { vars: _vars, ...rest } = spec;
  return JSON.stringify(rest);
}

/** The labels of an instance's container (and, on Swarm, of its service). */
export function instanceLabels(spec: InstanceSpec, owner: string): Record<string, string> {
  return {
    [LABELS.owner]: owner,
    [LABELS.instance]: spec.id,
    [LABELS.app]: spec.app,
    [LABELS.env]: spec.env,
    [LABELS.release]: String(spec.release),
    [LABELS.process]: spec.processType,
    [LABELS.index]: String(spec.index),
    [LABELS.spec]: specLabel(spec),
  };
}

export function containerConfig(
  spec: InstanceSpec,
  options: ResolvedDockerOptions,
  extra: { uid: number; gid: number; homeDir: string },
): Docker.ContainerCreateOptions {
  const port = spec.listen ? options.containerPort : undefined;
  const limits = { ...options.limits, ...spec.limits };
  const portKey = `${options.containerPort}/tcp`;
  return {
    name: containerName(options, spec.id),
    Image: spec.image ?? options.image(spec),
    Cmd: spec.command,
    Env: Object.entries(containerEnv(spec, port)).map(([k, v]) => `${k}=${v}`),
    ...(spec.appInImage ? {} : { WorkingDir: APP_MOUNT }),
    User: `${extra.uid}:${extra.gid}`,
    // Also when something else stops the container (the Docker daemon's own shutdown, an operator).
    StopTimeout: stopTimeoutSeconds(options.stopGraceMs),
    Labels: instanceLabels(spec, options.owner),
    ...(port !== undefined ? { ExposedPorts: { [portKey]: {} } } : {}),
    HostConfig: {
      Mounts: [
        ...(spec.appInImage
          ? []
          : [{ Type: 'bind' as const, Source: spec.artifactDir, Target: APP_MOUNT, ReadOnly: true }]),
        { Type: 'bind', Source: extra.homeDir, Target: HOME_MOUNT, ReadOnly: false },
      ],
      Init: true,
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=64m' },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Memory: Math.floor(limits.memoryBytes),
      MemorySwap: Math.floor(limits.memoryBytes),
      NanoCpus: Math.round(limits.cpu * 1e9),
      PidsLimit: limits.pids,
      NetworkMode: networkName(options, spec.app),
      ExtraHosts: [`${HOST_ALIAS}:host-gateway`],
      ...(port !== undefined ? { PortBindings: { [portKey]: [{ HostIp: '127.0.0.1', HostPort: '' }] } } : {}),
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
    },
  };
}
