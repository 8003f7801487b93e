// Job workers: lease jobs of the kinds this process handles, run their handlers with a heartbeat that
// keeps the lease and notices cancel requests and lost leases, and record the outcome. Polls every
// pollMs and wakes at once when a job is enqueued in this process or a running job ends.
//
// stop() stops leasing, aborts the running handlers (signal reason: shutdown) and waits up to
// stopGraceMs for them: a handler that still resolves is recorded as succeeded; otherwise the job is
// handed back to the queue without counting the attempt, so another worker resumes it from its last
// checkpoint. Handlers still running after the grace period are left alone: their heartbeats stop,
// and the job is taken over when its lease runs out.
import { asyncErrorCode } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { createJobLogWriter } from './job-log-writer.ts';
import type { JobLease, JobQueue, LeasedJob } from './job-queue.ts';
import type { JobLogLevel, JobRecord } from './job-record.ts';
import {
  isPermanentFailure,
  isReportedFailure,
  JobAbortedError,
  type JobAbortReason,
  LeaseLostError,
} from './permanent-failure.ts';
import { newReplicaId } from './replica-id.ts';

export interface JobContext {
  readonly job: JobRecord;
  readonly payload: unknown;
  /** 1 on the first run, 2 on the first retry or takeover, … */
  readonly attempt: number;
  /** Aborts on cancel, on a lost lease and at shutdown; `signal.reason` is a JobAbortedError. */
  readonly signal: AbortSignal;
  /** Appends a durable line to the job's log; resolves when it is stored. */
  log(line: string, level?: JobLogLevel): Promise<void>;
  /** Stores resumable progress; the next attempt starts with it as `state`. */
  checkpoint(state: unknown): Promise<void>;
  /** The last checkpoint (null if none), from this attempt or an earlier one. */
  readonly state: unknown;
}

/** Runs one job; the resolved value is stored as the job's result (JSON). */
export type JobHandler = (ctx: JobContext) => Promise<unknown>;
export type JobHandlers = Record<string, JobHandler>;

export interface JobWorkers {
  readonly owner: string;
  /** Jobs running in this process now. */
  readonly active: number;
  start(): void;
  /** Stops leasing, aborts running jobs and hands them back (see the file comment). */
  stop(): Promise<void>;
}

export interface JobWorkersDeps {
  queue: JobQueue;
  handlers: JobHandlers;
  logger: Logger;
  /** Jobs run at once by this process; 0 runs none (it still reaps expired leases). */
  concurrency: number;
  pollMs: number;
  /** Names this process in `leaseOwner` (default: a new replica id, host/pid/random). */
  owner?: string;
  /** How long stop() waits for aborted handlers (default 10 s). */
  stopGraceMs?: number;
}

interface Running {
  abort(reason: JobAbortReason): void;
  abandon(): void;
  done: Promise<void>;
}

const SETTLE_TRIES = 5;

export function createJobWorkers(deps: JobWorkersDeps): JobWorkers {
  const { queue, handlers, logger, pollMs } = deps;
  const concurrency = Math.max(0, Math.trunc(deps.concurrency));
  const owner = deps.owner ?? newReplicaId();
  const kinds = Object.keys(handlers);
  const stopGraceMs = deps.stopGraceMs ?? 10_000;
  const heartbeatMs = Math.max(Math.floor(queue.leaseMs / 3), 10);
  const reapEveryMs = Math.min(Math.max(Math.floor(queue.leaseMs / 4), 100), 5000);
  const running = new Map<string, Running>();

  let started = false;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let again = false;
  let lastReap = 0;
  let unsubscribe: (() => void) | undefined;

  function schedule(): void {
    if (stopping) return;
    clearTimeout(timer);
    timer = setTimeout(wake, pollMs);
  }

  function wake(): void {
    if (stopping) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = tick().finally(() => {
      ticking = undefined;
      schedule();
    });
  }

  async function tick(): Promise<void> {
    do {
      again = false;
      try {
        if (Date.now() - lastReap >= reapEveryMs) {
          lastReap = Date.now();
          await queue.reapExpired();
        }
        const free = concurrency - running.size;
        if (free > 0 && kinds.length > 0 && !stopping) {
          const leased = await queue.lease({ owner, kinds, limit: free });
          for (const job of leased) run(job);
        }
      } catch (err) {
        logger.warn({ err }, 'job poll failed');
        return;
      }
    } while (again && !stopping);
  }

  function run(leased: LeasedJob): void {
    const { job, lease } = leased;
    const log = logger.child({ jobId: job.id, kind: job.kind, attempt: lease.attempt });
    const controller = new AbortController();
    const writer = createJobLogWriter(queue, job.id);
    let abortReason: JobAbortReason | undefined;
    let state = job.state;
    let finished = false;
    let beating = false;
    let leaseUntil = Date.now() + queue.leaseMs;

    const abort = (reason: JobAbortReason) => {
      if (abortReason || finished) return;
      abortReason = reason;
      log.info({ reason }, 'aborting job');
      controller.abort(new JobAbortedError(reason));
    };

    const heartbeat = setInterval(async () => {
      if (beating || finished) return;
      beating = true;
      try {
        const result = await queue.heartbeat(lease);
        if (!result.held) abort('lease-lost');
        else {
          leaseUntil = Date.now() + queue.leaseMs;
          if (result.cancelRequested) abort('cancelled');
        }
      } catch (err) {
        log.warn({ err }, 'job heartbeat failed');
        if (Date.now() > leaseUntil) abort('lease-lost');
      } finally {
        beating = false;
      }
    }, heartbeatMs);

    const ctx: JobContext = {
      job,
      payload: job.payload,
      attempt: lease.attempt,
      signal: controller.signal,
      log: (line, level = 'info') => writer.write(level, String(line)),
      async checkpoint(next) {
        try {
          await queue.checkpoint(lease, next);
        } catch (err) {
          if (err instanceof LeaseLostError) abort('lease-lost');
          throw err;
        }
        state = JSON.parse(JSON.stringify(next ?? null));
      },
      get state() {
        return state;
      },
    };

    const done = (async () => {
      const handler = Object.hasOwn(handlers, job.kind) ? handlers[job.kind] : undefined;
      let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
      if (!handler) {
        outcome = { ok: false, error: new Error(`no handler for job kind "${job.kind}" in this berthd`) };
      } else {
        log.debug('job started');
        try {
          outcome = { ok: true, value: await handler(ctx) };
        } catch (error) {
          outcome = { ok: false, error };
        }
      }
      finished = true;
      clearInterval(heartbeat);
      await writer.drain().catch(() => {});
      await settle(lease, log, outcome, abortReason, !handler);
    })()
      .catch((err) => log.error({ err }, 'job bookkeeping failed'))
      .finally(() => {
        running.delete(job.id);
        wake();
      });

    running.set(job.id, {
      abort,
      abandon: () => {
        finished = true;
        clearInterval(heartbeat);
      },
      done,
    });
  }

  async function settle(
    lease: JobLease,
    log: Logger,
    outcome: { ok: true; value: unknown } | { ok: false; error: unknown },
    abortReason: JobAbortReason | undefined,
    unhandled: boolean,
  ): Promise<void> {
    if (abortReason === 'lease-lost') {
      log.warn('job lease lost: outcome discarded (another worker may run it)');
      return;
    }
    for (let i = 1; ; i++) {
      try {
        let record: JobRecord | null;
        if (outcome.ok) record = await queue.complete(lease, outcome.value);
        else if (abortReason === 'shutdown') record = await queue.release(lease);
        else {
          const err = outcome.error;
          record = await queue.fail(lease, {
            message: err instanceof Error ? err.message : String(err),
            code: asyncErrorCode(err, 'JOB_FAILED'),
            permanent: unhandled || isPermanentFailure(err),
            reported: isReportedFailure(err),
          });
          if (record?.status === 'failed') log.warn({ err }, 'job failed');
        }
        if (!record) log.warn('job lease lost before its outcome was stored: outcome discarded');
        else log.debug({ status: record.status }, 'job attempt ended');
        return;
      } catch (err) {
        if (i >= SETTLE_TRIES) {
          log.error({ err }, 'could not store the job outcome; it runs again when its lease expires');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** i));
      }
    }
  }

  return {
    owner,
    get active() {
      return running.size;
    },
    start() {
      if (started) return;
      started = true;
      unsubscribe = queue.subscribe((event) => {
        if (event.type === 'enqueued') wake();
        else running.get(event.jobId)?.abort('cancelled');
      });
      logger.info({ owner, concurrency, kinds }, 'job workers started');
      wake();
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        clearTimeout(timer);
        unsubscribe?.();
        if (ticking) await ticking.catch(() => {});
        if (running.size === 0) return;
        for (const r of running.values()) r.abort('shutdown');
        const all = Promise.allSettled([...running.values()].map((r) => r.done));
        let graceTimer: NodeJS.Timeout | undefined;
        const grace = new Promise<'timeout'>((resolve) => {
          graceTimer = setTimeout(() => resolve('timeout'), stopGraceMs);
        });
        const first = await Promise.race([all.then(() => 'done' as const), grace]);
        clearTimeout(graceTimer);
        if (first === 'timeout') {
          logger.warn({ jobs: [...running.keys()] }, 'jobs did not stop in time; their leases will expire');
          for (const r of running.values()) r.abandon();
        }
      })();
      return stopped;
    },
  };
}
