// The instances the engine started, remembered after they stop so that the logs API can still read
// the lines of replaced and crashed instances, for as long as the runtime keeps their logs
// (BERTH_LOG_RETENTION). Rows of instances stopped longer ago than that are dropped when read and
// by the hourly history purge.
import type { Kysely } from 'kysely';
import type { InstanceSpec } from '../runtime/index.ts';
import type { Database } from '../store/schema.ts';

export interface PastInstance {
  id: string;
  processType: string;
}

export async function recordStarts(db: Kysely<Database>, specs: readonly InstanceSpec[]): Promise<void> {
  if (specs.length === 0) return;
  const now = Date.now();
  await db
    .insertInto('instance_history')
    .values(
      specs.map((s) => ({
        id: s.id,
        app_code: s.app,
        env: s.env,
        process_type: s.processType,
        release_version: s.release,
        started_at: now,
        stopped_at: null,
        crashloop_noticed_at: null,
      })),
    )
    .execute();
}

export async function recordStops(db: Kysely<Database>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('instance_history')
    .set({ stopped_at: Date.now() })
    .where('id', 'in', [...ids])
    .where('stopped_at', 'is', null)
    .execute();
}

/**
 * Claims the notice of an instance's crash loop, for the replica that calls: true for the first
 * claim, false once any replica claimed it (every replica watching the instance reports its crash
 * loop, which lasts until the instance is stopped: one notice per instance). An instance the history
 * does not have (started before it kept instances) cannot be claimed: true, as before.
 */
export async function claimCrashLoopNotice(db: Kysely<Database>, id: string, at: number): Promise<boolean> {
  const claimed = await db
    .updateTable('instance_history')
    .set({ crashloop_noticed_at: at })
    .where('id', '=', id)
    .where('crashloop_noticed_at', 'is', null)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) > 0) return true;
  const known = await db.selectFrom('instance_history').select('id').where('id', '=', id).executeTakeFirst();
  return known === undefined;
}

/** The env's instances whose logs may still be kept: running ones and those stopped within `retainMs`. */
export async function recentInstances(
  db: Kysely<Database>,
  app: string,
  env: string,
  retainMs: number,
): Promise<PastInstance[]> {
  await forgetStoppedInstances(db, Date.now() - retainMs);
  const rows = await db
    .selectFrom('instance_history')
    .select(['id', 'process_type'])
    .where('app_code', '=', app)
    .where('env', '=', env)
    .orderBy('started_at')
    .execute();
  return rows.map((r) => ({ id: r.id, processType: r.process_type }));
}

/** Drops the instances stopped before `cutoff` (epoch ms). */
export async function forgetStoppedInstances(db: Kysely<Database>, cutoff: number): Promise<void> {
  await db.deleteFrom('instance_history').where('stopped_at', '<', cutoff).execute();
}

export async function forgetApp(db: Kysely<Database>, app: string): Promise<void> {
  await db.deleteFrom('instance_history').where('app_code', '=', app).execute();
}
