// The notifier: what the deploy engine (and anything else that has news) calls inside its own
// transaction. For each subscription of the event's app that asks for this event type and
// environment, on an enabled channel, one delivery and its job are written with the caller's `db` —
// so a notification exists exactly when the caller's change commits, and is sent by the job queue
// (durable, retried) after that.
import { type NotifyEvent, NotifyEventSchema } from '@berth/sdk';
import { Value } from '@sinclair/typebox/value';
import type { Kysely } from 'kysely';
import type { JobQueue } from '../jobs/index.ts';
import type { Database } from '../store/schema.ts';
import { queueDelivery } from './deliveries.ts';

export interface Notifier {
  /** Queues the event's deliveries with `db` (the caller's transaction, or the store's db);
   *  resolves with their ids. Throws on an event that does not match NotifyEventSchema (a bug). */
  emit(db: Kysely<Database>, event: NotifyEvent): Promise<string[]>;
}

export function createNotifier(deps: { queue: JobQueue; maxAttempts: number; now: () => number }): Notifier {
  return {
    async emit(db, event) {
      if (!Value.Check(NotifyEventSchema, event)) {
        const first = [...Value.Errors(NotifyEventSchema, event)][0];
        throw new Error(`not a notify event: ${first?.path ?? ''} ${first?.message ?? ''}`.trim());
      }
      const subscriptions = await db
        .selectFrom('notify_subscriptions')
        .innerJoin('notify_channels', 'notify_channels.id', 'notify_subscriptions.channel_id')
        .select([
          'notify_subscriptions.channel_id',
          'notify_subscriptions.events',
          'notify_subscriptions.envs',
        ])
        .where('notify_subscriptions.app_code', '=', event.app)
        .where('notify_channels.enabled', '=', 1)
        .orderBy('notify_subscriptions.channel_id')
        .execute();
      const ids: string[] = [];
      for (const s of subscriptions) {
        const events = JSON.parse(s.events) as string[];
        const envs = JSON.parse(s.envs) as string[];
        if (!events.includes(event.type) || !envs.includes(event.env)) continue;
        ids.push(
          await queueDelivery(db, deps.queue, {
            channelId: s.channel_id,
            notice: event,
            maxAttempts: deps.maxAttempts,
            now: deps.now(),
          }),
        );
      }
      return ids;
    },
  };
}
