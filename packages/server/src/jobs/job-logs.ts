// Durable per-job log lines. Sequence numbers come from the job row's `log_seq`, bumped in the same
// transaction that inserts the lines, so writers in several processes never collide and a reader
// following with `afterSeq` never misses a line.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/schema.ts';
import { clipBytes, MAX_LOG_LINE_BYTES, MAX_LOG_LINES } from './job-limits.ts';
import type { JobLogLevel } from './job-record.ts';

export interface JobLogEntry {
  level: JobLogLevel;
  line: string;
}

export interface JobLogLineRecord extends JobLogEntry {
  seq: number;
  at: number;
}

export interface JobLogPage {
  lines: JobLogLineRecord[];
  /** The seq to pass as `afterSeq` next (the last line returned, or the given afterSeq). */
  nextAfter: number;
}

const INSERT_BATCH = 500;
export const TRUNCATION_NOTICE = `log truncated: a job keeps at most ${MAX_LOG_LINES} lines`;

/** Appends lines inside `tx`. Lines past the cap are dropped after one truncation notice. */
export async function appendJobLogs(
  tx: Transaction<Database>,
  jobId: string,
  entries: readonly JobLogEntry[],
  at: number,
): Promise<void> {
  if (entries.length === 0) return;
  const n = entries.length;
  const bumped = await tx
    .updateTable('jobs')
    .set((eb) => ({ log_seq: eb('log_seq', '+', n) }))
    .where('id', '=', jobId)
    .where('log_seq', '<=', MAX_LOG_LINES)
    .executeTakeFirst();
  if (Number(bumped.numUpdatedRows) === 0) return; // no such job, or its log is full already
  const row = await tx.selectFrom('jobs').select('log_seq').where('id', '=', jobId).executeTakeFirstOrThrow();
  const first = Number(row.log_seq) - n + 1;
  const values: Array<{ job_id: string; seq: number; at: number; level: string; line: string }> = [];
  entries.forEach((entry, i) => {
    const seq = first + i;
    if (seq <= MAX_LOG_LINES) {
      values.push({
        job_id: jobId,
        seq,
        at,
        level: entry.level,
        line: clipBytes(entry.line, MAX_LOG_LINE_BYTES),
      });
    } else if (seq === MAX_LOG_LINES + 1) {
      values.push({ job_id: jobId, seq, at, level: 'warn', line: TRUNCATION_NOTICE });
    }
  });
  for (let i = 0; i < values.length; i += INSERT_BATCH) {
    await tx
      .insertInto('job_logs')
      .values(values.slice(i, i + INSERT_BATCH))
      .execute();
  }
}

export async function readJobLogs(
  db: Kysely<Database>,
  jobId: string,
  afterSeq: number,
  limit: number,
): Promise<JobLogPage> {
  const rows = await db
    .selectFrom('job_logs')
    .select(['seq', 'at', 'level', 'line'])
    .where('job_id', '=', jobId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  const lines = rows.map((r) => ({
    seq: Number(r.seq),
    at: Number(r.at),
    level: r.level as JobLogLevel,
    line: r.line,
  }));
  return { lines, nextAfter: lines.length ? lines[lines.length - 1]!.seq : afterSeq };
}
