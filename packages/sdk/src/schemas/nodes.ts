// Wire schemas of the nodes list (GET /api/v1/nodes): the machines the runtime runs app instances on.
// A cluster runtime (Swarm) lists its nodes; a single-host runtime (process, docker) reports its host
// as one node of role `host`.
import { type Static, Type } from '@sinclair/typebox';

const literals = <T extends string>(values: readonly T[], description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { description },
  );

export const NODE_ROLES = ['manager', 'worker', 'host'] as const;
export const NODE_AVAILABILITIES = ['active', 'pause', 'drain'] as const;
export const NODE_STATES = ['ready', 'down', 'unknown', 'disconnected'] as const;

export const RuntimeNodeSchema = Type.Object(
  {
    id: Type.String({
      description: "The runtime's id of the node (Swarm: the node id; a single host: its name)",
    }),
    hostname: Type.String(),
    role: literals(NODE_ROLES, 'Swarm manager or worker; `host`: the one machine of a single-host runtime'),
    availability: literals(NODE_AVAILABILITIES, 'Whether the node takes new instances (Swarm availability)'),
    state: literals(NODE_STATES, "The node's state as the runtime sees it"),
    address: Type.String({ description: 'The address the node is reached at (may be empty when unknown)' }),
    leader: Type.Optional(Type.Boolean({ description: 'Swarm: this manager leads the cluster' })),
    labels: Type.Record(Type.String(), Type.String(), {
      description: 'Node labels (placement constraints match them as node.labels.NAME)',
    }),
    engineVersion: Type.Optional(Type.String({ description: 'Version of the container engine, if any' })),
    cpus: Type.Optional(Type.Number({ minimum: 0, description: 'CPUs of the node' })),
    memoryBytes: Type.Optional(Type.Integer({ minimum: 0, description: 'Memory of the node, in bytes' })),
    instances: Type.Integer({
      minimum: 0,
      description: "This installation's app instances running on the node",
    }),
  },
  { $id: 'RuntimeNode', title: 'RuntimeNode' },
);
export type RuntimeNode = Static<typeof RuntimeNodeSchema>;

export const NodeListResponseSchema = Type.Object({
  nodes: Type.Array(RuntimeNodeSchema, { description: 'By hostname' }),
});
export type NodeListResponse = Static<typeof NodeListResponseSchema>;
