// Ends an attempt: the worker holding the lease (fenced by owner and attempt number) moves its job to
// succeeded, failed, cancelled or back to queued, releases the key lock and notes why in the job's log,
// all in one transaction. A worker that lost its lease changes nothing.
import type { Kysely, Transaction, Updateable } from 'kysely';
import type { Database } from '../store/schema.ts';
import { withConflictRetry } from './conflict-retry.ts';
import { appendJobLogs, type JobLogEntry } from './job-logs.ts';
import { type JobRecord, type JobRow, toJobRecord } from './job-record.ts';
import type { JobsTable } from './tables.ts';

/** Which attempt holds a running job: its worker and the attempt number it leased. */
export interface JobLease {
  readonly jobId: string;
  readonly owner: string;
  readonly attempt: number;
}

/** A lease to settle; `expiredBefore` also requires the lease to have run out by then (reaping). */
export interface SettleGuard extends JobLease {
  readonly expiredBefore?: number;
}

export interface Settlement {
  patch: Updateable<JobsTable>;
  log?: JobLogEntry;
}

/** Rows of `jobs` that this lease still holds. */
export function fenced<T extends Kysely<Database>>(db: T, lease: JobLease, set: Updateable<JobsTable>) {
  return db
    .updateTable('jobs')
    .set(set)
    .where('id', '=', lease.jobId)
    .where('status', '=', 'running')
    .where('lease_owner', '=', lease.owner)
    .where('attempts', '=', lease.attempt);
}

/**
 * Locks the job row through the fence, lets `decide` pick the new values from the current row, writes
 * them and releases the key lock when the job leaves `running`. Null when the lease is not held.
 */
export async function settleJob(
  db: Kysely<Database>,
  lease: SettleGuard,
  now: number,
  /** Runs in the transaction when the status changed, with the row as it now is. */
  onChanged: ((tx: Transaction<Database>, row: JobRow) => Promise<void>) | undefined,
  decide: (row: JobRow) => Settlement,
): Promise<JobRecord | null> {
  return withConflictRetry(() =>
    db.transaction().execute(async (tx) => {
      let touch = fenced(tx, lease, { updated_at: now });
      if (lease.expiredBefore !== undefined)
        touch = touch.where('lease_expires_at', '<', lease.expiredBefore);
      const touched = await touch.executeTakeFirst();
      if (Number(touched.numUpdatedRows) !== 1) return null;
      const row = await tx
        .selectFrom('jobs')
        .selectAll()
        .where('id', '=', lease.jobId)
        .executeTakeFirstOrThrow();
      const { patch, log } = decide(row);
      await tx
        .updateTable('jobs')
        .set({ ...patch, updated_at: now })
        .where('id', '=', lease.jobId)
        .execute();
      if ((patch.status ?? row.status) !== 'running') await releaseKeyLock(tx, lease.jobId);
      if (log) await appendJobLogs(tx, lease.jobId, [log], now);
      const fresh = await tx
        .selectFrom('jobs')
        .selectAll()
        .where('id', '=', lease.jobId)
        .executeTakeFirstOrThrow();
      if (fresh.status !== row.status) await onChanged?.(tx, fresh);
      return toJobRecord(fresh);
    }),
  );
}

export async function releaseKeyLock(tx: Transaction<Database>, jobId: string): Promise<void> {
  await tx.deleteFrom('job_locks').where('job_id', '=', jobId).execute();
}

/** The columns of a job that no longer holds a lease. */
export const NO_LEASE = { lease_owner: null, lease_expires_at: null } as const;
