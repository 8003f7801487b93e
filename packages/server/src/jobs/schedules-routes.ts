// GET /api/v1/schedules (admin, operator): the periodic work this berthd takes part in, each schedule
// with its latest period's run. Thin: the permission check, the scheduler's overview, the reply.
import { type Role, ScheduleListResponseSchema } from '@berth/sdk';
import { BerthError } from '../errors.ts';
import { type RouteModule, requireActor } from '../http/server.ts';
import type { Scheduler } from './scheduler.ts';

/** Who may read the schedules and their runs. */
export const SCHEDULE_READERS: readonly Role[] = ['admin', 'operator'];

export function schedulesRoutes(deps: { scheduler: Scheduler }): RouteModule {
  return (app) => {
    app.get(
      '/api/v1/schedules',
      {
        schema: {
          tags: ['jobs'],
          summary:
            "The periodic work berthd runs (one replica per period) with each schedule's latest run (admin, operator)",
          response: { 200: ScheduleListResponseSchema },
        },
      },
      async (req) => {
        if (!SCHEDULE_READERS.includes(requireActor(req).role)) throw new BerthError('FORBIDDEN');
        const views = await deps.scheduler.overview(1);
        return {
          replica: deps.scheduler.replica,
          schedules: views.map((v) => ({ name: v.name, periodMs: v.periodMs, lastRun: v.runs[0] ?? null })),
        };
      },
    );
  };
}
