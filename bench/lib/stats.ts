// Small statistics helpers: medians, percentiles and number formatting for the tables.

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export function ms(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return '—';
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  return `${value.toFixed(value >= 100 ? 0 : digits)} ms`;
}

export function seconds(valueMs: number): string {
  return Number.isFinite(valueMs) ? `${(valueMs / 1000).toFixed(2)} s` : '—';
}

export function count(value: number): string {
  if (!Number.isFinite(value)) return '—';
  return Math.round(value).toLocaleString('en-US');
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : '—';
}

export function mb(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(0)} MB` : '—';
}

export function us(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(0)} µs` : '—';
}

/** P(B ≤ k) for B ~ Binomial(n, ½). */
function binomialHalfCdf(k: number, n: number): number {
  let sum = 0;
  let ways = 1;
  for (let i = 0; i <= k; i++) {
    sum += ways;
    ways = (ways * (n - i)) / (i + 1);
  }
  return sum / 2 ** n;
}

export interface MedianInterval {
  median: number;
  low: number;
  high: number;
  /** The chance that the interval holds the true median (the interval's coverage, 0..1). */
  confidence: number;
  n: number;
}

/**
 * The median of `values` with a distribution-free confidence interval for it: the order statistics
 * x(k) and x(n+1-k), with the largest k whose coverage 1 − 2·P(B ≤ k−1), B ~ Binomial(n, ½), is still
 * at least `level`. It assumes nothing about the values' distribution, only that they are
 * independent draws. With too few values for `level`, the widest interval [min, max] and the
 * coverage it has (75 % of 3 values, 88 % of 4, 94 % of 5; from 6 values on, at least 95 %).
 */
export function medianInterval(values: readonly number[], level = 0.95): MedianInterval {
  const n = values.length;
  if (n === 0) return { median: Number.NaN, low: Number.NaN, high: Number.NaN, confidence: 0, n };
  const sorted = [...values].sort((a, b) => a - b);
  const coverage = (k: number) => 1 - 2 * binomialHalfCdf(k - 1, n);
  let k = 1;
  while (2 * (k + 1) <= n + 1 && coverage(k + 1) >= level) k++;
  return { median: median(values), low: sorted[k - 1]!, high: sorted[n - k]!, confidence: coverage(k), n };
}
