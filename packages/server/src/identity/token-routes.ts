// API tokens: /api/v1/me/tokens (one's own) and /api/v1/tokens (admins, everyone's).
import {
  ApiTokenListQuerySchema,
  ApiTokenListResponseSchema,
  ApiTokenParamsSchema,
  CreateApiTokenRequestSchema,
  CreateApiTokenResponseSchema,
  PageQuerySchema,
} from '@berth/sdk';
import { Type } from '@sinclair/typebox';
import { noContent, type RouteModule, requireActor } from '../http/server.ts';
import { pageBody } from '../store/keyset.ts';
import type { IdentityRouteDeps } from './route-deps.ts';

export function tokenRoutes(deps: IdentityRouteDeps): RouteModule {
  const { tokens } = deps.identity;
  const revoked = { 204: Type.Null({ description: 'Revoked' }) };
  return (app) => {
    app.get(
      '/api/v1/me/tokens',
      {
        schema: {
          tags: ['identity'],
          summary: 'My API tokens, newest first',
          querystring: PageQuerySchema,
          response: { 200: ApiTokenListResponseSchema },
        },
      },
      async (req) => pageBody('tokens', await tokens.listOwn(requireActor(req), req.query)),
    );

    app.post(
      '/api/v1/me/tokens',
      {
        schema: {
          tags: ['identity'],
          summary: 'Create an API token (the secret is shown only in this response)',
          body: CreateApiTokenRequestSchema,
          response: { 201: CreateApiTokenResponseSchema },
        },
      },
      async (req, reply) => {
        const created = await tokens.create(requireActor(req), req.body);
        return reply.status(201).send(created);
      },
    );

    app.delete(
      '/api/v1/me/tokens/:id',
      {
        schema: {
          tags: ['identity'],
          summary: 'Revoke one of my API tokens',
          params: ApiTokenParamsSchema,
          response: revoked,
        },
      },
      async (req, reply) => {
        await tokens.revokeOwn(requireActor(req), req.params.id);
        return noContent(reply);
      },
    );

    app.get(
      '/api/v1/tokens',
      {
        schema: {
          tags: ['identity'],
          summary: "Every user's API tokens, newest first (admin)",
          querystring: ApiTokenListQuerySchema,
          response: { 200: ApiTokenListResponseSchema },
        },
      },
      async (req) => pageBody('tokens', await tokens.listAll(requireActor(req), req.query)),
    );

    app.delete(
      '/api/v1/tokens/:id',
      {
        schema: {
          tags: ['identity'],
          summary: "Revoke anyone's API token (admin)",
          params: ApiTokenParamsSchema,
          response: revoked,
        },
      },
      async (req, reply) => {
        await tokens.revoke(requireActor(req), req.params.id);
        return noContent(reply);
      },
    );
  };
}
