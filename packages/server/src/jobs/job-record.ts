// A job as the queue hands it out and the API shows it (the wire shape `Job`), and the row mapping.
import type { Job, JobLogLevel, JobStatus } from '@berth/sdk';
import type { Selectable } from 'kysely';
import type { JobsTable } from './tables.ts';

export type JobRecord = Job;
export type { JobLogLevel, JobStatus };

/** Statuses a job never leaves. */
export const FINISHED_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];
/** Statuses of a job that still holds its place in a key's line. */
export const UNFINISHED_STATUSES: readonly JobStatus[] = ['queued', 'running'];

export type JobRow = Selectable<JobsTable>;

export function toJobRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    kind: row.kind,
    appCode: row.app_code,
    key: row.job_key,
    status: row.status as JobStatus,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    runAt: Number(row.run_at),
    cancelRequested: Number(row.cancel_requested) === 1,
    payload: parseJson(row.payload),
    state: parseJson(row.state),
    result: parseJson(row.result),
    error: row.error === null ? null : { code: row.error_code ?? 'JOB_FAILED', message: row.error },
    leaseOwner: row.lease_owner,
    leaseExpiresAt: nullableNumber(row.lease_expires_at),
    createdAt: Number(row.created_at),
    startedAt: nullableNumber(row.started_at),
    finishedAt: nullableNumber(row.finished_at),
    updatedAt: Number(row.updated_at),
  };
}

function parseJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

function nullableNumber(value: number | null): number | null {
  return value === null ? null : Number(value);
}
