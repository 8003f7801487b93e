// The HTTP route of the API gateway's call records. Thin: records-service.ts decides who sees what.
import { ApigwRecordsQuerySchema, ApigwRecordsResponseSchema } from '@berth/sdk';
import { type RouteModule, requireActor } from '../http/server.ts';
import type { RecordsService } from './records-service.ts';

export function apigwRecordsRoutes(deps: { records: RecordsService }): RouteModule {
  return (app) => {
    app.get(
      '/api/v1/apigw/records',
      {
        schema: {
          tags: ['apigw'],
          summary:
            'API gateway calls per component and calling app in a recent window: status classes, error rate, latency percentiles, last errors',
          querystring: ApigwRecordsQuerySchema,
          response: { 200: ApigwRecordsResponseSchema },
        },
      },
      async (req) => deps.records.list(requireActor(req), req.query),
    );
  };
}
