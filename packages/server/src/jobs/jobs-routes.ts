// HTTP routes of the jobs module. Thin: schema, service call, reply.
import {
  JobListQuerySchema,
  JobListResponseSchema,
  JobLogsQuerySchema,
  JobLogsResponseSchema,
  JobParamsSchema,
  JobResponseSchema,
} from '@berth/sdk';
import type { AppAccess } from '../apps/index.ts';
import { type RouteModule, requireActor } from '../http/server.ts';
import { pageBody } from '../store/keyset.ts';
import type { JobQueue } from './job-queue.ts';
import { createJobsService, type JobsAudit } from './jobs-service.ts';

const tags = ['jobs'];

export function jobsRoutes(deps: { queue: JobQueue; access: AppAccess; audit?: JobsAudit }): RouteModule {
  const jobs = createJobsService(deps);
  return (app) => {
    app.get(
      '/api/v1/jobs',
      {
        schema: {
          tags,
          summary: 'List jobs, newest first (developers: the jobs of their apps)',
          querystring: JobListQuerySchema,
          response: { 200: JobListResponseSchema },
        },
      },
      async (req) => pageBody('jobs', await jobs.list(requireActor(req), req.query)),
    );

    app.get(
      '/api/v1/jobs/:id',
      {
        schema: {
          tags,
          summary: 'Read a job',
          params: JobParamsSchema,
          response: { 200: JobResponseSchema },
        },
      },
      async (req) => ({ job: await jobs.get(requireActor(req), req.params.id) }),
    );

    app.get(
      '/api/v1/jobs/:id/logs',
      {
        schema: {
          tags,
          summary: "Read a job's log lines after a given line (poll with nextAfter to follow it)",
          params: JobParamsSchema,
          querystring: JobLogsQuerySchema,
          response: { 200: JobLogsResponseSchema },
        },
      },
      async (req) =>
        jobs.logs(requireActor(req), req.params.id, { after: req.query.after, limit: req.query.limit }),
    );

    app.post(
      '/api/v1/jobs/:id/cancel',
      {
        schema: {
          tags,
          summary: 'Cancel a job: a queued one at once, a running one as soon as its worker notices',
          params: JobParamsSchema,
          response: { 200: JobResponseSchema },
        },
      },
      async (req) => ({ job: await jobs.cancel(requireActor(req), req.params.id) }),
    );
  };
}
