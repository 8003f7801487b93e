// The API gateway's call records put together: the recorder the call handler reports every call to,
// the reader and its route, and the hourly purge of what is older than the retention (scheduled
// work: one replica per hour). berthd makes it once, hands `recorder` to the call handler and
// `close()`s it on shutdown, after the HTTP server stopped taking calls (the last flush).

import type { RouteModule } from '../http/server.ts';
import type { Actor } from '../identity/actor.ts';
import type { Every } from '../jobs/scheduler.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import { type CallRecorder, createCallRecorder } from './call-records.ts';
import { type CallStatsReader, createCallStats } from './call-stats.ts';
import { purgeCallRecords, RECORDS_PURGE_EVERY_MS, RECORDS_PURGE_SCHEDULE } from './records-purge.ts';
import { apigwRecordsRoutes } from './records-routes.ts';
import { createRecordsService, type RecordsService } from './records-service.ts';

export interface ApigwRecordsDeps {
  store: Store;
  /** This berthd (newReplicaId()): the owner of the rows its recorder writes. */
  replica: string;
  logger: Logger;
  /** The app codes an actor may read, or 'all' (apps/access.ts). */
  readableCodes(actor: Actor): Promise<string[] | 'all'>;
  /** The scheduler's registration (the purge). */
  every: Every;
  settings: {
    /** BERTH_APIGW_RECORDS_RETENTION */
    retentionMs: number;
    /** How often the recorder writes its counts (default 10 s). */
    flushMs?: number;
  };
  now?: () => number;
}

export interface ApigwRecords {
  /** The call handler's: `recorder.record(call)` once per call. */
  recorder: CallRecorder;
  stats: CallStatsReader;
  service: RecordsService;
  routes: RouteModule;
  /** The recorder's last flush. */
  close(): Promise<void>;
}

export function createApigwRecords(deps: ApigwRecordsDeps): ApigwRecords {
  const now = deps.now ?? Date.now;
  const { db } = deps.store;
  const log = deps.logger.child({ mod: 'apigw-records' });
  const recorder = createCallRecorder({
    db,
    replica: deps.replica,
    logger: deps.logger,
    now,
    ...(deps.settings.flushMs === undefined ? {} : { flushMs: deps.settings.flushMs }),
  });
  const stats = createCallStats({ db });
  const service = createRecordsService({
    reader: stats,
    readableCodes: deps.readableCodes,
    retentionMs: deps.settings.retentionMs,
    now,
  });
  deps.every(RECORDS_PURGE_SCHEDULE, RECORDS_PURGE_EVERY_MS, async () => {
    const gone = await purgeCallRecords(db, { retentionMs: deps.settings.retentionMs, now: now() });
    if (gone.records > 0 || gone.errors > 0) log.info(gone, 'old API gateway call records were deleted');
  });
  return {
    recorder,
    stats,
    service,
    routes: apigwRecordsRoutes({ records: service }),
    close: () => recorder.close(),
  };
}
