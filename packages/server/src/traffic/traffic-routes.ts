// GET /api/v1/apps/:code/traffic (whoever may read the app) and GET /api/v1/metrics (the
// Prometheus exposition: admins, operators, auditors).
import { AppTrafficSchema, EngineAppParamsSchema } from '@berth/sdk';
import { Type } from '@sinclair/typebox';
import { type RouteModule, requireActor } from '../http/server.ts';
import type { TrafficService } from './traffic-service.ts';

/** The exposition format's media type (Prometheus text format 0.0.4). */
export const EXPOSITION_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function trafficRoutes(deps: { traffic: TrafficService }): RouteModule {
  return (app) => {
    app.get(
      '/api/v1/apps/:code/traffic',
      {
        schema: {
          tags: ['deploys'],
          summary:
            "What the gateway counted of the app's requests per environment since berthd started: status classes, bytes, latency",
          params: EngineAppParamsSchema,
          response: { 200: AppTrafficSchema },
        },
      },
      async (req) => deps.traffic.appTraffic(requireActor(req), req.params.code),
    );

    app.get(
      '/api/v1/metrics',
      {
        schema: {
          tags: ['platform'],
          summary:
            "Prometheus exposition of every app's gateway counters and berthd's gauges (admin, operator, auditor; scrape with an API token)",
          response: {
            200: {
              description: 'The Prometheus text format, version 0.0.4',
              content: { 'text/plain': { schema: Type.String() } },
            },
          },
        },
      },
      async (req, reply) => {
        const text = await deps.traffic.exposition(requireActor(req));
        return reply.header('cache-control', 'no-store').type(EXPOSITION_TYPE).send(text);
      },
    );
  };
}
