// Percentiles of a latency histogram whose buckets are the gateway's (LATENCY_BUCKETS_MS: counts per
// bucket, not cumulative, and a last bucket for everything slower): the bucket holding the rank,
// then linear within it, as Prometheus's histogram_quantile does. The first bucket starts at 0; a
// rank in the overflow bucket is given as the last bound (nothing tells how much slower it was).
import { LATENCY_BUCKETS_MS } from '../gateway/gateway-metrics.ts';

/** The `q` quantile (0–1) in ms of `buckets` (LATENCY_BUCKETS_MS.length + 1 counts); 0 when empty. */
export function latencyQuantile(buckets: readonly number[], q: number): number {
  const total = buckets.reduce((sum, n) => sum + n, 0);
  if (total === 0) return 0;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
    const count = buckets[i] ?? 0;
    if (count > 0 && below + count >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1]!;
      const upper = LATENCY_BUCKETS_MS[i]!;
      return lower + (upper - lower) * ((rank - below) / count);
    }
    below += count;
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]!;
}
