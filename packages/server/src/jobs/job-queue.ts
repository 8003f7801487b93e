// The durable job queue in the store. Everything a job goes through is a row change made with a
// compare-and-set, so several berthd processes on one database share the queue safely, and a process
// killed at any moment loses nothing: its jobs' leases run out and any other worker takes them over.
import type { Kysely, Transaction } from 'kysely';
import { BerthError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { keysetPage, keysetPageOf, mapPage, newestFirst, type Page } from '../store/keyset.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.ts';
import { withConflictRetry } from './conflict-retry.ts';
import { createJobIdGenerator } from './job-ids.ts';
import { JobJsonError, toJobJson } from './job-json.ts';
import { DEFAULT_MAX_ATTEMPTS } from './job-limits.ts';
import { appendJobLogs, type JobLogEntry, type JobLogPage, readJobLogs } from './job-logs.ts';
import { FINISHED_STATUSES, type JobRecord, type JobRow, type JobStatus, toJobRecord } from './job-record.ts';
import { claimJob, clearStaleKeyLock, selectCandidates } from './lease-jobs.ts';
import { LeaseLostError } from './permanent-failure.ts';
import { fenced, type JobLease, NO_LEASE, settleJob } from './settle-job.ts';
import { type FailureInfo, failed, released, succeeded, workerLost } from './settlements.ts';
import { validateEnqueue } from './validate-enqueue.ts';

export type { JobLease } from './settle-job.ts';
export type { FailureInfo } from './settlements.ts';

export interface EnqueueOptions {
  /** One-at-a-time key, e.g. `deploy:shop:prod`: jobs sharing it run one after another, in order. */
  key?: string | null;
  appCode?: string | null;
  /** Attempts before the job fails for good (default 3, at most 100). */
  maxAttempts?: number;
  /** Epoch ms; not started before. */
  runAt?: number;
  /** Enqueue inside the caller's transaction (the job exists only if it commits). */
  db?: Kysely<Database>;
  /**
   * The replica (its lease owner id) that must run the job, because its input is in that replica's
   * data dir (an uploaded package). Others take it only once that replica is gone (lease-jobs.ts).
   */
  runsOn?: string | null;
}

export interface JobListFilter {
  status?: JobStatus;
  kind?: string;
  /** Only jobs of these apps (app-less jobs are never included), or 'all' (default). */
  appCodes?: readonly string[] | 'all';
  /** 1-PAGE_LIMIT_MAX, default PAGE_LIMIT_DEFAULT. */
  limit?: number;
  /** The nextCursor of the previous page. */
  cursor?: string;
}

export interface LeasedJob {
  job: JobRecord;
  lease: JobLease;
}

export interface HeartbeatResult {
  /** False when this attempt no longer holds the job: stop and discard the outcome. */
  held: boolean;
  cancelRequested: boolean;
}

export type JobQueueEvent =
  | { type: 'enqueued'; job: JobRecord }
  | { type: 'cancel-requested'; jobId: string };

export interface JobQueue {
  readonly leaseMs: number;
  enqueue(kind: string, payload: unknown, options?: EnqueueOptions): Promise<JobRecord>;
  /** Throws JOB_NOT_FOUND. */
  get(id: string): Promise<JobRecord>;
  find(id: string): Promise<JobRecord | undefined>;
  /** Newest first. */
  list(filter?: JobListFilter): Promise<Page<JobRecord>>;
  /** How many jobs wait and run now, and how many failed since `failedSince` (epoch ms). */
  counts(failedSince: number): Promise<JobCounts>;
  /** Throws JOB_NOT_FOUND. `afterSeq` 0 reads from the start; `limit` 1-5000 (default 1000). */
  logs(id: string, options?: { afterSeq?: number; limit?: number }): Promise<JobLogPage>;
  appendLog(id: string, entries: readonly JobLogEntry[]): Promise<void>;
  /**
   * A queued job becomes cancelled at once; a running one is flagged and its worker aborts it (at its
   * next heartbeat). `inTransaction` runs in the same transaction (e.g. to write the audit record).
   * Throws JOB_NOT_FOUND or JOB_NOT_CANCELLABLE (finished already).
   */
  cancel(
    id: string,
    options?: { inTransaction?: (tx: Transaction<Database>, job: JobRecord) => Promise<void> },
  ): Promise<JobRecord>;

  // --- what workers use -------------------------------------------------------------------
  /** Leases up to `limit` due jobs of `kinds` (every kind when omitted) for `owner`. */
  lease(options: { owner: string; kinds?: readonly string[]; limit?: number }): Promise<LeasedJob[]>;
  /** Extends the lease; tells whether it is still held and whether a cancel was requested. */
  heartbeat(lease: JobLease): Promise<HeartbeatResult>;
  /** Stores the handler's resumable state; throws LeaseLostError when the lease is gone. */
  checkpoint(lease: JobLease, state: unknown): Promise<void>;
  /** Succeeded with `result`, even when a cancel came too late to stop the work. */
  complete(lease: JobLease, result: unknown): Promise<JobRecord | null>;
  /** Queued again after a back-off while attempts are left, else failed (cancelled if requested). */
  fail(lease: JobLease, failure: FailureInfo): Promise<JobRecord | null>;
  /** Hands a job back without counting the attempt (worker shutting down). */
  release(lease: JobLease): Promise<JobRecord | null>;
  /**
   * Jobs whose worker died (lease expired): queued again, or failed "worker lost (lease expired)"
   * when no attempts are left, or cancelled when a cancel was requested. Returns how many.
   */
  reapExpired(): Promise<number>;
  /**
   * Ends now the leases of running jobs whose owner `isGone` says is dead (a berthd of this host that
   * was killed), then reaps them like expired ones: a restarted berthd resumes its own interrupted
   * jobs at once instead of after their lease. Returns how many were reaped.
   */
  reapLost(isGone: (owner: string) => boolean): Promise<number>;
  /**
   * Deletes the finished jobs among `ids` with their log lines; queued and running ones stay.
   * Resolves with the ids deleted. Pass `db` to delete inside the caller's transaction.
   */
  removeFinished(ids: readonly string[], options?: { db?: Kysely<Database> }): Promise<string[]>;
  /** Local (this process) notifications, used to wake workers at once. */
  subscribe(listener: (event: JobQueueEvent) => void): () => void;
  /**
   * Runs `hook` inside every transaction that changes the status of a job of `kind` (leased,
   * settled, retried, cancelled), with the job as it now is, so another module can move its own rows
   * with the job's, atomically (the deploy engine's deploy statuses). One hook per kind; register it
   * before workers start. A hook that throws rolls the change back.
   */
  onTransition(kind: string, hook: TransitionHook): void;
}

export type TransitionHook = (tx: Transaction<Database>, job: JobRecord) => Promise<void>;

export interface JobCounts {
  queued: number;
  running: number;
  failed: number;
}

export interface JobQueueDeps {
  store: Store;
  logger: Logger;
  leaseMs: number;
  now?: () => number;
  /** Retry back-off (default 2 s doubling per attempt, at most 5 min, with jitter). */
  backoff?: Partial<BackoffOptions>;
  random?: () => number;
}

const REAP_BATCH = 100;
const JOB_KEYSET = newestFirst<JobRow>('jobs', { time: 'created_at', id: 'id' }, (r) => [r.created_at, r.id]);
const LEASE_OVERFETCH = 4;

export function createJobQueue(deps: JobQueueDeps): JobQueue {
  const { db } = deps.store;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...deps.backoff };
  const leaseMs = deps.leaseMs;
  const logger = deps.logger;
  const nextId = createJobIdGenerator();
  const listeners = new Set<(event: JobQueueEvent) => void>();
  const hooks = new Map<string, TransitionHook>();
  /** The transition hook of a job row's kind, if any (called with the row as it now is). */
  const transitioned = async (tx: Transaction<Database>, row: JobRow) => {
    const hook = hooks.get(row.kind);
    if (hook) await hook(tx, toJobRecord(row));
  };

  function emit(event: JobQueueEvent): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        logger.warn({ err }, 'job queue listener failed');
      }
    }
  }

  async function find(id: string): Promise<JobRecord | undefined> {
    const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toJobRecord(row) : undefined;
  }

  async function get(id: string): Promise<JobRecord> {
    const job = await find(id);
    if (!job) throw new BerthError('JOB_NOT_FOUND');
    return job;
  }

  const queue: JobQueue = {
    leaseMs,

    async enqueue(kind, payload, options = {}) {
      validateEnqueue(kind, options);
      let payloadJson: string;
      try {
        payloadJson = toJobJson(payload, 'payload');
      } catch (err) {
        if (err instanceof JobJsonError) throw new BerthError('VALIDATION_FAILED', err.message);
        throw err;
      }
      const t = now();
      const row: JobRow = {
        id: nextId(t),
        kind,
        app_code: options.appCode ?? null,
        job_key: options.key ?? null,
        payload: payloadJson,
        state: null,
        result: null,
        error: null,
        error_code: null,
        status: 'queued',
        attempts: 0,
        max_attempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        run_at: options.runAt ?? t,
        lease_owner: null,
        lease_expires_at: null,
        runs_on: options.runsOn ?? null,
        cancel_requested: 0,
        log_seq: 0,
        created_at: t,
        started_at: null,
        finished_at: null,
        updated_at: t,
      };
      await (options.db ?? db).insertInto('jobs').values(row).execute();
      const job = toJobRecord(row);
      logger.debug({ jobId: job.id, kind, key: job.key, appCode: job.appCode }, 'job enqueued');
      emit({ type: 'enqueued', job });
      return job;
    },

    get,
    find,

    async list(filter = {}) {
      const appCodes = filter.appCodes ?? 'all';
      // No app to look in: an empty page (its cursor still checked, as on every list).
      if (appCodes !== 'all' && appCodes.length === 0)
        return mapPage(keysetPageOf<JobRow>([], JOB_KEYSET, filter), (rows) => rows.map(toJobRecord));
      let query = db.selectFrom('jobs').selectAll();
      if (filter.status) query = query.where('status', '=', filter.status);
      if (filter.kind) query = query.where('kind', '=', filter.kind);
      if (appCodes !== 'all') query = query.where('app_code', 'in', appCodes);
      return mapPage(await keysetPage(query, JOB_KEYSET, filter), (rows) => rows.map(toJobRecord));
    },

    async counts(failedSince) {
      const [active, failed] = await Promise.all([
        db
          .selectFrom('jobs')
          .select(['status', (eb) => eb.fn.countAll().as('n')])
          .where('status', 'in', ['queued', 'running'])
          .groupBy('status')
          .execute(),
        db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('status', '=', 'failed')
          .where('finished_at', '>=', failedSince)
          .executeTakeFirstOrThrow(),
      ]);
      const of = (status: string) => Number(active.find((r) => r.status === status)?.n ?? 0);
      return { queued: of('queued'), running: of('running'), failed: Number(failed.n) };
    },

    async logs(id, options = {}) {
      await get(id);
      const afterSeq = Math.max(Math.trunc(options.afterSeq ?? 0), 0);
      const limit = Math.min(Math.max(Math.trunc(options.limit ?? 1000), 1), 5000);
      return readJobLogs(db, id, afterSeq, limit);
    },

    async appendLog(id, entries) {
      if (entries.length === 0) return;
      const t = now();
      await withConflictRetry(() => db.transaction().execute((tx) => appendJobLogs(tx, id, entries, t)));
    },

    async cancel(id, options = {}) {
      for (let round = 0; round < 5; round++) {
        const outcome = await withConflictRetry(() =>
          db.transaction().execute(async (tx) => {
            const t = now();
            let requested = false;
            const cancelled = await tx
              .updateTable('jobs')
              .set({ status: 'cancelled', cancel_requested: 1, finished_at: t, updated_at: t, ...NO_LEASE })
              .where('id', '=', id)
              .where('status', '=', 'queued')
              .executeTakeFirst();
            if (Number(cancelled.numUpdatedRows) !== 1) {
              const flagged = await tx
                .updateTable('jobs')
                .set({ cancel_requested: 1, updated_at: t })
                .where('id', '=', id)
                .where('status', '=', 'running')
                .executeTakeFirst();
              if (Number(flagged.numUpdatedRows) !== 1) return null;
              requested = true;
            }
            await appendJobLogs(
              tx,
              id,
              [{ level: 'warn', line: requested ? 'cancel requested' : 'cancelled before it started' }],
              t,
            );
            const row = await tx
              .selectFrom('jobs')
              .selectAll()
              .where('id', '=', id)
              .executeTakeFirstOrThrow();
            if (!requested) await transitioned(tx, row);
            const job = toJobRecord(row);
            await options.inTransaction?.(tx, job);
            return { job, requested };
          }),
        );
        if (outcome) {
          logger.info({ jobId: id, running: outcome.requested }, 'job cancel');
          if (outcome.requested) emit({ type: 'cancel-requested', jobId: id });
          return outcome.job;
        }
        const job = await get(id);
        if (FINISHED_STATUSES.includes(job.status)) throw new BerthError('JOB_NOT_CANCELLABLE');
        // It moved between queued and running meanwhile: try again.
      }
      throw new BerthError('INTERNAL', 'The job changed state too often to be cancelled; try again');
    },

    async lease({ owner, kinds, limit = 1 }) {
      if (limit < 1 || (kinds && kinds.length === 0)) return [];
      const candidates = await selectCandidates(db, now(), kinds, limit * LEASE_OVERFETCH, owner);
      const leased: LeasedJob[] = [];
      for (const candidate of candidates) {
        if (leased.length >= limit) break;
        let claim = await claimJob(db, candidate, owner, now(), leaseMs, transitioned);
        if (claim && 'busyKey' in claim && (await clearStaleKeyLock(db, claim.busyKey))) {
          logger.warn({ key: claim.busyKey }, 'removed a stale job key lock');
          claim = await claimJob(db, candidate, owner, now(), leaseMs, transitioned);
        }
        if (claim && 'row' in claim) {
          const job = toJobRecord(claim.row);
          leased.push({ job, lease: { jobId: job.id, owner, attempt: job.attempts } });
        }
      }
      return leased;
    },

    async heartbeat(lease) {
      const t = now();
      const updated = await fenced(db, lease, {
        lease_expires_at: t + leaseMs,
        updated_at: t,
      }).executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return { held: false, cancelRequested: false };
      const row = await db
        .selectFrom('jobs')
        .select('cancel_requested')
        .where('id', '=', lease.jobId)
        .executeTakeFirst();
      return { held: true, cancelRequested: Number(row?.cancel_requested) === 1 };
    },

    async checkpoint(lease, state) {
      const json = toJobJson(state, 'checkpoint state');
      const updated = await withConflictRetry(() =>
        fenced(db, lease, { state: json, updated_at: now() }).executeTakeFirst(),
      );
      if (Number(updated.numUpdatedRows) !== 1) throw new LeaseLostError(lease.jobId);
    },

    async complete(lease, result) {
      let json: string;
      try {
        json = toJobJson(result, 'result');
      } catch (err) {
        if (!(err instanceof JobJsonError)) throw err;
        return queue.fail(lease, { message: err.message, code: 'JOB_FAILED', permanent: true });
      }
      const t = now();
      return settleJob(db, lease, t, transitioned, () => succeeded(json, t));
    },

    async fail(lease, failure) {
      const t = now();
      return settleJob(db, lease, t, transitioned, (row) => failed(row, failure, t, backoff, random));
    },

    async release(lease) {
      const t = now();
      return settleJob(db, lease, t, transitioned, (row) => released(row, t));
    },

    async reapExpired() {
      const t = now();
      const expired = await db
        .selectFrom('jobs')
        .select(['id', 'attempts', 'lease_owner'])
        .where('status', '=', 'running')
        .where('lease_expires_at', '<', t)
        .orderBy('lease_expires_at')
        .limit(REAP_BATCH)
        .execute();
      let reaped = 0;
      for (const e of expired) {
        const guard = { jobId: e.id, owner: e.lease_owner ?? '', attempt: e.attempts, expiredBefore: t };
        const job = await settleJob(db, guard, t, transitioned, (row) => workerLost(row, t));
        if (job) {
          reaped += 1;
          logger.warn({ jobId: job.id, owner: e.lease_owner, status: job.status }, 'job lease expired');
          if (job.status === 'queued') emit({ type: 'enqueued', job });
        }
      }
      return reaped;
    },

    async reapLost(isGone) {
      const t = now();
      const running = await db
        .selectFrom('jobs')
        .select(['id', 'lease_owner', 'attempts'])
        .where('status', '=', 'running')
        .where('lease_expires_at', '>=', t)
        .execute();
      for (const row of running) {
        if (!row.lease_owner || !isGone(row.lease_owner)) continue;
        // Fenced on owner and attempt: a job leased again meanwhile is left alone.
        await db
          .updateTable('jobs')
          .set({ lease_expires_at: t - 1 })
          .where('id', '=', row.id)
          .where('status', '=', 'running')
          .where('lease_owner', '=', row.lease_owner)
          .where('attempts', '=', row.attempts)
          .execute();
        logger.info(
          { jobId: row.id, owner: row.lease_owner },
          'the lease holder is gone; reaping its job now',
        );
      }
      return queue.reapExpired();
    },

    async removeFinished(ids, options = {}) {
      if (ids.length === 0) return [];
      const run = async (tx: Kysely<Database>): Promise<string[]> => {
        const finished = (
          await tx
            .selectFrom('jobs')
            .select('id')
            .where('id', 'in', [...ids])
            .where('status', 'in', [...FINISHED_STATUSES])
            .execute()
        ).map((r) => r.id);
        if (finished.length === 0) return [];
        await tx.deleteFrom('job_logs').where('job_id', 'in', finished).execute();
        await tx
          .deleteFrom('jobs')
          .where('id', 'in', finished)
          .where('status', 'in', [...FINISHED_STATUSES])
          .execute();
        return finished;
      };
      return options.db ? run(options.db) : db.transaction().execute(run);
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    onTransition(kind, hook) {
      if (hooks.has(kind)) throw new Error(`a transition hook for job kind "${kind}" is registered already`);
      hooks.set(kind, hook);
    },
  };
  return queue;
}
