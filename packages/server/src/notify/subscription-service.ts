// Subscriptions: which of an app's events go to which channel. Who may read or change them is the
// injected `authorize`'s business (the apps module's access rules, or the permissions module).
import type { Delivery, EnvName, PageQuery, Subscription, SubscriptionBody } from '@berth/sdk';
import { ENV_NAMES } from '@berth/sdk';
import type { Kysely } from 'kysely';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import { isUniqueViolation } from '../store/dialect.ts';
import { type Keyset, keysetPageOf, type Page } from '../store/keyset.ts';
import type { Database } from '../store/schema.ts';
import { listDeliveries } from './deliveries.ts';
import type { AuthorizeApp, NotifyAudit } from './deps.ts';

export interface SubscriptionService {
  list(actor: Actor, code: string, page?: PageQuery): Promise<Page<Subscription>>;
  /** Creates or replaces the app's subscription to the channel. */
  put(actor: Actor, code: string, channelId: string, body: SubscriptionBody): Promise<Subscription>;
  /** Ends it (nothing happens when there is none); CHANNEL_NOT_FOUND for an unknown channel. */
  remove(actor: Actor, code: string, channelId: string): Promise<void>;
  deliveries(actor: Actor, code: string, page?: PageQuery): Promise<Page<Delivery>>;
}

const BY_CHANNEL_NAME: Keyset<Subscription> = {
  list: 'subscriptions',
  order: 'asc',
  columns: [{ type: 'string' }, { type: 'string' }],
  keyOf: (s) => [s.channelName, s.channelId],
};

export function createSubscriptionService(deps: {
  db: Kysely<Database>;
  authorize: AuthorizeApp;
  audit: NotifyAudit;
  now: () => number;
}): SubscriptionService {
  const { db, authorize, audit, now } = deps;

  async function read(q: Kysely<Database>, code: string, channelId?: string): Promise<Subscription[]> {
    let query = q
      .selectFrom('notify_subscriptions')
      .innerJoin('notify_channels', 'notify_channels.id', 'notify_subscriptions.channel_id')
      .selectAll('notify_subscriptions')
      .select(['notify_channels.name as channel_name', 'notify_channels.kind as channel_kind'])
      .where('notify_subscriptions.app_code', '=', code);
    if (channelId !== undefined) query = query.where('notify_subscriptions.channel_id', '=', channelId);
    const rows = await query.execute();
    return rows.map((r) => ({
      app: r.app_code,
      channelId: r.channel_id,
      channelName: r.channel_name,
      channelKind: r.channel_kind as Subscription['channelKind'],
      events: JSON.parse(r.events) as Subscription['events'],
      envs: JSON.parse(r.envs) as EnvName[],
      createdBy: r.created_by,
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    }));
  }

  async function assertChannel(q: Kysely<Database>, channelId: string): Promise<void> {
    const found = await q
      .selectFrom('notify_channels')
      .select('id')
      .where('id', '=', channelId)
      .executeTakeFirst();
    if (!found) throw new BerthError('CHANNEL_NOT_FOUND');
  }

  return {
    async list(actor, code, page = {}) {
      await authorize(actor, 'notify.read', code);
      return keysetPageOf(await read(db, code), BY_CHANNEL_NAME, page);
    },

    async put(actor, code, channelId, body) {
      await authorize(actor, 'notify.write', code);
      // Kept in a fixed order, so that a list reads the same however it was written.
      const events = [...body.events].sort();
      const envs = ENV_NAMES.filter((e) => (body.envs ?? ENV_NAMES).includes(e));
      const write = () =>
        db.transaction().execute(async (trx) => {
          await assertChannel(trx, channelId);
          const t = now();
          const change = { events: JSON.stringify(events), envs: JSON.stringify(envs), updated_at: t };
          const updated = await trx
            .updateTable('notify_subscriptions')
            .set(change)
            .where('app_code', '=', code)
            .where('channel_id', '=', channelId)
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) === 0) {
            await trx
              .insertInto('notify_subscriptions')
              .values({
                app_code: code,
                channel_id: channelId,
                ...change,
                created_by: actor.username,
                created_at: t,
              })
              .execute();
          }
          await audit.record(trx, {
            actor,
            action: 'app.subscribe',
            targetType: 'app',
            targetId: code,
            detail: { channel: channelId, events, envs },
          });
          return (await read(trx, code, channelId))[0]!;
        });
      // Two first subscriptions at once: the one that lost the insert writes again as an update.
      return write().catch((err) => (isUniqueViolation(err) ? write() : Promise.reject(err)));
    },

    async remove(actor, code, channelId) {
      await authorize(actor, 'notify.write', code);
      await db.transaction().execute(async (trx) => {
        await assertChannel(trx, channelId);
        const deleted = await trx
          .deleteFrom('notify_subscriptions')
          .where('app_code', '=', code)
          .where('channel_id', '=', channelId)
          .executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 0) return;
        await audit.record(trx, {
          actor,
          action: 'app.unsubscribe',
          targetType: 'app',
          targetId: code,
          detail: { channel: channelId },
        });
      });
    },

    async deliveries(actor, code, page = {}) {
      await authorize(actor, 'notify.read', code);
      return listDeliveries(db, { app: code }, page);
    },
  };
}
