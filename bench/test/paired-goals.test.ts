// The bench's judgement of a throughput goal: the median of ratios paired round by round, its
// distribution-free interval, and a verdict that says "undecided" when the interval holds the target.
import { describe, expect, it } from 'vitest';
import { type Goal, verdict } from '../lib/report.ts';
import { medianInterval, ratio } from '../lib/stats.ts';
import type { WrkResult } from '../lib/wrk.ts';
import { pairedRatios, proxyGoals } from '../lib/wrk-rounds.ts';

const run = (rps: number, p99ms = 1): WrkResult =>
  ({ rps, p99ms, p50ms: p99ms / 2, requests: rps, errors: 0 }) as WrkResult;

describe('medianInterval', () => {
  it('takes the order statistics whose coverage is the smallest at or above the level', () => {
    const twelve = [12, 3, 7, 1, 9, 5, 11, 2, 8, 4, 10, 6];
    const i = medianInterval(twelve);
    // n = 12: x(3)..x(10) covers 1 − 2·P(B ≤ 2) = 96.1 %; x(4)..x(9) only 85.4 %.
    expect([i.low, i.median, i.high, i.n]).toEqual([3, 6.5, 10, 12]);
    expect(i.confidence).toBeCloseTo(1 - (2 * 79) / 4096, 10);
    const nine = medianInterval([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect([nine.low, nine.median, nine.high]).toEqual([2, 5, 8]);
    expect(nine.confidence).toBeCloseTo(1 - (2 * 10) / 512, 10);
  });

  it('gives [min, max] and the coverage it has when the values are too few for the level', () => {
    const i = medianInterval([0.9, 1.1, 0.8]);
    expect([i.low, i.median, i.high]).toEqual([0.8, 0.9, 1.1]);
    expect(i.confidence).toBe(0.75);
    // [min, max] of 4, 5 and 6 values covers 87.5 %, 93.75 % and 96.9 %; from 6 on it reaches 95 %.
    expect([4, 5, 6].map((n) => medianInterval(Array.from({ length: n }, (_, v) => v)).confidence)).toEqual([
      0.875, 0.9375, 0.96875,
    ]);
    expect(medianInterval([]).n).toBe(0);
    expect(Number.isNaN(medianInterval([]).median)).toBe(true);
  });
});

describe('pairedRatios', () => {
  it('divides each round by the reference of the same round, not median by median', () => {
    // The machine halves its speed in round 2: paired, the setup is always 0.9x its reference.
    const reference = { runs: [run(1000, 2), run(500, 4), run(1000, 2)] };
    const setup = { runs: [run(900, 2.2), run(450, 4.4), run(900, 2.2)] };
    const paired = pairedRatios(setup, reference);
    expect(paired.rps.map((r) => r.toFixed(3))).toEqual(['0.900', '0.900', '0.900']);
    expect(paired.p99.map((r) => r.toFixed(3))).toEqual(['1.100', '1.100', '1.100']);
    // Rounds whose medians come from different rounds: 0.9 paired, where the medians' ratio is 0.8.
    const uneven = pairedRatios(
      { runs: [run(900), run(480), run(640)] },
      { runs: [run(1000), run(500), run(800)] },
    );
    expect(uneven.rps.map((r) => r.toFixed(2))).toEqual(['0.90', '0.96', '0.80']);
    expect(medianInterval(uneven.rps).median).toBeCloseTo(0.9, 10);
  });
});

describe('goals with an interval', () => {
  const goal = (values: number[], kind: Goal['kind'] = 'min', target = 0.95): Goal => {
    const interval = medianInterval(values);
    return { name: 'g', kind, target, measured: interval.median, interval, format: ratio };
  };

  it('are met only when the whole interval is on the right side of the target', () => {
    expect(verdict(goal([0.96, 0.97, 0.98, 0.99, 1.0, 0.97, 0.98, 0.96, 0.99]))).toBe('met');
    expect(verdict(goal([1.1, 1.15, 1.12, 1.18, 1.11, 1.13, 1.16, 1.1, 1.19], 'max', 1.2))).toBe('met');
  });

  it('are missed when the whole interval is on the wrong side, by the median', () => {
    expect(verdict(goal([0.9, 0.91, 0.92, 0.89, 0.9, 0.93, 0.88, 0.91, 0.9]))).toBe('missed by 0.05x (5%)');
    expect(verdict(goal([1.3, 1.25, 1.4, 1.35, 1.3, 1.28, 1.33, 1.31, 1.29], 'max', 1.2))).toMatch(
      /^missed by/,
    );
  });

  it('are undecided when the interval holds the target, whichever side the median is on', () => {
    const text = verdict(goal([0.9, 0.97, 0.92, 0.99, 0.96, 0.93, 0.98, 0.91, 0.97]));
    expect(text).toBe('undecided (the 96 % interval 0.91x–0.98x of 9 rounds holds the target)');
    expect(verdict(goal([0.9, 1.0, 0.93]))).toMatch(/^undecided \(the 75 % interval/);
  });

  it('without an interval keep the plain comparison', () => {
    expect(verdict({ name: 'g', kind: 'min', target: 0.95, measured: 0.96, format: ratio })).toBe('met');
    expect(verdict({ name: 'g', kind: 'max', target: 0, measured: 2, format: String })).toBe('missed by 2');
  });

  it('proxyGoals judges req/s and p99 on the paired ratios', () => {
    const reference = { runs: [1000, 600, 1000, 800, 1000, 700, 900, 1000, 650].map((r) => run(r, 2)) };
    const setup = { runs: reference.runs.map((r) => run(r.rps * 0.97, 2.1)) };
    const [rps, p99] = proxyGoals('x/nginx', 50, setup, reference, { minRps: 0.95, maxP99: 1.2 });
    expect(rps!.name).toBe('x/nginx req/s at 50 conns');
    expect(rps!.measured).toBeCloseTo(0.97, 10);
    expect(verdict(rps!)).toBe('met');
    expect(p99!.measured).toBeCloseTo(1.05, 10);
    expect(verdict(p99!)).toBe('met');
  });
});
