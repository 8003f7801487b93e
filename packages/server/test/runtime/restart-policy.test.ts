// The restart policy shared by drivers that supervise by themselves: back-off growth, cap, reset
// after a long run, crash-loop detection inside the window.
import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  type CrashHistory,
  DEFAULT_RESTART_POLICY,
  decideAfterCrash,
  NO_CRASHES,
} from '../../src/runtime/restart-policy.ts';

const policy = DEFAULT_RESTART_POLICY;

describe('restart policy', () => {
  it('doubles the delay from 1 s and caps it at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 40].map((n) => backoffDelayMs(n, policy))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('restarts with growing delays until 5 crashes fall within 2 minutes', () => {
    let history: CrashHistory = NO_CRASHES;
    let now = 1_000_000;
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const decision = decideAfterCrash(history, policy, now, 500);
      expect(decision.action).toBe('restart');
      if (decision.action === 'restart') delays.push(decision.delayMs);
      history = decision.history;
      now += 5000;
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000]);
    expect(decideAfterCrash(history, policy, now, 500).action).toBe('crashloop');
  });

  it('starts a new series after 60 s of uptime, and forgets crashes outside the window', () => {
    const old: CrashHistory = { crashes: [0, 10_000, 20_000, 30_000], streak: 4 };
    const afterLongRun = decideAfterCrash(old, policy, 200_000, 65_000);
    expect(afterLongRun).toEqual({
      action: 'restart',
      delayMs: 1000,
      history: { crashes: [200_000], streak: 1 },
    });
    // Four recent crashes plus this one, even after a long run, is a loop.
    const recent: CrashHistory = { crashes: [100_000, 110_000, 120_000, 130_000], streak: 0 };
    expect(decideAfterCrash(recent, policy, 140_000, 70_000).action).toBe('crashloop');
  });

  it('treats an unknown uptime as a short one (no reset)', () => {
    const decision = decideAfterCrash({ crashes: [], streak: 3 }, policy, 5000, undefined);
    expect(decision).toMatchObject({ action: 'restart', delayMs: 8000 });
  });
});
