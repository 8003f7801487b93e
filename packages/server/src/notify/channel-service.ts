// Channels: admins create, change and remove them (audited); everyone logged in lists them, seeing
// only what subscribing needs (id, name, kind, enabled). Removing a channel drops its subscriptions
// and its delivery history in the same transaction.
import type { Channel, CreateChannelBody, Delivery, PageQuery, UpdateChannelBody } from '@berth/sdk';
import type { Kysely } from 'kysely';
import type { SecretBox } from '../crypto/secret-box.ts';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import { assertRole } from '../identity/roles.ts';
import { isUniqueViolation } from '../store/dialect.ts';
import { type Keyset, keysetPage, mapPage, type Page } from '../store/keyset.ts';
import type { Database } from '../store/schema.ts';
import { applyPatch, configFromInput, configView, openConfig, sealConfig } from './channel-config.ts';
import type { NotifyAudit } from './deps.ts';
import { newChannelId } from './ids.ts';
import type { ChannelRow } from './tables.ts';

export interface ChannelOperations extends ChannelService {
  /** Queues a test notification to the channel (admins). */
  test(actor: Actor, id: string): Promise<Delivery>;
  /** The channel's deliveries, newest first (admins). */
  deliveries(actor: Actor, id: string, page?: PageQuery): Promise<Page<Delivery>>;
}

export const CHANNEL_ADMINS = ['admin'] as const;

export interface ChannelService {
  list(actor: Actor, page?: PageQuery): Promise<Page<Channel>>;
  /** Throws CHANNEL_NOT_FOUND. */
  get(actor: Actor, id: string): Promise<Channel>;
  create(actor: Actor, body: CreateChannelBody): Promise<Channel>;
  update(actor: Actor, id: string, body: UpdateChannelBody): Promise<Channel>;
  remove(actor: Actor, id: string): Promise<void>;
  /** The channel's row (CHANNEL_NOT_FOUND when there is none). */
  row(db: Kysely<Database>, id: string): Promise<ChannelRow>;
}

const BY_NAME: Keyset<ChannelRow> = {
  list: 'channels',
  order: 'asc',
  columns: [
    { ref: 'notify_channels.name', type: 'string' },
    { ref: 'notify_channels.id', type: 'string' },
  ],
  keyOf: (r) => [r.name, r.id],
};

function isAdmin(actor: Actor): boolean {
  return (CHANNEL_ADMINS as readonly string[]).includes(actor.role);
}

export function channelView(row: ChannelRow, full: boolean): Channel {
  const summary: Channel = {
    id: row.id,
    name: row.name,
    kind: row.kind as Channel['kind'],
    enabled: Number(row.enabled) === 1,
  };
  if (!full) return summary;
  return {
    ...summary,
    language: row.language as NonNullable<Channel['language']>,
    config: configView(row),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function createChannelService(deps: {
  db: Kysely<Database>;
  secretBox: SecretBox;
  audit: NotifyAudit;
  now: () => number;
}): ChannelService {
  const { db, secretBox, audit, now } = deps;

  async function row(q: Kysely<Database>, id: string): Promise<ChannelRow> {
    const found = await q.selectFrom('notify_channels').selectAll().where('id', '=', id).executeTakeFirst();
    if (!found) throw new BerthError('CHANNEL_NOT_FOUND');
    return found;
  }

  function nameTaken(err: unknown): never {
    if (isUniqueViolation(err)) throw new BerthError('CHANNEL_NAME_TAKEN');
    throw err;
  }

  return {
    row,

    async list(actor, page = {}) {
      const full = isAdmin(actor);
      const rows = await keysetPage(db.selectFrom('notify_channels').selectAll(), BY_NAME, page);
      return mapPage(rows, (items) => items.map((r) => channelView(r, full)));
    },

    async get(actor, id) {
      return channelView(await row(db, id), isAdmin(actor));
    },

    async create(actor, body) {
      assertRole(actor, CHANNEL_ADMINS);
      const config = configFromInput(body.config);
      const id = newChannelId();
      const t = now();
      const values: ChannelRow = {
        id,
        name: body.name,
        kind: config.kind,
        language: body.language ?? 'en',
        enabled: body.enabled === false ? 0 : 1,
        ...sealConfig(secretBox, id, config),
        created_by: actor.username,
        created_at: t,
        updated_at: t,
      };
      await db
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto('notify_channels').values(values).execute();
          await audit.record(trx, {
            actor,
            action: 'channel.create',
            targetType: 'channel',
            targetId: id,
            detail: { name: body.name, kind: config.kind },
          });
        })
        .catch(nameTaken);
      return channelView(values, true);
    },

    async update(actor, id, body) {
      assertRole(actor, CHANNEL_ADMINS);
      const updated = await db
        .transaction()
        .execute(async (trx) => {
          const current = await row(trx, id);
          const change: Partial<ChannelRow> = { updated_at: now() };
          if (body.name !== undefined) change.name = body.name;
          if (body.language !== undefined) change.language = body.language;
          if (body.enabled !== undefined) change.enabled = body.enabled ? 1 : 0;
          if (body.config !== undefined) {
            const config = applyPatch(openConfig(secretBox, current), body.config);
            Object.assign(change, sealConfig(secretBox, id, config));
          }
          await trx.updateTable('notify_channels').set(change).where('id', '=', id).execute();
          await audit.record(trx, {
            actor,
            action: 'channel.update',
            targetType: 'channel',
            targetId: id,
            detail: { name: change.name ?? current.name, changed: Object.keys(body) },
          });
          return { ...current, ...change };
        })
        .catch(nameTaken);
      return channelView(updated, true);
    },

    async remove(actor, id) {
      assertRole(actor, CHANNEL_ADMINS);
      await db.transaction().execute(async (trx) => {
        const current = await row(trx, id);
        await trx.deleteFrom('notify_subscriptions').where('channel_id', '=', id).execute();
        await trx.deleteFrom('notify_deliveries').where('channel_id', '=', id).execute();
        await trx.deleteFrom('notify_channels').where('id', '=', id).execute();
        await audit.record(trx, {
          actor,
          action: 'channel.delete',
          targetType: 'channel',
          targetId: id,
          detail: { name: current.name },
        });
      });
    },
  };
}
