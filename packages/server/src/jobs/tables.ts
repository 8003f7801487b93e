// Tables owned by the jobs module. Times are epoch milliseconds, booleans 0/1, JSON is text.

/** One row per job; a retry reuses the row (attempts counts the leases taken). */
export interface JobsTable {
  id: string;
  kind: string;
  app_code: string | null;
  /** One-at-a-time key: jobs sharing it never run concurrently and run in creation order. */
  job_key: string | null;
  /** JSON. */
  payload: string;
  /** JSON checkpoint written by the handler, handed to the next attempt; null before any. */
  state: string | null;
  /** JSON value the handler resolved with; null until succeeded. */
  result: string | null;
  /** The last failure's message (also kept while a retry waits). */
  error: string | null;
  /** The last failure's catalogue code (errors.ts); null while the job has not failed (older failed rows were given one by the migration). */
  error_code: string | null;
  /** queued | running | succeeded | failed | cancelled */
  status: string;
  attempts: number;
  max_attempts: number;
  /** Not leased before this time (creation time, or the end of a retry's back-off). */
  run_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  cancel_requested: number;
  /** Highest log sequence number handed out for this job. */
  log_seq: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
}

/** Durable log lines of a job, numbered per job from 1. */
export interface JobLogsTable {
  job_id: string;
  seq: number;
  at: number;
  level: string;
  line: string;
}

/** A row exists while a job holding `lock_key` is running; the primary key makes the claim atomic. */
export interface JobLocksTable {
  lock_key: string;
  job_id: string;
  acquired_at: number;
}

export interface JobsTables {
  jobs: JobsTable;
  job_logs: JobLogsTable;
  job_locks: JobLocksTable;
}
