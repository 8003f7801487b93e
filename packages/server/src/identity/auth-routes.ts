// POST /api/v1/auth/login and /logout: the session cookie of the console's origin (credentials.ts
// names it). Login is guarded against cross-site requests like every cookie-authenticated change
// (`config.csrf`, http/csrf.ts), so no other site can log a browser into an account of its choosing.
import { LoginRequestSchema, LoginResponseSchema } from '@berth/sdk';
import { Type } from '@sinclair/typebox';
import { serializeCookie } from '../http/cookies.ts';
import { noContent, type RouteModule } from '../http/server.ts';
import type { IdentityRouteDeps } from './route-deps.ts';

export function authRoutes(deps: IdentityRouteDeps): RouteModule {
  const { identity } = deps;
  const cookie = identity.sessionCookie;
  return (app) => {
    app.post(
      '/api/v1/auth/login',
      {
        schema: {
          tags: ['identity'],
          summary: 'Log in: sets the session cookie (__Host-berth_session, or berth_session on plain http)',
          security: [],
          body: LoginRequestSchema,
          response: { 200: LoginResponseSchema },
        },
        config: { csrf: true },
      },
      async (req, reply) => {
        const result = await identity.sessions.login({
          username: req.body.username,
          password: req.body.password,
          ip: req.ip,
          ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
        });
        reply.header(
          'set-cookie',
          serializeCookie(cookie.name, result.token, {
            maxAgeSeconds: Math.floor(deps.sessionTtlMs / 1000),
            secure: cookie.secure,
          }),
        );
        return {
          user: result.user,
          expiresAt: result.expiresAt,
          passwordChangeRequired: result.user.passwordChangeRequired === true,
        };
      },
    );

    app.post(
      '/api/v1/auth/logout',
      {
        schema: {
          tags: ['identity'],
          summary: 'Log out: revokes the session or API token in use and clears the cookie',
          response: { 204: Type.Null({ description: 'Logged out' }) },
        },
        config: { allowPendingPasswordChange: true },
      },
      async (req, reply) => {
        if (req.auth.actor) await identity.sessions.logout(req.auth.actor);
        reply.header(
          'set-cookie',
          serializeCookie(cookie.name, '', { maxAgeSeconds: 0, secure: cookie.secure }),
        );
        return noContent(reply);
      },
    );
  };
}
