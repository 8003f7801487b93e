// Deletes API gateway call records older than BERTH_APIGW_RECORDS_RETENTION: the minutes that ended
// before it and the errors recorded before it. Scheduled work, one replica per period (berthd).
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { MINUTE_MS } from './call-records.ts';

/** How often the purge runs. */
export const RECORDS_PURGE_EVERY_MS = 60 * MINUTE_MS;

/** The name of the purge's schedule. */
export const RECORDS_PURGE_SCHEDULE = 'apigw.records-purge';

/** Deletes what is older than `retentionMs` before `now`; how many minute rows and errors went. */
export async function purgeCallRecords(
  db: Kysely<Database>,
  options: { retentionMs: number; now: number },
): Promise<{ records: number; errors: number }> {
  const before = options.now - options.retentionMs;
  return db.transaction().execute(async (trx) => {
    const records = await trx
      .deleteFrom('apigw_call_records')
      .where('bucket_start', '<', before - MINUTE_MS + 1)
      .executeTakeFirst();
    const errors = await trx.deleteFrom('apigw_call_errors').where('at', '<', before).executeTakeFirst();
    return { records: Number(records.numDeletedRows), errors: Number(errors.numDeletedRows) };
  });
}
