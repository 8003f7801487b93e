// GET /api/v1/audit: the audit log, newest first (admin, auditor).
import { AuditListResponseSchema, AuditQuerySchema } from '@berth/sdk';
import { type RouteModule, requireActor } from '../http/server.ts';
import type { IdentityRouteDeps } from './route-deps.ts';

export function auditRoutes(deps: IdentityRouteDeps): RouteModule {
  return (app) => {
    app.get(
      '/api/v1/audit',
      {
        schema: {
          tags: ['identity'],
          summary: 'The audit log, newest first (admin, auditor)',
          querystring: AuditQuerySchema,
          response: { 200: AuditListResponseSchema },
        },
      },
      async (req) => deps.audit.list(requireActor(req), req.query),
    );
  };
}
