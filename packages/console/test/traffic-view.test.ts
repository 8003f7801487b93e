// The traffic tab's pure parts: an environment's row as the table shows it in either language (the
// columns of `berth traffic`), the metrics address Prometheus scrapes, and the refresh interval; and
// the tab's place among the app's tabs.
import type { AppTrafficEnv } from '@berth/sdk';
import { describe, expect, it } from 'vitest';
import { APP_TABS, appPath } from '../src/features/apps/app-paths.ts';
import {
  METRICS_PATH,
  metricsUrl,
  TRAFFIC_REFRESH_MS,
  trafficCells,
} from '../src/features/apps/detail/traffic-view.ts';
import { formatBytes, formatDuration, formatNumber } from '../src/i18n/format.ts';
import type { Locale } from '../src/i18n/locale.ts';

const formatters = (locale: Locale) => ({
  number: (n: number) => formatNumber(locale, n),
  bytes: (n: number) => formatBytes(locale, n),
  duration: (ms: number) => formatDuration(locale, ms),
});

function env(overrides: Partial<AppTrafficEnv> = {}): AppTrafficEnv {
  return {
    env: 'prod',
    requests: 58_210,
    status: { '1xx': 0, '2xx': 57_990, '3xx': 3, '4xx': 201, '5xx': 16 },
    errorRate: 16 / 58_210,
    bytesOut: 1536,
    latencyMs: { p50: 2.9, p90: 7.5, p99: 230, avg: 1450 },
    ...overrides,
  };
}

describe("an environment's row", () => {
  it('shows every column of berth traffic, in English', () => {
    expect(trafficCells(env(), formatters('en'))).toEqual({
      requests: '58,210',
      status: '57,990/3/201/16',
      errors: '16 (<0.1 %)',
      bytes: '1.5 KB',
      p50: '3 ms',
      p90: '8 ms',
      p99: '230 ms',
      avg: '1.5 s',
    });
  });

  it('writes the share of 5xx answers with one decimal, and a bare 0 without any', () => {
    const some = env({
      requests: 1204,
      status: { '1xx': 0, '2xx': 1180, '3xx': 12, '4xx': 10, '5xx': 2 },
      errorRate: 2 / 1204,
    });
    expect(trafficCells(some, formatters('en')).errors).toBe('2 (0.2 %)');
    const none = env({
      requests: 3,
      status: { '1xx': 0, '2xx': 3, '3xx': 0, '4xx': 0, '5xx': 0 },
      errorRate: 0,
    });
    expect(trafficCells(none, formatters('en'))).toMatchObject({ status: '3/0/0/0', errors: '0' });
  });

  it('leaves 1xx out of the status classes (they count in the requests)', () => {
    const informational = env({
      requests: 5,
      status: { '1xx': 2, '2xx': 3, '3xx': 0, '4xx': 0, '5xx': 0 },
      errorRate: 0,
    });
    expect(trafficCells(informational, formatters('en'))).toMatchObject({ requests: '5', status: '3/0/0/0' });
  });

  it("formats the figures in the visitor's language", () => {
    const zh = trafficCells(env({ bytesOut: 12 * 1024 * 1024 }), formatters('zh-CN'));
    expect(zh.requests).toBe(formatNumber('zh-CN', 58_210));
    expect(zh.bytes).toBe('12 MB');
    expect(zh.avg).toBe(formatDuration('zh-CN', 1450));
  });
});

describe('where Prometheus scrapes', () => {
  it("is the metrics route on the console's origin", () => {
    expect(METRICS_PATH).toBe('/api/v1/metrics');
    expect(metricsUrl('https://berth.example.com')).toBe('https://berth.example.com/api/v1/metrics');
    expect(metricsUrl('http://localhost:8080/')).toBe('http://localhost:8080/api/v1/metrics');
  });
});

describe('the traffic tab', () => {
  it('is an app tab after the logs, with its own address', () => {
    expect(APP_TABS.indexOf('traffic')).toBe(APP_TABS.indexOf('logs') + 1);
    expect(appPath('shop', 'prod', 'traffic')).toBe('/apps/shop/prod/traffic');
  });

  it('reads the counters again every 10 seconds', () => {
    expect(TRAFFIC_REFRESH_MS).toBe(10_000);
  });
});
