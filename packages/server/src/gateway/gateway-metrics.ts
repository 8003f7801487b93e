// Per app/environment request counters, kept in plain objects that a metrics module reads (and
// renders as Prometheus counters and histograms). Counters survive route table swaps and never go
// down, as Prometheus expects.

/** Upper bounds (ms) of the latency histogram buckets; a last bucket counts everything slower. */
export const LATENCY_BUCKETS_MS: readonly number[] = Object.freeze([
  1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
]);

export interface RouteCounters {
  readonly app: string;
  readonly env: string;
  requests: number;
  status1xx: number;
  status2xx: number;
  status3xx: number;
  status4xx: number;
  status5xx: number;
  /** Response body bytes sent to clients. */
  bytesOut: number;
  /** Count per bucket of LATENCY_BUCKETS_MS (not cumulative), plus one overflow bucket at the end. */
  latencyBuckets: number[];
  latencySumMs: number;
}

export interface GatewayMetrics {
  /** Keyed by `app/env`. */
  readonly routes: Map<string, RouteCounters>;
  /** Requests that matched no route (answered 404). Redirects count on their route. */
  unrouted: { requests: number };
  /** The counters of a route, created on first use. */
  counters(app: string, env: string, key: string): RouteCounters;
  record(counters: RouteCounters, status: number, bytes: number, durationMs: number): void;
}

export function createGatewayMetrics(): GatewayMetrics {
  const routes = new Map<string, RouteCounters>();
  return {
    routes,
    unrouted: { requests: 0 },
    counters(app, env, key) {
      let counters = routes.get(key);
      if (counters === undefined) {
        counters = {
          app,
          env,
          requests: 0,
          status1xx: 0,
          status2xx: 0,
          status3xx: 0,
          status4xx: 0,
          status5xx: 0,
          bytesOut: 0,
          latencyBuckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
          latencySumMs: 0,
        };
        routes.set(key, counters);
      }
      return counters;
    },
    record(counters, status, bytes, durationMs) {
      counters.requests++;
      if (status < 200) counters.status1xx++;
      else if (status < 300) counters.status2xx++;
      else if (status < 400) counters.status3xx++;
      else if (status < 500) counters.status4xx++;
      else counters.status5xx++;
      counters.bytesOut += bytes;
      counters.latencySumMs += durationMs;
      let bucket = 0;
      while (bucket < LATENCY_BUCKETS_MS.length && durationMs > LATENCY_BUCKETS_MS[bucket]!) bucket++;
      counters.latencyBuckets[bucket]!++;
    },
  };
}

/** The counters as plain data (for IPC between gateway workers and berthd, and for readers). */
export interface MetricsSnapshot {
  routes: RouteCounters[];
  unrouted: { requests: number };
}

export function snapshotMetrics(metrics: GatewayMetrics): MetricsSnapshot {
  const routes: RouteCounters[] = [];
  for (const c of metrics.routes.values()) routes.push({ ...c, latencyBuckets: [...c.latencyBuckets] });
  return { routes, unrouted: { requests: metrics.unrouted.requests } };
}

/** Sums snapshots (of several gateway workers) route by route. */
export function mergeMetrics(snapshots: Iterable<MetricsSnapshot>): MetricsSnapshot {
  const byKey = new Map<string, RouteCounters>();
  let unrouted = 0;
  for (const snapshot of snapshots) {
    unrouted += snapshot.unrouted.requests;
    for (const c of snapshot.routes) {
      const key = `${c.app}/${c.env}`;
      const sum = byKey.get(key);
      if (sum === undefined) {
        byKey.set(key, { ...c, latencyBuckets: [...c.latencyBuckets] });
        continue;
      }
      sum.requests += c.requests;
      sum.status1xx += c.status1xx;
      sum.status2xx += c.status2xx;
      sum.status3xx += c.status3xx;
      sum.status4xx += c.status4xx;
      sum.status5xx += c.status5xx;
      sum.bytesOut += c.bytesOut;
      sum.latencySumMs += c.latencySumMs;
      for (let i = 0; i < sum.latencyBuckets.length; i++) {
        sum.latencyBuckets[i] = sum.latencyBuckets[i]! + (c.latencyBuckets[i] ?? 0);
      }
    }
  }
  return { routes: [...byKey.values()], unrouted: { requests: unrouted } };
}
