// Login tickets: how an app learns who its visitor is without ever holding a platform credential
// ("log in once, apps know who you are"). The browser visits the console's app-login route with
// its session; berthd issues a ticket for one app environment and sends the browser back to the
// app with it; the app's server redeems it once, with its app secret, for the user's id and name.
// A ticket is random (256 bits), stored only as its SHA-256 digest, lives 60 seconds, is good for
// one redemption by one app environment, and grants nothing else: no API call accepts it.
import type { AppUser, EnvName } from '@berth/sdk';
import { newId, randomToken, sha256 } from '../crypto/tokens.ts';
import { BerthError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { Actor } from './actor.ts';
import type { AuditLog } from './audit-log.ts';
import { findUserById } from './user-records.ts';

/** How long a ticket may take from the console, through the browser, to the app's redemption. */
export const TICKET_TTL_MS = 60_000;
/** Expired tickets are deleted once they are this old (when the next one is issued). */
const KEEP_EXPIRED_MS = 3_600_000;
const MAX_TICKET_LENGTH = 128;

export interface AppTickets {
  /** A new ticket for the actor, good for `app`/`env` only; the text is shown only here. */
  issue(actor: Actor, app: string, env: EnvName): Promise<string>;
  /**
   * The user a ticket names, when it is for `app`/`env`, unexpired and unused; marks it used.
   * Throws TICKET_INVALID (unknown, or another app's or environment's), TICKET_EXPIRED, TICKET_USED
   * or USER_DISABLED.
   */
  redeem(ticket: string, app: string, env: EnvName): Promise<AppUser>;
}

export function createAppTickets(deps: { store: Store; audit: AuditLog; clock: () => number }): AppTickets {
  const { db } = deps.store;

  return {
    async issue(actor, app, env) {
      const now = deps.clock();
      const ticket = randomToken(32);
      await db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom('app_tickets')
          .where('expires_at', '<', now - KEEP_EXPIRED_MS)
          .execute();
        await trx
          .insertInto('app_tickets')
          .values({
            id: newId('tkt'),
            ticket_hash: sha256(ticket),
            user_id: actor.userId,
            app,
            env,
            created_at: now,
            expires_at: now + TICKET_TTL_MS,
            used_at: null,
          })
          .execute();
        await deps.audit.record(trx, {
          actor,
          action: 'session.app_login',
          targetType: 'app',
          targetId: app,
          detail: { env },
        });
      });
      return ticket;
    },

    async redeem(ticket, app, env) {
      if (!ticket || ticket.length > MAX_TICKET_LENGTH) throw new BerthError('TICKET_INVALID');
      const now = deps.clock();
      const row = await db
        .selectFrom('app_tickets')
        .selectAll()
        .where('ticket_hash', '=', sha256(ticket))
        .executeTakeFirst();
      // Another app's ticket reads as unknown: an app learns nothing about tickets not its own.
      if (!row || row.app !== app || row.env !== env) throw new BerthError('TICKET_INVALID');
      if (row.used_at !== null) throw new BerthError('TICKET_USED');
      if (now >= Number(row.expires_at)) throw new BerthError('TICKET_EXPIRED');
      // Single use across concurrent redemptions and berthd processes: only one update wins.
      const claimed = await db
        .updateTable('app_tickets')
        .set({ used_at: now })
        .where('id', '=', row.id)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) throw new BerthError('TICKET_USED');
      const user = await findUserById(db, row.user_id);
      if (!user) throw new BerthError('TICKET_INVALID');
      if (Number(user.disabled) === 1) throw new BerthError('USER_DISABLED');
      return { id: user.id, username: user.username, displayName: user.display_name };
    },
  };
}
