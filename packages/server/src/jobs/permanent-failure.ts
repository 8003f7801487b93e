// Errors a job handler throws to say "do not retry", and the reasons a running job's signal aborts.
import type { ErrorCode } from '../errors.ts';

const PERMANENT = Symbol.for('berth.jobs.permanentFailure');

export interface PermanentFailureOptions {
  cause?: unknown;
  /** The handler has told the job's log why it failed (in its users' words): the queue adds no
   *  line of its own (attempt numbers are the queue's business, not the reader's). */
  reported?: boolean;
  /** The catalogue code the job's failure is recorded with (one marked async in errors.ts). */
  code?: ErrorCode;
}

/** An error that fails the job at once, whatever attempts are left. */
export class PermanentJobFailure extends Error {
  readonly [PERMANENT] = true;
  readonly reported: boolean;
  readonly code: ErrorCode | undefined;
  constructor(message: string, options?: PermanentFailureOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PermanentJobFailure';
    this.reported = options?.reported === true;
    this.code = options?.code;
  }
}

/** `throw permanentFailure('the image does not exist')` fails the job without retrying it. */
export function permanentFailure(message: string, options?: PermanentFailureOptions): PermanentJobFailure {
  return new PermanentJobFailure(message, options);
}

export function isPermanentFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[PERMANENT] === true;
}

/** A permanent failure whose handler wrote the reason to the job's log itself. */
export function isReportedFailure(err: unknown): boolean {
  return isPermanentFailure(err) && (err as { reported?: unknown }).reported === true;
}

/** Why a running job's `signal` aborted. */
export type JobAbortReason = 'cancelled' | 'lease-lost' | 'shutdown';

/** The `reason` of an aborted job signal; handlers may rethrow it. */
export class JobAbortedError extends Error {
  constructor(readonly reason: JobAbortReason) {
    super(
      reason === 'cancelled'
        ? 'the job was cancelled'
        : reason === 'lease-lost'
          ? 'the job lease was lost (another worker may run it)'
          : 'the worker is shutting down',
    );
    this.name = 'AbortError';
  }
}

/** Thrown by checkpoint() when this attempt no longer holds the job. */
export class LeaseLostError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId}: lease lost`);
    this.name = 'LeaseLostError';
  }
}
