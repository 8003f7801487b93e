// GET /api/v1/auth/app-login and POST /api/v1/auth/app-user: how apps learn who the user is (see
// app-tickets.ts). The first runs on the console's origin with the user's session and answers with
// a redirect back to the app; the second is the app server's call, with the app's code and secret
// (the only route that accepts app credentials).
import {
  APP_TICKET_PARAM,
  AppCredentialHeadersSchema,
  AppLoginQuerySchema,
  AppUserRequestSchema,
  AppUserResponseSchema,
} from '@berth/sdk';
import { Type } from '@sinclair/typebox';
import { BerthError } from '../errors.ts';
import { wantsHtml } from '../gateway/error-page.ts';
import type { RouteModule } from '../http/server.ts';
import { appReturnUrl } from './app-return-url.ts';
import type { IdentityRouteDeps } from './route-deps.ts';

const APP_LOGIN_PATH = '/api/v1/auth/app-login';

export function appTicketRoutes(deps: IdentityRouteDeps): RouteModule {
  const { identity } = deps;
  return (app) => {
    app.get(
      APP_LOGIN_PATH,
      {
        schema: {
          tags: ['identity'],
          summary:
            "For apps: send the browser here; it comes back to `next` with a berth_ticket (a browser without a session first logs in on the console's login page)",
          querystring: AppLoginQuerySchema,
          response: {
            303: Type.Null({
              description:
                "Back to `next`, with berth_ticket added; without a session, to the console's `/login?next=` this request's path and query",
            }),
          },
        },
      },
      async (req, reply) => {
        const { app: code, env, next } = req.query;
        const target = appReturnUrl(next, code, env, deps.appsOrigin());
        const actor = req.auth.actor;
        // A browser without a session goes to the console's login page, which comes back here
        // (to this path and query, relative: on the console's own origin) once the user logged in.
        // Programs get the 401.
        if (!actor && wantsHtml(req.headers)) {
          const login = new URL(`${deps.consoleUrl().replace(/\/$/, '')}/login`);
          const back = new URLSearchParams({ app: code, env, next });
          login.searchParams.set('next', `${APP_LOGIN_PATH}?${back}`);
          return reply.redirect(login.href, 303);
        }
        if (!actor) {
          throw new BerthError(
            req.auth.error ?? 'UNAUTHENTICATED',
            `Log in to Berth at ${deps.consoleUrl()} first, then open the app again`,
          );
        }
        const ticket = await identity.tickets.issue(actor, code, env);
        target.searchParams.set(APP_TICKET_PARAM, ticket);
        return reply.redirect(target.href, 303);
      },
    );

    app.post(
      '/api/v1/auth/app-user',
      {
        schema: {
          tags: ['identity'],
          summary: "For apps' servers: redeem a berth_ticket for its user (X-Berth-App-Code / -Secret)",
          security: [],
          headers: AppCredentialHeadersSchema,
          body: AppUserRequestSchema,
          response: { 200: AppUserResponseSchema },
        },
      },
      async (req) => {
        const code = req.headers['x-berth-app-code'];
        const secret = req.headers['x-berth-app-secret'];
        if (!code || !secret || !(await deps.verifyAppSecret(code, secret))) {
          throw new BerthError('APP_AUTH_FAILED');
        }
        const user = await identity.tickets.redeem(req.body.ticket, code, req.body.env);
        // For the app's calls through the API gateway in this user's name (and nothing else).
        const gatewayToken = await identity.gatewayUserTokens.issue(user.id, code);
        return { user, gatewayToken };
      },
    );
  };
}
