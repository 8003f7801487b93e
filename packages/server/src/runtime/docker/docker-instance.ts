// What the Docker driver knows about one instance (in memory; the container's labels are what
// survives a berthd restart).
import type Docker from 'dockerode';
import type { InstanceExit, InstanceInfo, InstanceSpec, InstanceState } from '../driver.ts';
import { containerInstanceInfo } from '../instance-info.ts';
import { type CrashHistory, NO_CRASHES } from '../restart-policy.ts';

export interface DockerInstance {
  spec: InstanceSpec;
  container: Docker.Container;
  containerId: string;
  state: InstanceState;
  restarts: number;
  history: CrashHistory;
  address?: { host: string; port: number };
  /** The PORT the app was given (listen instances). */
  port?: number;
  pid?: number;
  startedAt?: number;
  lastExit?: InstanceExit;
  /** Pending back-off restart. */
  timer?: NodeJS.Timeout;
}

export function newDockerInstance(spec: InstanceSpec, container: Docker.Container): DockerInstance {
  return { spec, container, containerId: container.id, state: 'starting', restarts: 0, history: NO_CRASHES };
}

export function dockerInstanceInfo(i: DockerInstance): InstanceInfo {
  return containerInstanceInfo(i);
}

/** Reads pid, start time and the published loopback port from `docker inspect`. */
export function applyInspect(
  i: DockerInstance,
  data: Docker.ContainerInspectInfo,
  containerPort: number,
): void {
  i.pid = data.State.Pid > 0 ? data.State.Pid : undefined;
  const started = Date.parse(data.State.StartedAt);
  i.startedAt = Number.isFinite(started) && started > 0 ? started : undefined;
  const binding = data.NetworkSettings.Ports?.[`${containerPort}/tcp`]?.[0];
  i.address =
    i.spec.listen && binding
      ? { host: binding.HostIp || '127.0.0.1', port: Number(binding.HostPort) }
      : undefined;
  if (i.spec.listen) i.port = containerPort;
}
