// Notifications: the events the platform tells channels about. The engine emits them; the notify
// module turns each into one durable delivery per subscribed channel.
import { type Static, Type } from '@sinclair/typebox';

/** What a subscription can ask to hear about. */
export const NOTIFY_EVENTS = [
  'request.filed',
  'request.approved',
  'request.refused',
  'request.withdrawn',
  'deploy.succeeded',
  'deploy.failed',
  'instance.crashloop',
] as const;
export type NotifyEventType = (typeof NOTIFY_EVENTS)[number];

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
    /** A link for people: the environment's URL or the console page. */
    url: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type NotifyEvent = Static<typeof NotifyEventSchema>;
