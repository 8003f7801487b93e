// Idempotency keys of the state-changing deploy requests (upload, promote, rollback, scale): a
// request sent again with the same `Idempotency-Key` by the same user answers with the deploy the
// first one started and starts nothing new. The key's row is written in the transaction that
// creates the deploy, and the store's primary key (user, key) decides between concurrent
// duplicates, also across berthd processes sharing PostgreSQL or MariaDB: the loser's transaction
// rolls back (its deploy never existed) and it answers with the winner's deploy.
import crypto from 'node:crypto';
import type { Deploy } from '@berth/sdk';
import type { Kysely, Transaction } from 'kysely';
import { BerthError } from '../errors.ts';
import { isUniqueViolation } from '../store/dialect.ts';
import type { Database } from '../store/schema.ts';

/** How long a key is remembered (24 h); after that it may be used again. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;

export interface IdempotentRequest {
  userId: string;
  key: string;
  /** What was asked: the route, its target and its body, in a fixed order. */
  request: unknown[];
}

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Starts the deploy unless the key names an earlier request; then answers with that request's
 * deploy, or IDEMPOTENCY_KEY_REUSED if it asked for something else. `prepare` checks the request
 * against the current state and gives the start (run in the transaction that records the key): a
 * retry is answered before those checks, which the first request's own deploy may have changed (a
 * rollback to the oldest release, say). Without a key, just checks and starts it.
 */
export async function idempotentDeploy(
  db: Kysely<Database>,
  req: IdempotentRequest | undefined,
  now: number,
  prepare: () => Promise<(trx?: Db) => Promise<Deploy>>,
  load: (id: string) => Promise<Deploy>,
): Promise<Deploy> {
  if (req === undefined) return (await prepare())();
  const fingerprint = crypto.createHash('sha256').update(JSON.stringify(req.request)).digest('hex');
  const earlier = async () => {
    const row = await db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('user_id', '=', req.userId)
      .where('idem_key', '=', req.key)
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.fingerprint !== fingerprint) throw new BerthError('IDEMPOTENCY_KEY_REUSED');
    return load(row.deploy_id);
  };
  // A key past its time is forgotten first, so it can start a new deploy.
  await db
    .deleteFrom('idempotency_keys')
    .where('user_id', '=', req.userId)
    .where('idem_key', '=', req.key)
    .where('created_at', '<', now - IDEMPOTENCY_KEY_TTL_MS)
    .execute();
  const known = await earlier();
  if (known) return known;
  const start = await prepare();
  try {
    return await db.transaction().execute(async (trx) => {
      const deploy = await start(trx);
      await trx
        .insertInto('idempotency_keys')
        .values({
          user_id: req.userId,
          idem_key: req.key,
          fingerprint,
          deploy_id: deploy.id,
          created_at: now,
        })
        .execute();
      return deploy;
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const winner = await earlier();
    if (!winner) throw err;
    return winner;
  }
}

/** Forgets the keys older than their time (the history purge runs it). */
export async function purgeIdempotencyKeys(db: Kysely<Database>, now: number): Promise<number> {
  const result = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', now - IDEMPOTENCY_KEY_TTL_MS)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
