// The call records' arithmetic: every duration lands in the bucket its bounds say, percentiles read
// from the histogram stay within the stated error of the exact ones (1000 calls of 1..1000 ms, and
// spreads from 0.5 ms to 60 s), totals of several replicas merge into what one would have counted,
// and the table has one latency column per bucket.
import { describe, expect, it } from 'vitest';
import {
  addCall,
  type CallTotals,
  emptyTotals,
  LATENCY_BOUNDS_MS,
  LATENCY_BUCKETS,
  LATENCY_RELATIVE_ERROR,
  latencyBucket,
  latencyPercentile,
  mergeTotals,
  summarize,
} from '../../src/apigw/call-totals.ts';
import { LATENCY_COLUMNS, totalsColumns, totalsOfColumns } from '../../src/apigw/records-tables.ts';

/** The nearest-rank percentile of sorted values: what the histogram estimates. */
function exact(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

function totalsOf(durations: number[], status = 200): CallTotals {
  const t = emptyTotals();
  for (const d of durations) addCall(t, { status, durationMs: d, error: false });
  return t;
}

describe('latency buckets', () => {
  it('are 24 log-spaced bounds from 0.5 ms to 60 s and one bucket above', () => {
    expect(LATENCY_BOUNDS_MS).toHaveLength(24);
    expect(LATENCY_BUCKETS).toBe(25);
    expect(LATENCY_BOUNDS_MS[0]).toBe(0.5);
    expect(LATENCY_BOUNDS_MS.at(-1)).toBe(60_000);
    for (let i = 1; i < LATENCY_BOUNDS_MS.length; i++) {
      const ratio = LATENCY_BOUNDS_MS[i]! / LATENCY_BOUNDS_MS[i - 1]!;
      expect(ratio).toBeGreaterThan(1.66);
      expect(ratio).toBeLessThan(1.665);
      // The stated error holds for the widest bucket.
      expect(Math.sqrt(ratio) - 1).toBeLessThanOrEqual(LATENCY_RELATIVE_ERROR);
    }
  });

  it('puts a duration in the first bucket whose bound it does not exceed', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(-3)).toBe(0);
    expect(latencyBucket(Number.NaN)).toBe(0);
    expect(latencyBucket(0.5)).toBe(0);
    expect(latencyBucket(0.5001)).toBe(1);
    for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) {
      expect(latencyBucket(LATENCY_BOUNDS_MS[i]!)).toBe(i);
      expect(latencyBucket(LATENCY_BOUNDS_MS[i]! * 1.0001)).toBe(i + 1);
    }
    expect(latencyBucket(60_000.5)).toBe(24);
    expect(latencyBucket(3_600_000)).toBe(24);
  });

  it('has one table column per bucket, and rows give back the totals they were made of', () => {
    expect(LATENCY_COLUMNS).toHaveLength(LATENCY_BUCKETS);
    const t = totalsOf([0.2, 3, 3, 250, 90_000], 502);
    expect(totalsOfColumns(totalsColumns(t))).toEqual(t);
  });
});

describe('percentiles', () => {
  it('of 1000 calls of 1..1000 ms are within the stated error of the exact ones', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    const t = totalsOf(values);
    for (const q of [0.5, 0.9, 0.99]) {
      const estimate = latencyPercentile(t.latency, q, t.latencyMaxUs / 1000);
      const truth = exact(values, q);
      expect(Math.abs(estimate - truth) / truth, `p${q * 100}`).toBeLessThanOrEqual(LATENCY_RELATIVE_ERROR);
    }
    const s = summarize(t);
    expect(s.latencyMs.avg).toBe(500.5);
    expect(s.latencyMs.max).toBe(1000);
    expect(s.latencyMs.p50).toBeGreaterThan(500 * (1 - LATENCY_RELATIVE_ERROR));
    expect(s.latencyMs.p50).toBeLessThan(500 * (1 + LATENCY_RELATIVE_ERROR));
  });

  it('stay within the error for spreads from 0.5 ms to 60 s', () => {
    // A deterministic log-uniform spread, and a narrow one around 7 ms.
    const spread = Array.from({ length: 5000 }, (_, i) => 0.5 * 120_000 ** (((i * 7919) % 5000) / 5000));
    const narrow = Array.from({ length: 300 }, (_, i) => 6 + (i % 30) / 10);
    for (const values of [spread, narrow]) {
      const t = totalsOf(values);
      const sorted = [...values].sort((a, b) => a - b);
      for (const q of [0.01, 0.25, 0.5, 0.75, 0.9, 0.99, 1]) {
        const estimate = latencyPercentile(t.latency, q, t.latencyMaxUs / 1000);
        const truth = exact(sorted, q);
        expect(Math.abs(estimate - truth) / truth).toBeLessThanOrEqual(LATENCY_RELATIVE_ERROR);
      }
    }
  });

  it('never read above the slowest call; past 60 s they read as it', () => {
    const t = totalsOf([0.1, 0.1, 0.1]);
    expect(latencyPercentile(t.latency, 0.5, 0.1)).toBe(0.1);
    const slow = totalsOf([10, 75_000, 90_000]);
    expect(latencyPercentile(slow.latency, 0.99, 90)).toBe(90);
    expect(summarize(slow).latencyMs.p99).toBe(90_000);
    expect(latencyPercentile(emptyTotals().latency, 0.5, 0)).toBe(0);
  });
});

describe('totals', () => {
  it('count status classes and errors', () => {
    const t = emptyTotals();
    for (const status of [200, 201, 302, 404, 403, 500, 503, 101]) {
      addCall(t, { status, durationMs: 5, error: status >= 500 || status === 403 });
    }
    const s = summarize(t);
    expect(s.calls).toBe(8);
    expect(s.status).toEqual({ '2xx': 2, '3xx': 1, '4xx': 2, '5xx': 2 });
    expect(s.errors).toBe(3);
    expect(s.errorRate).toBe(0.375);
  });

  it('of several replicas merge into what one replica would have counted', () => {
    const a = [1, 2, 3, 400, 5000];
    const b = [0.3, 70, 70, 12_000];
    const c = [61_000];
    const merged = [totalsOf(a), totalsOf(b, 503), totalsOf(c, 404)].reduce(
      (into, t) => mergeTotals(into, t),
      emptyTotals(),
    );
    const one = emptyTotals();
    for (const d of a) addCall(one, { status: 200, durationMs: d, error: false });
    for (const d of b) addCall(one, { status: 503, durationMs: d, error: false });
    for (const d of c) addCall(one, { status: 404, durationMs: d, error: false });
    expect(merged).toEqual(one);
    expect(merged.calls).toBe(10);
    expect(merged.latencyMaxUs).toBe(61_000_000);
    expect(summarize(merged).status).toEqual({ '2xx': 5, '3xx': 0, '4xx': 1, '5xx': 4 });
    // Merging is order-free, and merging nothing changes nothing.
    const other = [totalsOf(c, 404), totalsOf(a), totalsOf(b, 503)].reduce(
      (into, t) => mergeTotals(into, t),
      emptyTotals(),
    );
    expect(other).toEqual(merged);
    expect(mergeTotals(structuredClone(merged), emptyTotals())).toEqual(merged);
  });
});
