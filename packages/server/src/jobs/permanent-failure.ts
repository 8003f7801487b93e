// Errors a job handler throws to say "do not retry", and the reasons a running job's signal aborts.

const PERMANENT = Symbol.for('berth.jobs.permanentFailure');

/** An error that fails the job at once, whatever attempts are left. */
export class PermanentJobFailure extends Error {
  readonly [PERMANENT] = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobFailure';
  }
}

/** `throw permanentFailure('the image does not exist')` fails the job without retrying it. */
export function permanentFailure(message: string, options?: { cause?: unknown }): PermanentJobFailure {
  return new PermanentJobFailure(message, options);
}

export function isPermanentFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[PERMANENT] === true;
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
