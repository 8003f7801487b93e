// HTTP routes of the webhooks module. Thin: schema, service call, reply. The hook URL itself takes no
// Berth credential (the app's webhook secret is its authentication) and keeps its body raw: the
// signature is over the bytes as sent, so nothing may parse them first.
import {
  HookResponseSchema,
  PageQuerySchema,
  WebhookDeliveryListResponseSchema,
  WebhookParamsSchema,
  WebhookQuerySchema,
  WebhookRotateResponseSchema,
  WebhookSchema,
} from '@berth/sdk';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { type RouteModule, requireActor } from '../http/server.ts';
import { pageBody } from '../store/keyset.ts';
import type { HookRequest, HookResult } from './receive.ts';
import type { WebhookService } from './webhook-service.ts';

const tags = ['webhooks'];
/** The largest delivery taken (a push of many commits stays far below; GitHub caps its own at 25 MB
 *  but trims commit lists long before). */
export const HOOK_BODY_LIMIT = 1024 * 1024;
/** Any code reaches the handler, which answers WEBHOOK_NOT_FOUND for one that is not an app's. */
const HookParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) });

export function webhookRoutes(deps: {
  service: WebhookService;
  receive: (req: HookRequest) => Promise<HookResult>;
}): RouteModule {
  const { service, receive } = deps;
  return async (app) => {
    app.get(
      '/api/v1/apps/:code/webhook',
      {
        schema: {
          tags,
          summary:
            "The app's inbound webhook URL for GitHub, GitLab, Gitea and Gogs; with reveal=true its secret too (source.write; audited)",
          params: WebhookParamsSchema,
          querystring: WebhookQuerySchema,
          response: { 200: WebhookSchema },
        },
      },
      async (req) => service.show(requireActor(req), req.params.code, { reveal: req.query.reveal === true }),
    );

    app.post(
      '/api/v1/apps/:code/webhook/rotate',
      {
        schema: {
          tags,
          summary: "Replace the app's webhook secret; the new one is shown once (source.write; audited)",
          params: WebhookParamsSchema,
          response: { 200: WebhookRotateResponseSchema },
        },
      },
      async (req) => service.rotate(requireActor(req), req.params.code),
    );

    app.get(
      '/api/v1/apps/:code/webhook/deliveries',
      {
        schema: {
          tags,
          summary:
            "The app's webhook deliveries, newest first: verified or not, and what each started or why not",
          params: WebhookParamsSchema,
          querystring: PageQuerySchema,
          response: { 200: WebhookDeliveryListResponseSchema },
        },
      },
      async (req) =>
        pageBody('deliveries', await service.deliveries(requireActor(req), req.params.code, req.query)),
    );

    await app.register(async (plain) => {
      const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
      // Every body arrives as bytes (JSON or GitHub's form encoding alike), up to HOOK_BODY_LIMIT.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: HOOK_BODY_LIMIT }, (_req, body, done) =>
        done(null, body),
      );
      scope.post(
        '/api/v1/hooks/:code',
        {
          bodyLimit: HOOK_BODY_LIMIT,
          schema: {
            tags,
            summary:
              "Receive a git host's push or tag delivery, signed with the app's webhook secret (docs/webhooks.md)",
            security: [],
            params: HookParams,
            response: { 200: HookResponseSchema, 202: HookResponseSchema },
          },
        },
        async (req, reply) => {
          const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
          const result = await receive({
            code: req.params.code,
            headers: req.headers,
            body,
            remoteAddress: req.ip,
          });
          return reply.status(result.status).send(result.body);
        },
      );
    });
  };
}
