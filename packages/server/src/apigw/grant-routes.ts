// HTTP routes of API gateway grants and trusted apps. Thin: the service decides who may do what
// (grants.ts).
import {
  ApigwGrantCreateBodySchema,
  ApigwGrantListQuerySchema,
  ApigwGrantListResponseSchema,
  ApigwGrantParamsSchema,
  ApigwGrantResponseSchema,
  ApigwTrustedAppListResponseSchema,
  ApigwTrustedAppParamsSchema,
  ApigwTrustedAppResponseSchema,
} from '@berth/sdk';
import { Type } from '@sinclair/typebox';
import { noContent, type RouteModule, requireActor } from '../http/server.ts';
import type { Grants } from './grants.ts';

const NoContent = Type.Null({ description: 'Done' });

export function grantRoutes(deps: { grants: Grants }): RouteModule {
  const { grants } = deps;
  return (app) => {
    app.get(
      '/api/v1/apigw/grants',
      {
        schema: {
          tags: ['apigw'],
          summary: 'Grants of API gateway calls (developers: those of their apps, as callers or owners)',
          querystring: ApigwGrantListQuerySchema,
          response: { 200: ApigwGrantListResponseSchema },
        },
      },
      async (req) => ({ items: await grants.list(requireActor(req), req.query) }),
    );

    app.post(
      '/api/v1/apigw/grants',
      {
        schema: {
          tags: ['apigw'],
          summary:
            "Let an app call a system's component, or all of them (admins, operators, builders of the system's owner app; audited)",
          body: ApigwGrantCreateBodySchema,
          response: { 200: ApigwGrantResponseSchema, 201: ApigwGrantResponseSchema },
        },
      },
      async (req, reply) => {
        const { grant, created } = await grants.grant(requireActor(req), req.body);
        return reply.status(created ? 201 : 200).send({ grant });
      },
    );

    app.delete(
      '/api/v1/apigw/grants/:id',
      {
        schema: {
          tags: ['apigw'],
          summary: 'Revoke a grant (as for granting it; audited)',
          params: ApigwGrantParamsSchema,
          response: { 204: NoContent },
        },
      },
      async (req, reply) => {
        await grants.revoke(requireActor(req), req.params.id);
        return noContent(reply);
      },
    );

    app.get(
      '/api/v1/apigw/trusted-apps',
      {
        schema: {
          tags: ['apigw'],
          summary: 'Apps that may name a user without a session token (admins, operators, auditors)',
          response: { 200: ApigwTrustedAppListResponseSchema },
        },
      },
      async (req) => ({ items: await grants.trusted(requireActor(req)) }),
    );

    app.put(
      '/api/v1/apigw/trusted-apps/:app',
      {
        schema: {
          tags: ['apigw'],
          summary: 'Trust an app to name users in its calls (admins, operators; audited)',
          params: ApigwTrustedAppParamsSchema,
          response: { 200: ApigwTrustedAppResponseSchema },
        },
      },
      async (req) => ({ trustedApp: await grants.trust(requireActor(req), req.params.app) }),
    );

    app.delete(
      '/api/v1/apigw/trusted-apps/:app',
      {
        schema: {
          tags: ['apigw'],
          summary: 'Trust an app no more (admins, operators; audited)',
          params: ApigwTrustedAppParamsSchema,
          response: { 204: NoContent },
        },
      },
      async (req, reply) => {
        await grants.untrust(requireActor(req), req.params.app);
        return noContent(reply);
      },
    );
  };
}
