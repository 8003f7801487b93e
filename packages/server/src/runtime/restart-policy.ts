// What a driver does after an instance crashed: restart after an exponential back-off, or give up
// because it crashes in a loop. Pure, so every driver that supervises by itself shares it and the
// rules are tested without processes.

export interface RestartPolicy {
  /** Delay before the first restart of a series. */
  backoffBaseMs: number;
  /** Upper bound of the delay (doubling stops there). */
  backoffMaxMs: number;
  /** An instance that ran this long before crashing starts a new series (delay back at base). */
  resetAfterMs: number;
  /** This many crashes within `crashLoopWindowMs` means crash loop: no more restarts. */
  crashLoopCrashes: number;
  crashLoopWindowMs: number;
}

/** 1 s → 2 s → 4 s … capped at 30 s, reset after 60 s of uptime; 5 crashes in 2 minutes is a loop. */
export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicy> = Object.freeze({
  backoffBaseMs: 1000,
  backoffMaxMs: 30_000,
  resetAfterMs: 60_000,
  crashLoopCrashes: 5,
  crashLoopWindowMs: 120_000,
});

/** What the driver remembers between crashes (persisted with the instance, so recovery keeps it). */
export interface CrashHistory {
  /** Epoch ms of recent crashes (only those inside the crash-loop window are kept). */
  crashes: number[];
  /** Crashes in the current back-off series. */
  streak: number;
}

export const NO_CRASHES: Readonly<CrashHistory> = Object.freeze({ crashes: [], streak: 0 });

export type CrashDecision =
  | { action: 'restart'; delayMs: number; history: CrashHistory }
  | { action: 'crashloop'; history: CrashHistory };

/**
 * Records a crash at `now` after `uptimeMs` of running (undefined when unknown, e.g. the process
 * died while berthd was down) and decides what comes next.
 */
export function decideAfterCrash(
  history: CrashHistory,
  policy: RestartPolicy,
  now: number,
  uptimeMs: number | undefined,
): CrashDecision {
  const longRun = uptimeMs !== undefined && uptimeMs >= policy.resetAfterMs;
  const streak = (longRun ? 0 : history.streak) + 1;
  const crashes = [...history.crashes.filter((at) => now - at < policy.crashLoopWindowMs), now];
  const next: CrashHistory = { crashes, streak };
  if (crashes.length >= policy.crashLoopCrashes) return { action: 'crashloop', history: next };
  return { action: 'restart', delayMs: backoffDelayMs(streak, policy), history: next };
}

/** Delay before restart number `streak` (1-based) of a series: base·2^(streak-1), capped. */
export function backoffDelayMs(streak: number, policy: RestartPolicy): number {
  const exponent = Math.min(Math.max(streak - 1, 0), 30);
  return Math.min(policy.backoffBaseMs * 2 ** exponent, policy.backoffMaxMs);
}
