// GET /api/v1/platform/status (admin, operator, auditor).
import { PlatformStatusSchema } from '@berth/sdk';
import { type RouteModule, requireActor } from '../http/server.ts';
import type { PlatformStatusService } from './platform-status.ts';

export function platformRoutes(deps: { status: PlatformStatusService }): RouteModule {
  return (app) => {
    app.get(
      '/api/v1/platform/status',
      {
        schema: {
          tags: ['platform'],
          summary:
            'Version, store, runtime, gateway workers, job queue and disk use of the data directory (admin, operator, auditor)',
          response: { 200: PlatformStatusSchema },
        },
      },
      async (req) => deps.status.read(requireActor(req)),
    );
  };
}
