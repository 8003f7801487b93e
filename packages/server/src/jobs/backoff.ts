// How long a failed job waits before its next attempt: exponential, capped, with jitter so that jobs
// failing together do not retry together.

export interface BackoffOptions {
  /** Delay after the first failed attempt (before jitter). */
  baseMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 2000, maxMs: 5 * 60_000 };

/** Delay before the attempt after `failedAttempt` (1-based): base·2^(n-1), capped, times 0.5–1.0. */
export function retryDelayMs(failedAttempt: number, options: BackoffOptions, random = Math.random): number {
  const exponent = Math.min(Math.max(failedAttempt - 1, 0), 30);
  const ceiling = Math.min(options.baseMs * 2 ** exponent, options.maxMs);
  return Math.round(ceiling * (0.5 + 0.5 * random()));
}
