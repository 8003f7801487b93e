// HTTP routes of API gateway permission requests. Thin: the service decides who may do what
// (permission-requests.ts).
import {
  ApigwPermissionDecisionBodySchema,
  ApigwPermissionRefusalBodySchema,
  ApigwPermissionRequestCreateBodySchema,
  ApigwPermissionRequestListQuerySchema,
  ApigwPermissionRequestListResponseSchema,
  ApigwPermissionRequestParamsSchema,
  ApigwPermissionRequestResponseSchema,
} from '@berth/sdk';
import type { TSchema } from '@sinclair/typebox';
import { type RouteModule, requireActor } from '../http/server.ts';
import type { PermissionRequests } from './permission-requests.ts';

const BASE = '/api/v1/apigw/permission-requests';

export function permissionRequestRoutes(deps: { requests: PermissionRequests }): RouteModule {
  const { requests } = deps;
  const decision = <B extends TSchema>(summary: string, body: B) => ({
    schema: {
      tags: ['apigw'],
      summary,
      params: ApigwPermissionRequestParamsSchema,
      body,
      response: { 200: ApigwPermissionRequestResponseSchema },
    },
  });
  return (app) => {
    app.get(
      BASE,
      {
        schema: {
          tags: ['apigw'],
          summary:
            "Permission requests, newest first (developers: those of their apps, as callers or as a system's owner)",
          querystring: ApigwPermissionRequestListQuerySchema,
          response: { 200: ApigwPermissionRequestListResponseSchema },
        },
      },
      async (req) => ({ items: await requests.list(requireActor(req), req.query) }),
    );

    app.post(
      BASE,
      {
        schema: {
          tags: ['apigw'],
          summary:
            "Ask for a grant for an app (admins, operators, developer members of the app; decided by the system's owner; audited)",
          body: ApigwPermissionRequestCreateBodySchema,
          response: { 201: ApigwPermissionRequestResponseSchema },
        },
      },
      async (req, reply) => {
        const request = await requests.file(requireActor(req), req.body);
        return reply.status(201).send({ request });
      },
    );

    app.get(
      `${BASE}/:id`,
      {
        schema: {
          tags: ['apigw'],
          summary: 'One permission request',
          params: ApigwPermissionRequestParamsSchema,
          response: { 200: ApigwPermissionRequestResponseSchema },
        },
      },
      async (req) => ({ request: await requests.get(requireActor(req), req.params.id) }),
    );

    app.post(
      `${BASE}/:id/approve`,
      decision(
        "Approve a request: the grant is written with it (admins, operators, builders of the system's owner app; audited)",
        ApigwPermissionDecisionBodySchema,
      ),
      async (req) => ({
        request: await requests.approve(requireActor(req), req.params.id, req.body?.reason),
      }),
    );

    app.post(
      `${BASE}/:id/refuse`,
      decision(
        'Refuse a request, with a reason (as for approving; audited)',
        ApigwPermissionRefusalBodySchema,
      ),
      async (req) => ({ request: await requests.refuse(requireActor(req), req.params.id, req.body.reason) }),
    );

    app.post(
      `${BASE}/:id/withdraw`,
      decision(
        'Withdraw an open request (its requester, developer members of the app, admins, operators; audited)',
        ApigwPermissionDecisionBodySchema,
      ),
      async (req) => ({
        request: await requests.withdraw(requireActor(req), req.params.id, req.body?.reason),
      }),
    );
  };
}
