// GET /api/v1/nodes (admin, operator, auditor).
import { NodeListResponseSchema } from '@berth/sdk';
import { type RouteModule, requireActor } from '../http/server.ts';
import type { NodesService } from './nodes-service.ts';

export function nodesRoutes(deps: { nodes: NodesService }): RouteModule {
  return (app) => {
    app.get(
      '/api/v1/nodes',
      {
        schema: {
          tags: ['platform'],
          summary:
            'The machines app instances run on: the Swarm nodes, or this host on single-host runtimes (admin, operator, auditor)',
          response: { 200: NodeListResponseSchema },
        },
      },
      async (req) => ({ nodes: await deps.nodes.list(requireActor(req)) }),
    );
  };
}
