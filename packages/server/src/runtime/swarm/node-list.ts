// The nodes of a Docker Swarm as the API shows them (GET /api/v1/nodes, `berth nodes`): each node's
// role, availability, state, address, labels and resources from the Engine API's node list, and how
// many of this installation's instances run on it: the running tasks of the services labelled
// `berth.owner={installation}`, counted per node.
import { NODE_AVAILABILITIES, NODE_ROLES, NODE_STATES } from '@berth/sdk';
import type Docker from 'dockerode';
import type { RuntimeNode } from '../driver.ts';

/** The part of an Engine API node (`GET /nodes`) read here. */
interface SwarmNode {
  ID: string;
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> };
  Description?: {
    Hostname?: string;
    Resources?: { NanoCPUs?: number; MemoryBytes?: number };
    Engine?: { EngineVersion?: string };
  };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean };
}

/** The part of an Engine API task (`GET /tasks`) read here. */
interface SwarmTask {
  ServiceID?: string;
  NodeID?: string;
  Status?: { State?: string };
}

/** Swarm's own words for these are the wire's (a swarm node is never a `host`). */
const ROLES: ReadonlySet<string> = new Set(NODE_ROLES.filter((r) => r !== 'host'));
const AVAILABILITIES: ReadonlySet<string> = new Set(NODE_AVAILABILITIES);
const STATES: ReadonlySet<string> = new Set(NODE_STATES);

function oneOf<T extends string>(allowed: ReadonlySet<string>, value: string | undefined, fallback: T): T {
  return value !== undefined && allowed.has(value) ? (value as T) : fallback;
}

/** Running tasks of the owner's services, per node id. */
async function instancesPerNode(docker: Docker, owner: string): Promise<Map<string, number>> {
  const [services, tasks] = await Promise.all([
    docker.listServices({ filters: { label: [`berth.owner=${owner}`] } }),
    docker.listTasks({ filters: { 'desired-state': ['running'] } }) as Promise<SwarmTask[]>,
  ]);
  const owned = new Set(services.map((s) => s.ID));
  const counts = new Map<string, number>();
  for (const task of tasks) {
    if (!task.NodeID || !owned.has(task.ServiceID ?? '') || task.Status?.State !== 'running') continue;
    counts.set(task.NodeID, (counts.get(task.NodeID) ?? 0) + 1);
  }
  return counts;
}

function toRuntimeNode(node: SwarmNode, instances: number): RuntimeNode {
  const description = node.Description ?? {};
  const resources = description.Resources ?? {};
  const result: RuntimeNode = {
    id: node.ID,
    hostname: description.Hostname ?? '',
    role: oneOf(ROLES, node.Spec?.Role, 'worker'),
    availability: oneOf(AVAILABILITIES, node.Spec?.Availability, 'active'),
    state: oneOf(STATES, node.Status?.State, 'unknown'),
    address: node.Status?.Addr ?? '',
    labels: { ...(node.Spec?.Labels ?? {}) },
    instances,
  };
  if (node.ManagerStatus) result.leader = node.ManagerStatus.Leader === true;
  if (description.Engine?.EngineVersion) result.engineVersion = description.Engine.EngineVersion;
  if (resources.NanoCPUs) result.cpus = resources.NanoCPUs / 1e9;
  if (resources.MemoryBytes) result.memoryBytes = resources.MemoryBytes;
  return result;
}

/**
 * The swarm's nodes, by hostname, with the running instances of installation `owner` on each.
 * Fails as the Engine API does (a node that is not a swarm manager cannot list nodes).
 */
export async function listSwarmNodes(docker: Docker, owner: string): Promise<RuntimeNode[]> {
  const [nodes, counts] = await Promise.all([
    docker.listNodes() as Promise<SwarmNode[]>,
    instancesPerNode(docker, owner),
  ]);
  return nodes
    .map((node) => toRuntimeNode(node, counts.get(node.ID) ?? 0))
    .sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : a.id < b.id ? -1 : 1));
}
