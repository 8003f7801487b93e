// The Prometheus exposition of the gateway's counters and the percentiles read from its latency
// histogram: cumulative buckets in seconds, a +Inf bucket and count that hold the overflow, escaped
// label values, and quantiles linear within a bucket.
import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS_MS, type RouteCounters } from '../../src/gateway/gateway-metrics.ts';
import { latencyQuantile, renderExposition } from '../../src/traffic/index.ts';

function counters(app: string, env: string, perBucket: Record<number, number>): RouteCounters {
  const latencyBuckets = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  for (const [i, n] of Object.entries(perBucket)) latencyBuckets[Number(i)] = n;
  const requests = latencyBuckets.reduce((a, b) => a + b, 0);
  return {
    app,
    env,
    requests,
    status1xx: 0,
    status2xx: requests - 1,
    status3xx: 0,
    status4xx: 0,
    status5xx: 1,
    bytesOut: 1234,
    latencyBuckets,
    latencySumMs: 4321.5,
  };
}

const platform = {
  info: { version: '1.2.3', gateway: 'nginx', runtime: 'process', store: 'sqlite' },
  startedAt: 1_700_000_000_500,
  tableSeq: 42,
  jobs: { queued: 2, running: 1 },
};

/** The samples of the text: name{labels} → value. */
function samples(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

describe('the Prometheus exposition', () => {
  it('has each app environment by status class, bytes and a cumulative histogram in seconds', () => {
    // 2 requests ≤ 1 ms, 3 in (5, 10] ms, 1 slower than 10 s (the overflow bucket).
    const shop = counters('shop', 'prod', { 0: 2, 3: 3, [LATENCY_BUCKETS_MS.length]: 1 });
    const text = renderExposition({ ...platform, gateway: { routes: [shop], unrouted: { requests: 7 } } });
    const s = samples(text);
    expect(s.get('berth_gateway_requests_total{app="shop",env="prod",code="2xx"}')).toBe('5');
    expect(s.get('berth_gateway_requests_total{app="shop",env="prod",code="5xx"}')).toBe('1');
    expect(s.get('berth_gateway_requests_total{app="shop",env="prod",code="4xx"}')).toBe('0');
    expect(s.get('berth_gateway_response_bytes_total{app="shop",env="prod"}')).toBe('1234');
    expect(s.get('berth_gateway_request_duration_seconds_bucket{app="shop",env="prod",le="0.001"}')).toBe(
      '2',
    );
    expect(s.get('berth_gateway_request_duration_seconds_bucket{app="shop",env="prod",le="0.0025"}')).toBe(
      '2',
    );
    expect(s.get('berth_gateway_request_duration_seconds_bucket{app="shop",env="prod",le="0.01"}')).toBe('5');
    expect(s.get('berth_gateway_request_duration_seconds_bucket{app="shop",env="prod",le="10"}')).toBe('5');
    expect(s.get('berth_gateway_request_duration_seconds_bucket{app="shop",env="prod",le="+Inf"}')).toBe('6');
    expect(s.get('berth_gateway_request_duration_seconds_count{app="shop",env="prod"}')).toBe('6');
    expect(s.get('berth_gateway_request_duration_seconds_sum{app="shop",env="prod"}')).toBe('4.3215');
    expect(s.get('berth_gateway_unrouted_requests_total')).toBe('7');
    expect(s.get('berth_info{version="1.2.3",gateway="nginx",runtime="process",store="sqlite"}')).toBe('1');
    expect(s.get('berth_start_time_seconds')).toBe('1700000000.5');
    expect(s.get('berth_gateway_table_sequence')).toBe('42');
    expect(s.get('berth_jobs{state="queued"}')).toBe('2');
    // Every family is typed once, before its samples.
    expect(text).toContain('# TYPE berth_gateway_request_duration_seconds histogram\n');
    expect(text.match(/^# TYPE berth_gateway_requests_total counter$/gm)).toHaveLength(1);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('escapes label values and lists apps in order', () => {
    const odd = counters('we"ird\\app\nx', 'stag', { 1: 1 });
    const text = renderExposition({
      ...platform,
      gateway: { routes: [counters('zeta', 'prod', { 0: 1 }), odd], unrouted: { requests: 0 } },
    });
    expect(text).toContain('app="we\\"ird\\\\app\\nx",env="stag"');
    expect(text.indexOf('we\\"ird')).toBeLessThan(text.indexOf('app="zeta"'));
    for (const line of text.trimEnd().split('\n'))
      expect(line).toMatch(/^(# (HELP|TYPE) \S+ .+|\S+ -?[0-9.e+]+)$/);
  });
});

describe('percentiles from the latency histogram', () => {
  it('reads the bucket holding the rank and interpolates within it', () => {
    const b = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
    expect(latencyQuantile(b, 0.5)).toBe(0);
    b[0] = 50; // [0, 1] ms
    b[4] = 50; // (10, 25] ms
    expect(latencyQuantile(b, 0.5)).toBe(1);
    expect(latencyQuantile(b, 0.25)).toBeCloseTo(0.5);
    expect(latencyQuantile(b, 0.9)).toBeCloseTo(10 + 15 * 0.8);
    expect(latencyQuantile(b, 1)).toBe(25);
    b[LATENCY_BUCKETS_MS.length] = 100; // slower than the last bound
    expect(latencyQuantile(b, 0.99)).toBe(LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]);
  });
});
