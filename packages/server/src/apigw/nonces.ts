// The nonces of signed gateway calls, in the store so that every berthd replica sharing it refuses a
// replay. `claim` inserts (app, nonce) and loses on the primary key when the pair is there already:
// the insert skips a duplicate instead of failing (ON CONFLICT DO NOTHING on PostgreSQL and SQLite,
// INSERT IGNORE on MySQL), so it never aborts a transaction it runs in. A row outlives every call
// that could carry its nonce (NONCE_TTL_MS: the signature window either side of the claim), after
// which the pair may be claimed again (a conditional update takes over the expired row) and `purge`
// deletes it, a bounded batch at a time (a scheduled job, security-module.ts).
import type { Kysely } from 'kysely';
import type { DialectName } from '../store/dialect.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { NONCE_PATTERN, SIGNATURE_WINDOW_MS } from './signature.ts';

/** A call's timestamp is at most one window from the claim, and is accepted up to one window after
 *  it: the nonce is remembered two windows. */
export const NONCE_TTL_MS = 2 * SIGNATURE_WINDOW_MS;
/** Rows one purge deletes at most. */
export const NONCE_PURGE_BATCH = 1000;

export interface Nonces {
  /** True when this call is the first to use (app, nonce) at `at` (epoch ms); false on a replay. */
  claim(app: string, nonce: string, at: number, db?: Kysely<Database>): Promise<boolean>;
  /** Deletes up to about `limit` expired rows; how many went. */
  purge(now: number, limit?: number): Promise<number>;
}

function insertOnce(db: Kysely<Database>, dialect: DialectName, row: Database['apigw_nonces']) {
  const insert = db.insertInto('apigw_nonces').values(row);
  return dialect === 'mysql'
    ? insert.ignore()
    : insert.onConflict((oc) => oc.columns(['app_code', 'nonce']).doNothing());
}

export function createNonces(deps: { store: Store }): Nonces {
  const { store } = deps;
  return {
    async claim(app, nonce, at, db = store.db) {
      if (!NONCE_PATTERN.test(nonce)) throw new Error(`not a nonce: ${JSON.stringify(nonce)}`);
      const expires = at + NONCE_TTL_MS;
      const inserted = await insertOnce(db, store.dialect, {
        app_code: app,
        nonce,
        expires_at: expires,
      }).executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return true;
      // The pair is there: a replay, unless its row expired (not purged yet).
      const renewed = await db
        .updateTable('apigw_nonces')
        .set({ expires_at: expires })
        .where('app_code', '=', app)
        .where('nonce', '=', nonce)
        .where('expires_at', '<=', at)
        .executeTakeFirst();
      return Number(renewed.numUpdatedRows) > 0;
    },

    async purge(now, limit = NONCE_PURGE_BATCH) {
      // The expiry of the limit-th oldest expired row bounds the batch (the same query on every
      // dialect: MySQL takes no LIMIT in a subquery of a DELETE on the same table).
      const edge = await store.db
        .selectFrom('apigw_nonces')
        .select('expires_at')
        .where('expires_at', '<=', now)
        .orderBy('expires_at')
        .offset(limit - 1)
        .limit(1)
        .executeTakeFirst();
      const upTo = edge ? Math.min(Number(edge.expires_at), now) : now;
      const deleted = await store.db
        .deleteFrom('apigw_nonces')
        .where('expires_at', '<=', upTo)
        .executeTakeFirst();
      return Number(deleted.numDeletedRows);
    },
  };
}
