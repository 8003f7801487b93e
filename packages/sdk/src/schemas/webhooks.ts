// Inbound webhooks: the URL and secret a git host (GitHub, GitLab, Gitea, Gogs) is given to tell Berth
// about pushes, and the log of what it sent and what Berth did with each delivery. (Outbound,
// signed notifications are another thing: `@berth/sdk/webhooks` and the notify schemas.)
import { type Static, Type } from '@sinclair/typebox';
import { AppCodeSchema, TimestampSchema } from './common.ts';
import { pageSchema } from './page.ts';

/** The git hosts whose push deliveries Berth understands. */
export const WEBHOOK_PROVIDERS = ['github', 'gitlab', 'gitea', 'gogs'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

/**
 * What became of a delivery: `started` handed a push or tag to the deploy trigger, which started a
 * deploy; `ignored` was verified but not acted on (another event, a deleted branch, a replay, a ref the
 * trigger does not deploy); `refused` was not verified (bad or missing signature or token) or not
 * readable; `failed` was verified but the deploy trigger answered an error. `received` is the moment
 * between the row's insert and its outcome (seen only while a delivery is being handled).
 */
export const WEBHOOK_OUTCOMES = ['received', 'started', 'ignored', 'refused', 'failed'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

export const WebhookParamsSchema = Type.Object({ code: AppCodeSchema });

export const WebhookQuerySchema = Type.Object({
  reveal: Type.Optional(
    Type.Boolean({ description: 'Also return the secret (needs `source.write`; audited)', default: false }),
  ),
});
export type WebhookQuery = Static<typeof WebhookQuerySchema>;

export const WebhookSchema = Type.Object(
  {
    url: Type.String({ description: 'Where the git host posts: `{BERTH_PUBLIC_URL}/api/v1/hooks/{code}`' }),
    secret: Type.Optional(
      Type.String({
        description:
          "The app's webhook secret (64 hex digits): the HMAC key of GitHub, Gitea and Gogs signatures, GitLab's secret token",
        'x-secret': true,
      }),
    ),
  },
  { title: 'Webhook' },
);
export type Webhook = Static<typeof WebhookSchema>;

export const WebhookRotateResponseSchema = Type.Object(
  {
    url: Type.String(),
    secret: Type.String({
      description: 'The new secret, shown once here (readable again with `reveal=true`)',
      'x-secret': true,
    }),
  },
  { title: 'WebhookRotation' },
);
export type WebhookRotateResponse = Static<typeof WebhookRotateResponseSchema>;

const NullableString = (description: string) => Type.Union([Type.String(), Type.Null()], { description });

export const WebhookDeliverySchema = Type.Object(
  {
    id: Type.String(),
    app: AppCodeSchema,
    provider: Type.Union([...WEBHOOK_PROVIDERS.map((p) => Type.Literal(p)), Type.Null()], {
      description: 'Told by the event header the delivery carried; null when it carried none Berth knows',
    }),
    event: NullableString("The provider's event name (`push`, `Tag Push Hook`, …) as sent"),
    deliveryId: NullableString("The provider's delivery id (X-GitHub-Delivery, X-Gitlab-Event-UUID, …)"),
    bodySha256: Type.String({
      description: 'SHA-256 of the raw body (the replay key of a delivery without id)',
    }),
    receivedAt: TimestampSchema,
    verified: Type.Boolean({ description: 'The signature (or GitLab token) matched the secret' }),
    outcome: Type.Union(WEBHOOK_OUTCOMES.map((o) => Type.Literal(o))),
    reason: NullableString('Why it was ignored, refused or failed'),
    errorCode: NullableString('The error code answered, when refused or failed'),
    ref: NullableString('The pushed ref, e.g. refs/heads/main or refs/tags/v1.2.0'),
    commit: NullableString('The commit the ref points to after the push'),
    deployId: NullableString('The deploy it started'),
    env: NullableString('The environment of the deploy it started'),
    remoteAddress: NullableString('Who posted it (the client address berthd saw)'),
  },
  { title: 'WebhookDelivery' },
);
export type WebhookDelivery = Static<typeof WebhookDeliverySchema>;

export const WebhookDeliveryListResponseSchema = pageSchema(
  'deliveries',
  WebhookDeliverySchema,
  'Newest first; the newest 200 verified and the newest 200 unverified of each app are kept',
);
export type WebhookDeliveryListResponse = Static<typeof WebhookDeliveryListResponseSchema>;

/** What `POST /api/v1/hooks/{code}` answers a delivery it accepted (errors are the usual `Error`). */
export const HookResponseSchema = Type.Object(
  {
    result: Type.Union([Type.Literal('started'), Type.Literal('ignored')]),
    delivery: Type.String({ description: "The delivery's id in the app's webhook log" }),
    deployId: Type.Optional(Type.String()),
    env: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String({ description: 'Why it was ignored' })),
  },
  { title: 'HookResult' },
);
export type HookResponse = Static<typeof HookResponseSchema>;
