// What the call records count of one (minute, system, component, calling app): calls, calls per
// status class, calls that were errors, and a latency histogram with fixed, log-spaced buckets; how
// two such totals merge (replicas, minutes) and how percentiles are read back. Pure: the recorder
// (call-records.ts) adds calls, the store sums rows (call-stats.ts), this file does the arithmetic.
//
// The histogram: 24 upper bounds from 0.5 ms to 60 s, each about 1.66 times the one before, and a
// last bucket for anything slower. A percentile is found by rank (exact), then read as the geometric
// middle of its bucket's bounds (never above the slowest call seen): for a true value between 0.5 ms
// and 60 s the reading is within a factor √1.663 of it, at most 29 % too high or 22.5 % too low
// (`LATENCY_RELATIVE_ERROR`). Faster calls read as about 0.39 ms, slower ones as the slowest call.
// Changing the bounds changes what stored rows mean: it needs a migration of the table's columns.

/** Upper bounds (ms, inclusive) of every bucket but the last: 0.5 · 120000^(i/23), rounded. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  0.5, 0.831, 1.382, 2.299, 3.822, 6.355, 10.568, 17.571, 29.217, 48.582, 80.781, 134.321, 223.346, 371.374,
  617.512, 1026.785, 1707.314, 2838.883, 4720.428, 7849.019, 13051.167, 21701.178, 36084.217, 60000,
];

/** Buckets of the histogram: one per bound, and one above the last. */
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** The largest relative error of a percentile read between 0.5 ms and 60 s (too high). */
export const LATENCY_RELATIVE_ERROR = 0.29;

/** The growth of one bucket to the next (the lowest bucket's virtual lower bound is 0.5 / this). */
const RATIO = LATENCY_BOUNDS_MS[1]! / LATENCY_BOUNDS_MS[0]!;

export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** The counts of some calls (of one minute and replica, or merged). */
export interface CallTotals {
  calls: number;
  /** Calls answered with a status of each class (others, such as 1xx, only count as calls). */
  status: Record<StatusClass, number>;
  /** Calls refused by the gateway (with an error code) or answered 5xx. */
  errors: number;
  /** The sum and the largest of the calls' durations, in whole microseconds. */
  latencySumUs: number;
  latencyMaxUs: number;
  /** Calls per latency bucket (`LATENCY_BUCKETS` counts). */
  latency: number[];
}

/** One call as the totals see it. */
export interface CountedCall {
  status: number;
  durationMs: number;
  error: boolean;
}

export function emptyTotals(): CallTotals {
  return {
    calls: 0,
    status: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
    errors: 0,
    latencySumUs: 0,
    latencyMaxUs: 0,
    latency: new Array<number>(LATENCY_BUCKETS).fill(0),
  };
}

/** The bucket a duration falls in: the first whose bound it does not exceed, or the last. */
export function latencyBucket(durationMs: number): number {
  if (!(durationMs > LATENCY_BOUNDS_MS[0]!)) return 0; // also NaN and negative clocks
  let lo = 1;
  let hi = LATENCY_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (durationMs <= LATENCY_BOUNDS_MS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function statusClass(status: number): StatusClass | undefined {
  const cls = `${Math.floor(status / 100)}xx`;
  return (STATUS_CLASSES as readonly string[]).includes(cls) ? (cls as StatusClass) : undefined;
}

/** Counts one call into `totals` (changed in place). */
export function addCall(totals: CallTotals, call: CountedCall): void {
  const us = Math.max(0, Math.round(call.durationMs * 1000)) || 0;
  totals.calls++;
  const cls = statusClass(call.status);
  if (cls) totals.status[cls]++;
  if (call.error) totals.errors++;
  totals.latencySumUs += us;
  if (us > totals.latencyMaxUs) totals.latencyMaxUs = us;
  totals.latency[latencyBucket(call.durationMs)]!++;
}

/** Adds `from` into `into` (changed in place): what summing their rows in the store gives. */
export function mergeTotals(into: CallTotals, from: CallTotals): CallTotals {
  into.calls += from.calls;
  for (const cls of STATUS_CLASSES) into.status[cls] += from.status[cls];
  into.errors += from.errors;
  into.latencySumUs += from.latencySumUs;
  into.latencyMaxUs = Math.max(into.latencyMaxUs, from.latencyMaxUs);
  for (let i = 0; i < LATENCY_BUCKETS; i++) into.latency[i]! += from.latency[i] ?? 0;
  return into;
}

/**
 * The `q` quantile (0 < q ≤ 1) of the histogram in ms, by nearest rank: the bucket holding the
 * ⌈q·n⌉-th fastest call, read as its bounds' geometric middle, at most `maxMs`. 0 without calls.
 */
export function latencyPercentile(latency: readonly number[], q: number, maxMs: number): number {
  const n = latency.reduce((sum, c) => sum + c, 0);
  if (n === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  let bucket = latency.length - 1;
  for (let i = 0; i < latency.length; i++) {
    seen += latency[i]!;
    if (seen >= rank) {
      bucket = i;
      break;
    }
  }
  if (bucket >= LATENCY_BOUNDS_MS.length) return maxMs;
  const upper = LATENCY_BOUNDS_MS[bucket]!;
  const lower = bucket === 0 ? upper / RATIO : LATENCY_BOUNDS_MS[bucket - 1]!;
  return Math.min(Math.sqrt(lower * upper), maxMs);
}

/** What the API shows of some totals. */
export interface CallSummary {
  calls: number;
  status: Record<StatusClass, number>;
  errors: number;
  /** errors / calls, 0 without calls. */
  errorRate: number;
  latencyMs: { p50: number; p90: number; p99: number; avg: number; max: number };
}

/** Milliseconds to two decimals (the percentiles are estimates anyway). */
const ms = (value: number) => Math.round(value * 100) / 100;

export function summarize(t: CallTotals): CallSummary {
  const maxMs = t.latencyMaxUs / 1000;
  return {
    calls: t.calls,
    status: { ...t.status },
    errors: t.errors,
    errorRate: t.calls === 0 ? 0 : Math.round((t.errors / t.calls) * 10_000) / 10_000,
    latencyMs: {
      p50: ms(latencyPercentile(t.latency, 0.5, maxMs)),
      p90: ms(latencyPercentile(t.latency, 0.9, maxMs)),
      p99: ms(latencyPercentile(t.latency, 0.99, maxMs)),
      avg: ms(t.calls === 0 ? 0 : t.latencySumUs / t.calls / 1000),
      max: ms(maxMs),
    },
  };
}
