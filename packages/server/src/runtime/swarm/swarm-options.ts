// Settings of the Swarm driver: the Docker driver's (docker-options.ts resolves them, defaults
// written once), without `image` (a Swarm instance always runs its spec's image), with overlay
// networks of their own name and the task poll interval.
import {
  type DockerDriverOptions,
  type ResolvedDockerOptions,
  resolveDockerOptions,
} from '../docker/docker-options.ts';

export interface SwarmDriverOptions extends Omit<DockerDriverOptions, 'image' | 'network'> {
  network?: {
    /** Prefix of the per-app overlay networks (default `berth-{installation}-swarm-`). */
    prefix?: string;
  };
  /** How often the driver reads the task list of the swarm (300 ms). */
  pollIntervalMs?: number;
  /** The registry account the nodes pull release images with (handed to Swarm with each service,
   *  X-Registry-Auth); absent: images need no credentials (or are on every node). */
  registryAuth?: RegistryAuth | undefined;
  /** berthd's own ports on this node that instances may reach (the API they call as BERTH_API_URL,
   *  the apps gateway), read when the firewall is checked: let through the rule that keeps
   *  containers away from published ports (published-ports-firewall.ts). */
  hostPorts?: () => Iterable<number>;
}

export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

export interface ResolvedSwarmOptions extends Omit<ResolvedDockerOptions, 'image'> {
  pollIntervalMs: number;
  registryAuth: RegistryAuth | undefined;
  hostPorts: () => Iterable<number>;
}

export function resolveSwarmOptions(options: SwarmDriverOptions): ResolvedSwarmOptions {
  const { image: _image, ...shared } = resolveDockerOptions(options);
  return {
    ...shared,
    networkPrefix: options.network?.prefix ?? `berth-${shared.owner}-swarm-`,
    pollIntervalMs: options.pollIntervalMs ?? 300,
    registryAuth: options.registryAuth,
    hostPorts: options.hostPorts ?? (() => []),
  };
}
