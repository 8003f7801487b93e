// Deploy history retention: deploys older than the retention are deleted with their jobs and job
// logs, so the store does not grow without bound, except the deploy that made a release still kept:
// its build log stays with the release as long as the release can be rolled back to. Operations on a
// kept release (restart, scale, stop, start) and failed attempts go with the retention. Instances
// stopped longer ago than the log retention leave the instance history (their logs are gone too).
import { DEPLOY_FINAL_STATUSES } from '@berth/sdk';
import type { JobQueue } from '../jobs/index.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import { purgeIdempotencyKeys } from './idempotency-keys.ts';
import { forgetStoppedInstances } from './instance-history.ts';

const BATCH = 200;
/** Deploy kinds that run a release without making one. */
const OPERATION_KINDS = ['restart', 'scale', 'stop', 'start'] as const;

export interface PurgeHistoryDeps {
  store: Store;
  queue: JobQueue;
  logger: Logger;
}

/** Deletes finished deploys created before `cutoff` (epoch ms) but the ones that made a kept release. */
export async function purgeDeployHistory(deps: PurgeHistoryDeps, cutoff: number): Promise<number> {
  let total = 0;
  for (;;) {
    const removed = await deps.store.db.transaction().execute(async (tx) => {
      const candidates = await tx
        .selectFrom('deploys')
        .leftJoin('releases', (join) =>
          join
            .onRef('releases.app_code', '=', 'deploys.app_code')
            .onRef('releases.env', '=', 'deploys.env')
            .onRef('releases.version', '=', 'deploys.release_version'),
        )
        .select(['deploys.id as id', 'deploys.job_id as job_id'])
        .where('deploys.created_at', '<', cutoff)
        .where('deploys.status', 'in', [...DEPLOY_FINAL_STATUSES])
        .where('deploys.finished_at', '<', cutoff)
        .where((eb) =>
          eb.or([
            eb('releases.id', 'is', null),
            eb('releases.pruned', '=', 1),
            eb('releases.status', '=', 'failed'),
            // Kept releases keep the deploy that made them, not every later operation on them.
            eb('deploys.status', '!=', 'succeeded'),
            eb('deploys.kind', 'in', [...OPERATION_KINDS]),
          ]),
        )
        .orderBy('deploys.created_at')
        .limit(BATCH)
        .execute();
      if (candidates.length === 0) return 0;
      const withJobs = candidates.filter((c) => c.job_id !== null);
      const jobIds = new Set(
        await deps.queue.removeFinished(
          withJobs.map((c) => c.job_id as string),
          { db: tx },
        ),
      );
      // A deploy goes with its job (a job still unfinished keeps it); one that never had a job goes alone.
      const ids = candidates.filter((c) => c.job_id === null || jobIds.has(c.job_id)).map((c) => c.id);
      if (ids.length === 0) return 0;
      await tx.deleteFrom('deploys').where('id', 'in', ids).execute();
      return ids.length;
    });
    total += removed;
    if (removed < BATCH) break;
  }
  if (total > 0) deps.logger.info({ deploys: total }, 'old deploys and their logs purged');
  return total;
}

/**
 * One pass of the history purge: old deploys, spent idempotency keys and, with `logRetentionMs`,
 * instances gone longer than that. berthd runs it as scheduled work (one replica per period,
 * BERTH_HISTORY_PURGE_INTERVAL); a failure rejects (the scheduler records it on the period's run).
 */
export async function purgeHistory(
  deps: PurgeHistoryDeps,
  opts: { retentionMs: number; logRetentionMs?: number; now?: number },
): Promise<void> {
  const now = opts.now ?? Date.now();
  await purgeDeployHistory(deps, now - opts.retentionMs);
  await purgeIdempotencyKeys(deps.store.db, now);
  if (opts.logRetentionMs !== undefined) {
    await forgetStoppedInstances(deps.store.db, now - opts.logRetentionMs);
  }
}
