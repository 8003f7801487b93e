// Tables owned by the jobs module (the queue and the scheduled runs). Times are epoch milliseconds, booleans 0/1, JSON is text.

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
  /** The replica that must run it (its input is in that replica's data dir), while it lives; null: any. */
  runs_on: string | null;
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

/** One row per period a schedule ran (or runs) in: the primary key (schedule, period_start) makes
 *  claiming a period atomic, so each period has one owner across every berthd on the store. */
export interface ScheduleRunsTable {
  schedule: string;
  /** Epoch ms, a multiple of the schedule's period. */
  period_start: number;
  /** The replica running it, or the last one that did. */
  owner: string;
  /** While running: another replica may take the period over after this. */
  lease_expires_at: number;
  started_at: number;
  finished_at: number | null;
  /** running | succeeded | failed */
  status: string;
  error: string | null;
  /** The replica whose lease ran out before it finished this period (killed, hung); null if none. */
  handed_over_from: string | null;
}

export interface JobsTables {
  jobs: JobsTable;
  job_logs: JobLogsTable;
  job_locks: JobLocksTable;
  schedule_runs: ScheduleRunsTable;
}
