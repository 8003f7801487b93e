// The caller's own account: GET /api/v1/me, PUT /api/v1/me/password.
import { ChangePasswordRequestSchema, MeResponseSchema } from '@berth/sdk';
import { Type } from '@sinclair/typebox';
import { noContent, type RouteModule, requireActor } from '../http/server.ts';
import type { IdentityRouteDeps } from './route-deps.ts';

export function meRoutes(deps: IdentityRouteDeps): RouteModule {
  const { identity } = deps;
  return (app) => {
    app.get(
      '/api/v1/me',
      {
        schema: {
          tags: ['identity'],
          summary: 'The current user and how they authenticated',
          response: { 200: MeResponseSchema },
        },
        config: { allowPendingPasswordChange: true },
      },
      async (req) => {
        const actor = requireActor(req);
        return { user: await identity.me(actor), via: actor.via };
      },
    );

    app.put(
      '/api/v1/me/password',
      {
        schema: {
          tags: ['identity'],
          summary:
            "Change one's own password (needs the current one); the user's other sessions and all their API tokens are revoked",
          body: ChangePasswordRequestSchema,
          response: { 204: Type.Null({ description: 'Changed' }) },
        },
        config: { allowPendingPasswordChange: true },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        await identity.sessions.changePassword(actor, req.body.currentPassword, req.body.newPassword);
        return noContent(reply);
      },
    );
  };
}
