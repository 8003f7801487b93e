// Built-in component `berth/send_notification`: the calling app tells its people something. The
// message becomes an `app.message` event of the calling app (never of another: the app is the one
// the gateway authenticated), delivered to the channels its developers subscribed it to for that
// event and environment, by the notify module's durable, retried deliveries. The answer names the
// deliveries queued (none when no subscription asks for app messages).
import {
  NOTIFY_MESSAGE_LEVELS,
  NOTIFY_MESSAGE_LIMITS,
  type NotifyEvent,
  type NotifyMessageLevel,
} from '@berth/sdk';
import { BerthError } from '../errors.ts';
import type { BuiltinComponent } from './builtin-types.ts';

export interface BuiltinNotifications {
  /** Queues the event's deliveries (durably, in the store); their ids. */
  emitNotice(event: NotifyEvent): Promise<string[]>;
  now?: () => number;
}

export interface AppMessage {
  title: string;
  content: string;
  level: NotifyMessageLevel;
  env: 'stag' | 'prod';
  url?: string;
}

const FIELDS = new Set(['title', 'content', 'level', 'env', 'url']);

function invalid(field: string, message: string): BerthError {
  return new BerthError('VALIDATION_FAILED', `${field} ${message}`, { field });
}

function text(body: Record<string, unknown>, field: string, min: number, max: number): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  if (value.trim().length < min) throw invalid(field, 'must not be empty');
  if (value.length > max) throw invalid(field, `is longer than ${max} characters`);
  return value;
}

/** The message a call's JSON body asks for; VALIDATION_FAILED (details.field) when it is not one. */
export function parseAppMessage(body: unknown): AppMessage {
  if (body === undefined) throw invalid('body', 'is required: a JSON object with title and content');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('body', 'must be a JSON object');
  }
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!FIELDS.has(key)) throw invalid(key, 'is not a field: title, content, level, env, url');
  }
  const title = text(fields, 'title', 1, NOTIFY_MESSAGE_LIMITS.title);
  if (title === undefined) throw invalid('title', 'is required');
  const content = text(fields, 'content', 1, NOTIFY_MESSAGE_LIMITS.content);
  if (content === undefined) throw invalid('content', 'is required');
  const level = fields['level'] ?? 'info';
  if (typeof level !== 'string' || !(NOTIFY_MESSAGE_LEVELS as readonly string[]).includes(level)) {
    throw invalid('level', `must be one of ${NOTIFY_MESSAGE_LEVELS.join(', ')}`);
  }
  const env = fields['env'] ?? 'prod';
  if (env !== 'stag' && env !== 'prod') throw invalid('env', 'must be stag or prod');
  const message: AppMessage = { title, content, level: level as NotifyMessageLevel, env };
  const url = text(fields, 'url', 1, NOTIFY_MESSAGE_LIMITS.url);
  if (url !== undefined) {
    if (!/^https?:\/\/[^\s]+$/.test(url)) throw invalid('url', 'must be an http:// or https:// URL');
    message.url = url;
  }
  return message;
}

export const notificationsComponent: BuiltinComponent<BuiltinNotifications> = {
  declaration: {
    name: 'send_notification',
    label: 'Send a notification',
    path: '/notifications',
    method: 'POST',
    type: 'operate',
    permLevel: 'normal',
    rateLimit: { calls: 60, per: 'min' },
    hidden: false,
    docs: [
      'Sends a message from the calling app to the channels its developers subscribed it to for',
      "the event `app.message` (and the message's environment). JSON body: `title` (up to",
      `${NOTIFY_MESSAGE_LIMITS.title} characters), \`content\` (up to ${NOTIFY_MESSAGE_LIMITS.content}),`,
      `\`level\` (${NOTIFY_MESSAGE_LEVELS.join(', ')}; info by default), \`env\` (stag or prod; prod by`,
      'default), `url` (a link for people, optional). `data`: `{deliveries: [id, …]}`, one durable',
      'delivery per subscribed channel (sent and retried by berthd).',
    ].join('\n'),
  },
  handler: (deps) => async (call) => {
    const message = parseAppMessage(call.body);
    const event: NotifyEvent = {
      type: 'app.message',
      app: call.app,
      env: message.env,
      at: (deps.now ?? Date.now)(),
      ...(call.user === undefined ? {} : { actor: call.user }),
      title: message.title,
      content: message.content,
      level: message.level,
      ...(message.url === undefined ? {} : { url: message.url }),
    };
    return { deliveries: await deps.emitNotice(event) };
  },
};
