// The store's side of scheduled work: one row per (schedule, period). Claiming a period inserts its
// row (the primary key lets one replica win); a running period whose owner's lease ran out is taken
// over with a compare-and-set on (owner, lease); the owner extends its lease while it runs and
// records how the run ended. These queries decide who runs what; timers only decide when to ask.
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../store/dialect.ts';
import type { Database } from '../store/schema.ts';
import type { ScheduleRunsTable } from './tables.ts';

export type ScheduleRunStatus = 'running' | 'succeeded' | 'failed';

export interface ScheduleRun {
  schedule: string;
  periodStart: number;
  owner: string;
  leaseExpiresAt: number;
  startedAt: number;
  finishedAt: number | null;
  status: ScheduleRunStatus;
  error: string | null;
  handedOverFrom: string | null;
}

/** A period this replica now owns. */
export interface ClaimedRun {
  schedule: string;
  periodStart: number;
  /** The replica whose expired lease this replica took over, if it was a take-over. */
  handedOverFrom: string | null;
}

type Db = Kysely<Database>;

/** The start of the period `now` falls in: periods are aligned to multiples of `periodMs`. */
export function periodStartOf(now: number, periodMs: number): number {
  return Math.floor(now / periodMs) * periodMs;
}

/**
 * The period of `schedule` this replica should run now, claimed for it, or undefined. The current
 * period when nobody claimed it yet; else a period (current or past) still `running` whose lease
 * ran out, taken over. Past periods nobody claimed are not run: a replica that was down does not
 * catch up.
 */
export async function claimDue(
  db: Db,
  o: { schedule: string; periodMs: number; replica: string; leaseMs: number; now: number },
): Promise<ClaimedRun | undefined> {
  const current = periodStartOf(o.now, o.periodMs);
  const rows = await db
    .selectFrom('schedule_runs')
    .select(['period_start', 'owner', 'lease_expires_at', 'status'])
    .where('schedule', '=', o.schedule)
    .where((eb) =>
      eb.or([
        eb('period_start', '=', current),
        eb.and([eb('status', '=', 'running'), eb('lease_expires_at', '<', o.now)]),
      ]),
    )
    .orderBy('period_start', 'desc')
    .execute();
  if (!rows.some((r) => Number(r.period_start) === current)) {
    if (await insertRun(db, { ...o, periodStart: current })) {
      return { schedule: o.schedule, periodStart: current, handedOverFrom: null };
    }
    return undefined;
  }
  for (const row of rows) {
    if (row.status !== 'running' || Number(row.lease_expires_at) >= o.now) continue;
    const taken = await takeOver(db, {
      ...o,
      periodStart: Number(row.period_start),
      from: row.owner,
      expiredAt: Number(row.lease_expires_at),
    });
    if (taken)
      return { schedule: o.schedule, periodStart: Number(row.period_start), handedOverFrom: row.owner };
  }
  return undefined;
}

/** Claims a period by inserting its row; false when another replica's row is there already. */
export async function insertRun(
  db: Db,
  o: { schedule: string; periodStart: number; replica: string; leaseMs: number; now: number },
): Promise<boolean> {
  try {
    await db
      .insertInto('schedule_runs')
      .values({
        schedule: o.schedule,
        period_start: o.periodStart,
        owner: o.replica,
        lease_expires_at: o.now + o.leaseMs,
        started_at: o.now,
        finished_at: null,
        status: 'running',
        error: null,
        handed_over_from: null,
      })
      .execute();
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/** Takes a running period over from `from` if its lease is still the expired one seen (compare-and-set). */
async function takeOver(
  db: Db,
  o: {
    schedule: string;
    periodStart: number;
    replica: string;
    leaseMs: number;
    now: number;
    from: string;
    expiredAt: number;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('schedule_runs')
    .set({
      owner: o.replica,
      lease_expires_at: o.now + o.leaseMs,
      started_at: o.now,
      handed_over_from: o.from,
    })
    .where('schedule', '=', o.schedule)
    .where('period_start', '=', o.periodStart)
    .where('status', '=', 'running')
    .where('owner', '=', o.from)
    .where('lease_expires_at', '=', o.expiredAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Extends the owner's lease; false when the period is no longer this replica's (taken over). */
export async function extendLease(
  db: Db,
  run: ClaimedRun,
  o: { replica: string; leaseMs: number; now: number },
): Promise<boolean> {
  return updateOwnedRun(db, run, o.replica, { lease_expires_at: o.now + o.leaseMs });
}

/** Records how the owner's run ended; false when the period was taken over meanwhile. */
export async function finishRun(
  db: Db,
  run: ClaimedRun,
  o: { replica: string; now: number; error: string | null },
): Promise<boolean> {
  return updateOwnedRun(db, run, o.replica, {
    status: o.error === null ? 'succeeded' : 'failed',
    finished_at: o.now,
    error: o.error,
  });
}

/** Changes a run only while `replica` owns it and it runs; false when it was taken over. */
async function updateOwnedRun(
  db: Db,
  run: ClaimedRun,
  replica: string,
  set: { lease_expires_at?: number; status?: string; finished_at?: number; error?: string | null },
): Promise<boolean> {
  const result = await db
    .updateTable('schedule_runs')
    .set(set)
    .where('schedule', '=', run.schedule)
    .where('period_start', '=', run.periodStart)
    .where('owner', '=', replica)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The latest `limit` runs of a schedule, newest period first. */
export async function recentRuns(db: Db, schedule: string, limit: number): Promise<ScheduleRun[]> {
  const rows = await db
    .selectFrom('schedule_runs')
    .selectAll()
    .where('schedule', '=', schedule)
    .orderBy('period_start', 'desc')
    .limit(limit)
    .execute();
  return rows.map(runOf);
}

/**
 * Deletes the runs of `schedule` whose period started before `cutoff`, but a running one whose lease
 * is still live; with no schedule, the runs of every schedule (those no replica runs any more).
 */
export async function deleteRunsBefore(
  db: Db,
  o: { schedule?: string; cutoff: number; now: number },
): Promise<number> {
  let query = db
    .deleteFrom('schedule_runs')
    .where('period_start', '<', o.cutoff)
    .where((eb) => eb.or([eb('status', '!=', 'running'), eb('lease_expires_at', '<', o.now)]));
  if (o.schedule !== undefined) query = query.where('schedule', '=', o.schedule);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

function runOf(row: ScheduleRunsTable): ScheduleRun {
  return {
    schedule: row.schedule,
    periodStart: Number(row.period_start),
    owner: row.owner,
    leaseExpiresAt: Number(row.lease_expires_at),
    startedAt: Number(row.started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    status: row.status as ScheduleRunStatus,
    error: row.error,
    handedOverFrom: row.handed_over_from,
  };
}
