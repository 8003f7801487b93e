// Deploy history retention: deploys older than the retention whose release is gone (pruned, failed,
// or never made) are deleted with their jobs and job logs, so the store does not grow without bound.
// A deploy whose release is still kept keeps its log however old it is: the build log stays with the
// release, as long as the release can be rolled back to.
import type { JobQueue } from '../jobs/index.ts';
import { FINISHED_STATUSES } from '../jobs/job-record.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';

const BATCH = 200;

export interface PurgeHistoryDeps {
  store: Store;
  queue: JobQueue;
  logger: Logger;
}

/** Deletes finished deploys created before `cutoff` (epoch ms) whose release is not kept; returns how many. */
export async function purgeDeployHistory(deps: PurgeHistoryDeps, cutoff: number): Promise<number> {
  let total = 0;
  for (;;) {
    const removed = await deps.store.db.transaction().execute(async (tx) => {
      const candidates = await tx
        .selectFrom('deploys')
        .innerJoin('jobs', 'jobs.id', 'deploys.job_id')
        .leftJoin('releases', (join) =>
          join
            .onRef('releases.app_code', '=', 'deploys.app_code')
            .onRef('releases.env', '=', 'deploys.env')
            .onRef('releases.version', '=', 'deploys.release_version'),
        )
        .select(['deploys.id as id', 'deploys.job_id as job_id'])
        .where('deploys.created_at', '<', cutoff)
        .where('jobs.status', 'in', [...FINISHED_STATUSES])
        .where('jobs.finished_at', '<', cutoff)
        .where((eb) =>
          eb.or([
            eb('releases.id', 'is', null),
            eb('releases.pruned', '=', 1),
            eb('releases.status', '=', 'failed'),
          ]),
        )
        .orderBy('deploys.created_at')
        .limit(BATCH)
        .execute();
      if (candidates.length === 0) return 0;
      const jobIds = await deps.queue.removeFinished(
        candidates.map((c) => c.job_id),
        { db: tx },
      );
      if (jobIds.length === 0) return 0;
      await tx.deleteFrom('deploys').where('job_id', 'in', jobIds).execute();
      return jobIds.length;
    });
    total += removed;
    if (removed < BATCH) break;
  }
  if (total > 0) deps.logger.info({ deploys: total }, 'old deploys and their logs purged');
  return total;
}

export interface HistoryPurger {
  stop(): void;
}

/** Runs the purge now and then every `everyMs` (default 1 h) until stopped; failures are logged. */
export function schedulePurge(
  deps: PurgeHistoryDeps,
  opts: { retentionMs: number; everyMs?: number },
): HistoryPurger {
  const everyMs = opts.everyMs ?? 3_600_000;
  let running = false;
  const run = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      await purgeDeployHistory(deps, Date.now() - opts.retentionMs);
    } catch (err) {
      deps.logger.warn({ err }, 'deploy history purge failed');
    } finally {
      running = false;
    }
  };
  const first = setTimeout(run, 1000);
  const timer = setInterval(run, everyMs);
  first.unref();
  timer.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
