// Users: /api/v1/users and /api/v1/users/{username}.
import {
  CreateUserRequestSchema,
  PageQuerySchema,
  UpdateUserRequestSchema,
  UserListResponseSchema,
  UsernameParamsSchema,
  UserResponseSchema,
} from '@berth/sdk';
import { Type } from '@sinclair/typebox';
import { noContent, type RouteModule, requireActor } from '../http/server.ts';
import { pageBody } from '../store/keyset.ts';
import type { IdentityRouteDeps } from './route-deps.ts';

export function userRoutes(deps: IdentityRouteDeps): RouteModule {
  const { users } = deps.identity;
  return (app) => {
    app.get(
      '/api/v1/users',
      {
        schema: {
          tags: ['identity'],
          summary: 'List users by username (admin, operator, auditor)',
          querystring: PageQuerySchema,
          response: { 200: UserListResponseSchema },
        },
      },
      async (req) => pageBody('users', await users.list(requireActor(req), req.query)),
    );

    app.post(
      '/api/v1/users',
      {
        schema: {
          tags: ['identity'],
          summary: 'Create a user (admin)',
          body: CreateUserRequestSchema,
          response: { 201: UserResponseSchema },
        },
      },
      async (req, reply) => {
        const user = await users.create(requireActor(req), req.body);
        return reply.status(201).send({ user });
      },
    );

    app.get(
      '/api/v1/users/:username',
      {
        schema: {
          tags: ['identity'],
          summary: 'One user (admin, operator, auditor; anyone for themselves)',
          params: UsernameParamsSchema,
          response: { 200: UserResponseSchema },
        },
      },
      async (req) => ({ user: await users.get(requireActor(req), req.params.username) }),
    );

    app.patch(
      '/api/v1/users/:username',
      {
        schema: {
          tags: ['identity'],
          summary: 'Change a user (admin); operators may reset the password of non-admins',
          params: UsernameParamsSchema,
          body: UpdateUserRequestSchema,
          response: { 200: UserResponseSchema },
        },
      },
      async (req) => ({ user: await users.update(requireActor(req), req.params.username, req.body) }),
    );

    app.delete(
      '/api/v1/users/:username',
      {
        schema: {
          tags: ['identity'],
          summary: 'Delete a user (admin); their sessions and API tokens go with them',
          params: UsernameParamsSchema,
          response: { 204: Type.Null({ description: 'Deleted' }) },
        },
      },
      async (req, reply) => {
        await users.delete(requireActor(req), req.params.username);
        return noContent(reply);
      },
    );
  };
}
