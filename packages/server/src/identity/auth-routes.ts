// POST /api/v1/auth/login, /logout and /check: the session cookie and the user check for apps.
import {
  LoginRequestSchema,
  LoginResponseSchema,
  SessionCheckHeadersSchema,
  SessionCheckRequestSchema,
  SessionCheckResponseSchema,
} from '@berth/sdk';
import { Type } from '@sinclair/typebox';
import { BerthError } from '../errors.ts';
import { serializeCookie } from '../http/cookies.ts';
import { noContent, type RouteModule } from '../http/server.ts';
import { SESSION_COOKIE } from './credentials.ts';
import type { IdentityRouteDeps } from './route-deps.ts';

export function authRoutes(deps: IdentityRouteDeps): RouteModule {
  const { identity } = deps;
  return (app) => {
    app.post(
      '/api/v1/auth/login',
      {
        schema: {
          tags: ['identity'],
          summary: 'Log in: sets the berth_token session cookie',
          security: [],
          body: LoginRequestSchema,
          response: { 200: LoginResponseSchema },
        },
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
          serializeCookie(SESSION_COOKIE, result.token, {
            maxAgeSeconds: Math.floor(deps.sessionTtlMs / 1000),
            secure: deps.cookieSecure,
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
          serializeCookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure: deps.cookieSecure }),
        );
        return noContent(reply);
      },
    );

    app.post(
      '/api/v1/auth/check',
      {
        schema: {
          tags: ['identity'],
          summary: 'For apps: who holds this platform session token (X-Berth-App-Code / -Secret)',
          security: [],
          headers: SessionCheckHeadersSchema,
          body: SessionCheckRequestSchema,
          response: { 200: SessionCheckResponseSchema },
        },
      },
      async (req) => {
        const code = req.headers['x-berth-app-code'];
        const secret = req.headers['x-berth-app-secret'];
        if (!code || !secret || !(await deps.verifyAppSecret(code, secret))) {
          throw new BerthError('APP_AUTH_FAILED');
        }
        return { user: await identity.sessions.check(req.body.token) };
      },
    );
  };
}
