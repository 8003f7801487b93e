// What happens to a job when an attempt ends, decided from its current row: pure functions, so the
// rules (retry or fail, cancel wins, takeover after a lost worker) read in one place.
import type { ErrorCode } from '../errors.ts';
import { type BackoffOptions, retryDelayMs } from './backoff.ts';
import { clipChars, MAX_ERROR_CHARS } from './job-limits.ts';
import type { JobRow } from './job-record.ts';
import { NO_LEASE, type Settlement } from './settle-job.ts';

export const WORKER_LOST = 'worker lost (lease expired)';
const WORKER_LOST_CODE: ErrorCode = 'JOB_WORKER_LOST';

export interface FailureInfo {
  message: string;
  /** The catalogue code it is recorded with (errors.ts, one marked async); JOB_FAILED when left out. */
  code?: ErrorCode;
  /** Fail now, whatever attempts are left. */
  permanent?: boolean;
  /** The handler wrote why to the job's log: a final failure adds no line of the queue's own. */
  reported?: boolean;
}

function attemptLabel(row: JobRow): string {
  return `attempt ${row.attempts}/${row.max_attempts}`;
}

function cancelled(row: JobRow, t: number, why: string): Settlement {
  return {
    patch: { status: 'cancelled', finished_at: t, ...NO_LEASE },
    log: { level: 'warn', line: `${attemptLabel(row)}${why}` },
  };
}

/** The handler resolved. A cancel that came too late to stop the work does not undo it. */
export function succeeded(resultJson: string, t: number): Settlement {
  return {
    patch: {
      status: 'succeeded',
      result: resultJson,
      error: null,
      error_code: null,
      finished_at: t,
      ...NO_LEASE,
    },
  };
}

/** The handler threw: cancelled if requested, else retried after a back-off while attempts are left. */
export function failed(
  row: JobRow,
  failure: FailureInfo,
  t: number,
  backoff: BackoffOptions,
  random: () => number,
): Settlement {
  const message = clipChars(failure.message || 'failed', MAX_ERROR_CHARS);
  const code = failure.code ?? 'JOB_FAILED';
  if (Number(row.cancel_requested) === 1) return cancelled(row, t, ' stopped: cancelled');
  if (!failure.permanent && row.attempts < row.max_attempts) {
    const delay = retryDelayMs(row.attempts, backoff, random);
    return {
      patch: {
        status: 'queued',
        run_at: t + delay,
        error: message,
        error_code: code,
        ...NO_LEASE,
      },
      log: {
        level: 'warn',
        line: `${attemptLabel(row)} failed: ${message}; retrying in ${(delay / 1000).toFixed(1)}s`,
      },
    };
  }
  const patch = {
    status: 'failed',
    finished_at: t,
    error: message,
    error_code: code,
    ...NO_LEASE,
  } as const;
  if (failure.permanent && failure.reported) return { patch };
  return {
    patch,
    log: {
      level: 'error',
      line: `${attemptLabel(row)} failed: ${message}${failure.permanent ? ' (not retryable)' : ''}`,
    },
  };
}

/** The worker is shutting down: back to the queue at once, and the attempt does not count. */
export function released(row: JobRow, t: number): Settlement {
  if (Number(row.cancel_requested) === 1) return cancelled(row, t, ' stopped: cancelled');
  return {
    patch: { status: 'queued', run_at: t, attempts: row.attempts - 1, ...NO_LEASE },
    log: { level: 'info', line: 'interrupted: berthd is stopping; this goes on when berthd is back' },
  };
}

/** The lease ran out (the worker died or hung): queued again, or failed when no attempts are left. */
export function workerLost(row: JobRow, t: number): Settlement {
  if (Number(row.cancel_requested) === 1)
    return cancelled(row, t, `: ${WORKER_LOST}; cancelled as requested`);
  if (row.attempts >= row.max_attempts) {
    return {
      patch: {
        status: 'failed',
        finished_at: t,
        error: WORKER_LOST,
        error_code: WORKER_LOST_CODE,
        ...NO_LEASE,
      },
      log: { level: 'error', line: `the berthd running this stopped ${row.attempts} times; giving up` },
    };
  }
  return {
    patch: { status: 'queued', run_at: t, error: WORKER_LOST, error_code: WORKER_LOST_CODE, ...NO_LEASE },
    log: { level: 'warn', line: 'interrupted: the berthd running this stopped; it runs again now' },
  };
}
