// What `docker create` gets for an instance (and, with other labels, a one-off run: run-task.ts): a
// pure function of the spec and the driver's settings. The isolation every Berth container gets
// (an explicit uid, read-only root, private /tmp, no capabilities, no-new-privileges, init, limits) is
// written once in containers/container-create.ts, which build steps' containers use too; what is
// an instance's own is here: the environment's uid (its run identity), the artifact read-only at
// /app, the app's home (HOME, writable, kept across restarts) at /home/app, a 64 MiB /tmp, the app's
// own bridge network, the manifest's memory/CPU/pids limits over the driver's, a published port
// bound to 127.0.0.1 only, Docker's rotated json-file log, and never the Docker socket.
// Docker's init is PID 1, so an app without a SIGTERM handler (`python3 -m http.server`) stops at
// once instead of being killed after the grace period.
// `host.docker.internal` names the host (Docker's `host-gateway`), where berthd's API answers
// instances (BERTH_API_URL) when berthd listens on every address.
import path from 'node:path';
import type Docker from 'dockerode';
import { containerCreateOptions } from '../../containers/container-create.ts';
import { STACK_PATH } from '../../images/stack-image.ts';
import type { InstanceSpec } from '../driver.ts';
import { type ResolvedDockerOptions, stopTimeoutSeconds } from './docker-options.ts';

export const APP_MOUNT = '/app';
/** The host's name inside an instance's container. */
export const HOST_ALIAS = 'host.docker.internal';
export const HOME_MOUNT = '/home/app';
/** Size of an instance's (and a one-off run's) private /tmp. */
const TMP_MIB = 64;

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
  return containerCreateOptions({
    name: containerName(options, spec.id),
    image: spec.image ?? options.image(spec),
    cmd: spec.command,
    env: containerEnv(spec, port),
    workingDir: spec.appInImage ? undefined : APP_MOUNT,
    user: extra,
    labels: instanceLabels(spec, options.owner),
    mounts: [
      ...(spec.appInImage ? [] : [{ source: spec.artifactDir, target: APP_MOUNT, readOnly: true }]),
      { source: extra.homeDir, target: HOME_MOUNT, readOnly: false },
    ],
    tmpMiB: TMP_MIB,
    network: networkName(options, spec.app),
    extraHosts: [`${HOST_ALIAS}:host-gateway`],
    limits: { ...options.limits, ...spec.limits },
    publish: port,
    // Also when something else stops the container (the Docker daemon's own shutdown, an operator).
    stopTimeoutSeconds: stopTimeoutSeconds(options.stopGraceMs),
    output: 'log',
  });
}
