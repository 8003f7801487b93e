// The audit log: who changed what, when and from where. Every module records its changes here in
// the same transaction as the change itself; admins and auditors read it, newest first.

import crypto from 'node:crypto';
import type { AuditEvent } from '@berth/sdk';
import { type Kysely, sql, type Transaction } from 'kysely';
import { escapeLike, LIKE_ESCAPE } from '../store/dialect.ts';
import { keysetPage, newestFirst, pageBody } from '../store/keyset.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { type Actor, SYSTEM_ACTOR_NAME } from './actor.ts';
import { AUDIT_READERS, assertRole } from './roles.ts';

export interface AuditRecord {
  /** The user acting, or null for the platform itself (recorded as "system"). */
  actor: Actor | null;
  /** The name to record when `actor` is null (default "system"; failed logins use "anonymous"). */
  actorName?: string;
  /** `<targetType>.<verb>`, e.g. user.create, session.login, token.revoke. */
  action: string;
  targetType: string;
  targetId: string;
  detail?: Record<string, unknown>;
  /** Client address; defaults to the actor's. */
  ip?: string;
}

export interface AuditFilter {
  /** Actor username (or "system" / "anonymous"). */
  actor?: string;
  /** Action prefix: "user" matches user.create, user.delete, … */
  action?: string;
  targetType?: string;
  targetId?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  /** 1-PAGE_LIMIT_MAX, default PAGE_LIMIT_DEFAULT. */
  limit?: number;
  cursor?: string;
}

export interface AuditPage {
  events: AuditEvent[];
  nextCursor?: string;
}

export interface AuditLog {
  /** Writes one event with `db`: pass the transaction that makes the change. */
  record(db: Kysely<Database> | Transaction<Database>, e: AuditRecord): Promise<void>;
  /** Events newest first; admins and auditors only (FORBIDDEN otherwise). */
  list(actor: Actor, filter?: AuditFilter): Promise<AuditPage>;
}

const AUDIT_KEYSET = newestFirst<Database['audit_events']>('audit', { time: 'at', id: 'id' }, (r) => [
  r.at,
  r.id,
]);

export function createAuditLog(deps: { store: Store; clock?: () => number }): AuditLog {
  const now = deps.clock ?? Date.now;
  let seq = 0;
  /** Ids sort like the events this process wrote within one millisecond (the list's tie-break). */
  function eventId(at: number): string {
    seq = (seq + 1) % 36 ** 4;
    const time = at.toString(36).padStart(9, '0');
    return `aud_${time}${seq.toString(36).padStart(4, '0')}${crypto.randomBytes(6).toString('hex')}`;
  }
  return {
    async record(db, e) {
      const ip = e.ip ?? e.actor?.ip;
      const at = now();
      await db
        .insertInto('audit_events')
        .values({
          id: eventId(at),
          at,
          actor_id: e.actor?.userId ?? null,
          actor_name: clip(e.actor?.username ?? e.actorName ?? SYSTEM_ACTOR_NAME, 64),
          action: clip(e.action, 64),
          target_type: clip(e.targetType, 32),
          target_id: clip(e.targetId, 255),
          ip: ip ? clip(ip, 64) : null,
          detail: e.detail === undefined ? null : JSON.stringify(e.detail),
        })
        .execute();
    },

    async list(actor, filter = {}) {
      assertRole(actor, AUDIT_READERS);
      let q = deps.store.db.selectFrom('audit_events').selectAll();
      if (filter.actor !== undefined) q = q.where('actor_name', '=', filter.actor);
      if (filter.action !== undefined) {
        q = q.where(
          sql<boolean>`${sql.ref('action')} like ${`${escapeLike(filter.action)}%`} escape ${sql.lit(LIKE_ESCAPE)}`,
        );
      }
      if (filter.targetType !== undefined) q = q.where('target_type', '=', filter.targetType);
      if (filter.targetId !== undefined) q = q.where('target_id', '=', filter.targetId);
      if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
      if (filter.until !== undefined) q = q.where('at', '<', filter.until);
      const page = await keysetPage(q, AUDIT_KEYSET, filter);
      return pageBody('events', { ...page, items: page.items.map(toEvent) });
    },
  };
}

function toEvent(row: Database['audit_events']): AuditEvent {
  const event: AuditEvent = {
    id: row.id,
    at: Number(row.at),
    actorName: row.actor_name,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
  };
  if (row.actor_id !== null) event.actorId = row.actor_id;
  if (row.ip !== null) event.ip = row.ip;
  if (row.detail !== null) {
    try {
      event.detail = JSON.parse(row.detail) as Record<string, unknown>;
    } catch {
      event.detail = { unreadable: row.detail.slice(0, 200) };
    }
  }
  return event;
}

function clip(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}
