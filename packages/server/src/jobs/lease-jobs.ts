// Leasing: pick due jobs, then claim each with a compare-and-set that works on every dialect. A job
// with a one-at-a-time key is a candidate only while it is the earliest unfinished job of its key, and
// its claim also inserts the key into `job_locks` (primary key) in the same transaction, so two jobs
// of one key never run at once even across processes and clock skew. No SKIP LOCKED needed.
import { type Kysely, type SqlBool, sql, type Transaction } from 'kysely';
import { escapeLike, isUniqueViolation, LIKE_ESCAPE } from '../store/dialect.ts';
import type { Database } from '../store/schema.ts';
import { withConflictRetry } from './conflict-retry.ts';
import { type JobRow, UNFINISHED_STATUSES } from './job-record.ts';
import { ownerIsGone } from './replica-id.ts';

interface Candidate {
  id: string;
  job_key: string | null;
}

/**
 * A job bound to a replica (`runs_on`) that has not taken it this long after it was due is taken by
 * any replica: its replica is on another host and did not come back (a dead replica of this host
 * is recognised at once by its pid). Its input went with that replica, so it fails clearly.
 */
export const BOUND_JOB_WAIT_MS = 3600_000;

/**
 * Queued jobs due at `now`, of the given kinds, that are first in their key's line and that `owner`
 * may run (not bound to another replica, unless that one is gone), oldest first.
 */
export async function selectCandidates(
  db: Kysely<Database>,
  now: number,
  kinds: readonly string[] | undefined,
  limit: number,
  owner: string,
): Promise<Candidate[]> {
  const host = `${escapeLike(owner.split('/')[0] ?? '')}/%`;
  let query = db
    .selectFrom('jobs as j')
    .select(['j.id', 'j.job_key', 'j.runs_on', 'j.run_at'])
    .where('j.status', '=', 'queued')
    .where('j.run_at', '<=', now)
    .where((eb) =>
      eb.or([
        eb('j.runs_on', 'is', null),
        eb('j.runs_on', '=', owner),
        // Another replica of this host (checked below), or one that did not take it for long.
        sql<SqlBool>`${sql.ref('j.runs_on')} like ${host} escape ${sql.lit(LIKE_ESCAPE)}`,
        eb('j.run_at', '<', now - BOUND_JOB_WAIT_MS),
      ]),
    )
    .where((eb) =>
      eb.or([
        eb('j.job_key', 'is', null),
        eb.not(
          eb.exists(
            eb
              .selectFrom('jobs as e')
              .select('e.id')
              .whereRef('e.job_key', '=', 'j.job_key')
              .where('e.status', 'in', UNFINISHED_STATUSES)
              .where((w) =>
                w.or([
                  w('e.created_at', '<', w.ref('j.created_at')),
                  w.and([w('e.created_at', '=', w.ref('j.created_at')), w('e.id', '<', w.ref('j.id'))]),
                ]),
              ),
          ),
        ),
      ]),
    );
  if (kinds) query = query.where('j.kind', 'in', kinds);
  const rows = await query.orderBy('j.run_at').orderBy('j.created_at').orderBy('j.id').limit(limit).execute();
  return rows
    .filter(
      (r) =>
        r.runs_on === null ||
        r.runs_on === owner ||
        Number(r.run_at) < now - BOUND_JOB_WAIT_MS ||
        ownerIsGone(r.runs_on),
    )
    .map((r) => ({ id: r.id, job_key: r.job_key }));
}

class KeyBusy extends Error {}

export type ClaimResult = { row: JobRow } | { busyKey: string } | null;

/**
 * Claims one candidate for `owner`: queued -> running, attempts + 1, lease until now + leaseMs, and
 * the key lock if it has a key. Returns null when another worker was faster.
 */
export async function claimJob(
  db: Kysely<Database>,
  candidate: Candidate,
  owner: string,
  now: number,
  leaseMs: number,
  /** Runs in the claim's transaction with the claimed row. */
  onClaimed?: (tx: Transaction<Database>, row: JobRow) => Promise<void>,
): Promise<ClaimResult> {
  try {
    return await withConflictRetry(() =>
      db.transaction().execute(async (tx) => {
        const updated = await tx
          .updateTable('jobs')
          .set((eb) => ({
            status: 'running',
            lease_owner: owner,
            lease_expires_at: now + leaseMs,
            attempts: eb('attempts', '+', 1),
            started_at: eb.fn.coalesce('started_at', eb.val(now)),
            updated_at: now,
          }))
          .where('id', '=', candidate.id)
          .where('status', '=', 'queued')
          .where('run_at', '<=', now)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) return null;
        if (candidate.job_key !== null) {
          try {
            await tx
              .insertInto('job_locks')
              .values({ lock_key: candidate.job_key, job_id: candidate.id, acquired_at: now })
              .execute();
          } catch (err) {
            // Rolls the whole claim back (PostgreSQL has aborted the transaction anyway).
            if (isUniqueViolation(err)) throw new KeyBusy();
            throw err;
          }
        }
        const row = await tx
          .selectFrom('jobs')
          .selectAll()
          .where('id', '=', candidate.id)
          .executeTakeFirstOrThrow();
        await onClaimed?.(tx, row);
        return { row };
      }),
    );
  } catch (err) {
    if (err instanceof KeyBusy) return { busyKey: candidate.job_key! };
    throw err;
  }
}

/**
 * Removes a key lock whose holder is not running (it cannot normally happen: the lock is taken and
 * released in the same transactions as the status changes). Returns true when it removed one.
 */
export async function clearStaleKeyLock(db: Kysely<Database>, key: string): Promise<boolean> {
  const holder = await db
    .selectFrom('job_locks')
    .leftJoin('jobs', 'jobs.id', 'job_locks.job_id')
    .select(['job_locks.job_id as jobId', 'jobs.status as status'])
    .where('job_locks.lock_key', '=', key)
    .executeTakeFirst();
  if (!holder || holder.status === 'running') return false;
  const deleted = await db
    .deleteFrom('job_locks')
    .where('lock_key', '=', key)
    .where('job_id', '=', holder.jobId)
    .executeTakeFirst();
  return Number(deleted.numDeletedRows) > 0;
}
