// Notifications: the events the platform tells channels about. The engine emits them; the notify
// module turns each into one durable delivery per subscribed channel.
import { type Static, type TObject, type TUnion, Type } from '@sinclair/typebox';
import { AppCodeSchema, EnvNameSchema, TimestampSchema } from './common.ts';
import { pageSchema } from './page.ts';

/** What a subscription can ask to hear about. */
export const NOTIFY_EVENTS = [
  'request.filed',
  'request.approved',
  'request.refused',
  'request.withdrawn',
  'deploy.succeeded',
  'deploy.failed',
  'instance.crashloop',
  /** A message an app sent through the API gateway's built-in system (`berth/send_notification`). */
  'app.message',
  /** An app asked for permission to call a system this app owns (the API gateway). */
  'apigw.request.filed',
  /** The system's owner approved or refused this app's permission request. */
  'apigw.request.approved',
  'apigw.request.refused',
] as const;
export type NotifyEventType = (typeof NOTIFY_EVENTS)[number];

/** How much an `app.message` says. */
export const NOTIFY_MESSAGE_LEVELS = ['info', 'warning', 'error'] as const;
export type NotifyMessageLevel = (typeof NOTIFY_MESSAGE_LEVELS)[number];
/** The longest title, content and link of an `app.message`, in characters. */
export const NOTIFY_MESSAGE_LIMITS = { title: 200, content: 4000, url: 2048 } as const;

/** One event, as the engine emits it and as a webhook channel receives it (`event` in its body). */
export const NotifyEventSchema = Type.Object(
  {
    type: Type.Union(NOTIFY_EVENTS.map((e) => Type.Literal(e))),
    app: Type.String(),
    env: Type.Union([Type.Literal('stag'), Type.Literal('prod')]),
    /** Epoch milliseconds. */
    at: Type.Integer(),
    /** Username of whoever caused it (absent for the platform itself). */
    actor: Type.Optional(Type.String()),
    /** The deploy (a deploy request is a deploy waiting for approval). */
    deployId: Type.Optional(Type.String()),
    /** build | rollback | promote | … (the deploy's kind). */
    kind: Type.Optional(Type.String()),
    release: Type.Optional(Type.Integer()),
    /** The requester's note. */
    note: Type.Optional(Type.String()),
    /** A refusal's or an emergency action's reason. */
    reason: Type.Optional(Type.String()),
    error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
    processType: Type.Optional(Type.String()),
    instanceId: Type.Optional(Type.String()),
    /** A link for people: the environment's URL or the console page (an app message's own link). */
    url: Type.Optional(Type.String()),
    /** An app message's title, text and level (`app.message`). */
    title: Type.Optional(Type.String({ maxLength: NOTIFY_MESSAGE_LIMITS.title })),
    content: Type.Optional(Type.String({ maxLength: NOTIFY_MESSAGE_LIMITS.content })),
    level: Type.Optional(Type.Union(NOTIFY_MESSAGE_LEVELS.map((l) => Type.Literal(l)))),
    /** An API gateway permission request (`apigw.request.*`): its id, the calling app, and the
     *  system and component (absent: the whole system) it asks for. */
    requestId: Type.Optional(Type.String()),
    caller: Type.Optional(Type.String()),
    system: Type.Optional(Type.String()),
    component: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type NotifyEvent = Static<typeof NotifyEventSchema>;

// --- channels ------------------------------------------------------------------------------------
// Where notifications go, configured by admins. URLs and secrets are stored sealed and never come
// back: an admin sees a masked URL and `secretSet`/`passwordSet`; everyone else sees only a
// channel's id, name, kind and whether it is enabled (enough to subscribe an app to it).

export const CHANNEL_KINDS = ['webhook', 'email', 'robot'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export const ChannelKindSchema = Type.Union(CHANNEL_KINDS.map((k) => Type.Literal(k)));

/** The chat robots whose webhook format a `robot` channel speaks. */
export const ROBOT_FLAVOURS = ['dingtalk', 'wecom', 'feishu'] as const;
export type RobotFlavour = (typeof ROBOT_FLAVOURS)[number];

/** The languages notifications are written in. */
export const NOTIFY_LANGUAGES = ['en', 'zh-CN'] as const;
export type NotifyLanguage = (typeof NOTIFY_LANGUAGES)[number];
export const NotifyLanguageSchema = Type.Union(NOTIFY_LANGUAGES.map((l) => Type.Literal(l)));

/** How an `email` channel talks to its SMTP server: STARTTLS (required, not opportunistic), TLS from
 *  the first byte (usually port 465), or plain text (only for a relay on a trusted network). */
export const SMTP_SECURITY = ['starttls', 'tls', 'none'] as const;
export type SmtpSecurity = (typeof SMTP_SECURITY)[number];

export const ChannelIdSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
export const ChannelNameSchema = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]*$',
  description: 'Unique; letters, digits, spaces, dots, dashes and underscores',
});
const HttpUrlSchema = Type.String({
  minLength: 8,
  maxLength: 2048,
  pattern: '^https?://',
  description: 'An http(s) URL; it may carry an access token, so it is stored sealed and shown masked',
  'x-secret': true,
});
const EmailAddressSchema = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@<>]+@[^\\s@<>]+$' });

const WEBHOOK_FIELDS = {
  url: HttpUrlSchema,
  secret: Type.String({
    minLength: 16,
    maxLength: 512,
    'x-secret': true,
    description: 'The HMAC-SHA256 key of the Berth-Signature header (at least 16 characters)',
  }),
};
const EMAIL_FIELDS = {
  host: Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:\\[\\]-]+$' }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  security: Type.Union(
    SMTP_SECURITY.map((s) => Type.Literal(s)),
    { description: 'starttls (TLS required after STARTTLS), tls (TLS from the start) or none' },
  ),
  ca: Type.String({
    minLength: 1,
    maxLength: 65536,
    description: "PEM certificate(s) to trust for the SMTP server's TLS besides the system's",
  }),
  username: Type.String({ minLength: 1, maxLength: 256 }),
  password: Type.String({ minLength: 1, maxLength: 512, 'x-secret': true }),
  from: Type.String({
    minLength: 3,
    maxLength: 320,
    description: 'Sender, e.g. "Berth <berth@example.com>"',
  }),
  to: Type.Array(EmailAddressSchema, { minItems: 1, maxItems: 50, uniqueItems: true }),
};
const ROBOT_FIELDS = {
  flavour: Type.Union(
    ROBOT_FLAVOURS.map((f) => Type.Literal(f)),
    { description: 'The robot webhook format: dingtalk, wecom or feishu' },
  ),
  url: HttpUrlSchema,
  secret: Type.String({
    minLength: 1,
    maxLength: 512,
    'x-secret': true,
    description:
      "The robot's signing secret (DingTalk's and Feishu's 'signature' security setting); WeCom has none",
  }),
};

export const WebhookChannelConfigSchema = Type.Object(
  { kind: Type.Literal('webhook'), ...WEBHOOK_FIELDS },
  { additionalProperties: false, title: 'WebhookChannelConfig' },
);
export const EmailChannelConfigSchema = Type.Object(
  {
    kind: Type.Literal('email'),
    host: EMAIL_FIELDS.host,
    port: EMAIL_FIELDS.port,
    security: EMAIL_FIELDS.security,
    ca: Type.Optional(EMAIL_FIELDS.ca),
    username: Type.Optional(EMAIL_FIELDS.username),
    password: Type.Optional(EMAIL_FIELDS.password),
    from: EMAIL_FIELDS.from,
    to: EMAIL_FIELDS.to,
  },
  { additionalProperties: false, title: 'EmailChannelConfig' },
);
export const RobotChannelConfigSchema = Type.Object(
  {
    kind: Type.Literal('robot'),
    flavour: ROBOT_FIELDS.flavour,
    url: ROBOT_FIELDS.url,
    secret: Type.Optional(ROBOT_FIELDS.secret),
  },
  { additionalProperties: false, title: 'RobotChannelConfig' },
);
/**
 * One of `variants`, chosen by its `kind` with if/then, so that a bad field is reported against the
 * variant its `kind` names (a plain union reports it against the first variant tried).
 */
function byKind<T extends TObject[]>(variants: [...T], options: { title?: string } = {}) {
  const kindOf = (v: TObject) => (v.properties['kind'] as unknown as { const: string }).const;
  return Type.Unsafe<Static<TUnion<T>>>({
    ...options,
    type: 'object',
    required: ['kind'],
    properties: { kind: { type: 'string', enum: variants.map(kindOf) } },
    allOf: variants.map((v) => ({
      if: { properties: { kind: { const: kindOf(v) } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, never awaited
      then: v,
    })),
  });
}

export type WebhookChannelConfig = Static<typeof WebhookChannelConfigSchema>;
export type EmailChannelConfig = Static<typeof EmailChannelConfigSchema>;
export type RobotChannelConfig = Static<typeof RobotChannelConfigSchema>;
/** A channel's settings as an admin writes them (secrets included). */
export const ChannelConfigSchema = byKind([
  WebhookChannelConfigSchema,
  EmailChannelConfigSchema,
  RobotChannelConfigSchema,
]);
export type ChannelConfig = Static<typeof ChannelConfigSchema>;

/** A change of a channel's settings: `kind` (which cannot change) and the fields to change. A
 *  secret left out stays; `ca`, `username`, `password` and a robot's `secret` set to null go. */
export const ChannelConfigPatchSchema = byKind([
  Type.Object(
    {
      kind: Type.Literal('webhook'),
      url: Type.Optional(WEBHOOK_FIELDS.url),
      secret: Type.Optional(WEBHOOK_FIELDS.secret),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('email'),
      host: Type.Optional(EMAIL_FIELDS.host),
      port: Type.Optional(EMAIL_FIELDS.port),
      security: Type.Optional(EMAIL_FIELDS.security),
      ca: Type.Optional(Type.Union([EMAIL_FIELDS.ca, Type.Null()])),
      username: Type.Optional(Type.Union([EMAIL_FIELDS.username, Type.Null()])),
      password: Type.Optional(Type.Union([EMAIL_FIELDS.password, Type.Null()])),
      from: Type.Optional(EMAIL_FIELDS.from),
      to: Type.Optional(EMAIL_FIELDS.to),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('robot'),
      flavour: Type.Optional(ROBOT_FIELDS.flavour),
      url: Type.Optional(ROBOT_FIELDS.url),
      secret: Type.Optional(Type.Union([ROBOT_FIELDS.secret, Type.Null()])),
    },
    { additionalProperties: false },
  ),
]);
export type ChannelConfigPatch = Static<typeof ChannelConfigPatchSchema>;

/** A channel's settings as admins read them: no secret, the URL masked. */
export const ChannelConfigViewSchema = Type.Union([
  Type.Object({
    kind: Type.Literal('webhook'),
    url: Type.String({ description: 'Masked: scheme, host and port only' }),
    secretSet: Type.Boolean(),
  }),
  Type.Object({
    kind: Type.Literal('email'),
    host: Type.String(),
    port: Type.Integer(),
    security: EMAIL_FIELDS.security,
    caSet: Type.Boolean(),
    username: Type.Union([Type.String(), Type.Null()]),
    passwordSet: Type.Boolean(),
    from: Type.String(),
    to: Type.Array(Type.String()),
  }),
  Type.Object({
    kind: Type.Literal('robot'),
    flavour: ROBOT_FIELDS.flavour,
    url: Type.String({ description: 'Masked: scheme, host and port only' }),
    secretSet: Type.Boolean(),
  }),
]);
export type ChannelConfigView = Static<typeof ChannelConfigViewSchema>;

export const ChannelSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    kind: ChannelKindSchema,
    enabled: Type.Boolean({ description: 'A disabled channel gets no new deliveries' }),
    language: Type.Optional(NotifyLanguageSchema),
    config: Type.Optional(ChannelConfigViewSchema),
    createdBy: Type.Optional(Type.String()),
    createdAt: Type.Optional(TimestampSchema),
    updatedAt: Type.Optional(TimestampSchema),
  },
  {
    title: 'Channel',
    description: 'language, config and the times are shown to admins only',
  },
);
export type Channel = Static<typeof ChannelSchema>;

export const CreateChannelBodySchema = Type.Object(
  {
    name: ChannelNameSchema,
    language: Type.Optional(NotifyLanguageSchema),
    enabled: Type.Optional(Type.Boolean()),
    config: ChannelConfigSchema,
  },
  { additionalProperties: false },
);
export type CreateChannelBody = Static<typeof CreateChannelBodySchema>;

export const UpdateChannelBodySchema = Type.Object(
  {
    name: Type.Optional(ChannelNameSchema),
    language: Type.Optional(NotifyLanguageSchema),
    enabled: Type.Optional(Type.Boolean()),
    config: Type.Optional(ChannelConfigPatchSchema),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateChannelBody = Static<typeof UpdateChannelBodySchema>;

export const ChannelParamsSchema = Type.Object({ id: ChannelIdSchema });
export const ChannelResponseSchema = Type.Object({ channel: ChannelSchema });
export type ChannelResponse = Static<typeof ChannelResponseSchema>;
export const ChannelListResponseSchema = pageSchema('channels', ChannelSchema, 'By name');
export type ChannelListResponse = Static<typeof ChannelListResponseSchema>;

// --- subscriptions -------------------------------------------------------------------------------

export const NotifyEventTypeSchema = Type.Union(NOTIFY_EVENTS.map((e) => Type.Literal(e)));

export const SubscriptionSchema = Type.Object(
  {
    app: Type.String(),
    channelId: Type.String(),
    channelName: Type.String(),
    channelKind: ChannelKindSchema,
    events: Type.Array(NotifyEventTypeSchema),
    envs: Type.Array(EnvNameSchema),
    createdBy: Type.String(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  },
  { title: 'Subscription' },
);
export type Subscription = Static<typeof SubscriptionSchema>;

export const SubscriptionBodySchema = Type.Object(
  {
    events: Type.Array(NotifyEventTypeSchema, { minItems: 1, uniqueItems: true }),
    envs: Type.Optional(
      Type.Array(EnvNameSchema, { minItems: 1, uniqueItems: true, description: 'Default: both' }),
    ),
  },
  { additionalProperties: false },
);
export type SubscriptionBody = Static<typeof SubscriptionBodySchema>;

export const SubscriptionParamsSchema = Type.Object({ code: AppCodeSchema, channelId: ChannelIdSchema });
export const SubscriptionResponseSchema = Type.Object({ subscription: SubscriptionSchema });
export type SubscriptionResponse = Static<typeof SubscriptionResponseSchema>;
export const SubscriptionListResponseSchema = pageSchema(
  'subscriptions',
  SubscriptionSchema,
  'By channel name',
);
export type SubscriptionListResponse = Static<typeof SubscriptionListResponseSchema>;

// --- deliveries ----------------------------------------------------------------------------------

export const DELIVERY_STATUSES = ['pending', 'retrying', 'sent', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DeliverySchema = Type.Object(
  {
    id: Type.String({
      description: 'Sent along (Berth-Delivery header, Message-ID) so a receiver can drop a repeat',
    }),
    app: Type.Union([Type.String(), Type.Null()], { description: 'Null for a channel test' }),
    channelId: Type.String(),
    channelName: Type.Union([Type.String(), Type.Null()], { description: 'Null once the channel is gone' }),
    type: Type.Union([NotifyEventTypeSchema, Type.Literal('test')]),
    env: Type.Union([EnvNameSchema, Type.Null()]),
    status: Type.Union(
      DELIVERY_STATUSES.map((s) => Type.Literal(s)),
      {
        description: 'pending -> sent, or retrying (after a failed attempt) -> sent | failed',
      },
    ),
    attempts: Type.Integer({ minimum: 0 }),
    lastError: Type.Union([Type.String(), Type.Null()], { description: "The last failed attempt's error" }),
    jobId: Type.String(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    sentAt: Type.Union([TimestampSchema, Type.Null()]),
  },
  { title: 'Delivery' },
);
export type Delivery = Static<typeof DeliverySchema>;

export const DeliveryListResponseSchema = pageSchema('deliveries', DeliverySchema, 'Newest first');
export type DeliveryListResponse = Static<typeof DeliveryListResponseSchema>;
export const DeliveryResponseSchema = Type.Object({ delivery: DeliverySchema });
export type DeliveryResponse = Static<typeof DeliveryResponseSchema>;

// --- what a webhook channel receives -------------------------------------------------------------

/** The JSON body a `webhook` channel receives (signed: see `@berth/sdk/webhooks`). */
export const WebhookBodySchema = Type.Object(
  {
    id: Type.String({ description: 'The delivery id (also the Berth-Delivery header)' }),
    type: Type.Union([NotifyEventTypeSchema, Type.Literal('test')]),
    /** Absent for a channel test. */
    event: Type.Optional(NotifyEventSchema),
    title: Type.String(),
    text: Type.String({ description: "Plain text in the channel's language" }),
    language: NotifyLanguageSchema,
  },
  { title: 'WebhookBody' },
);
export type WebhookBody = Static<typeof WebhookBodySchema>;
