// The traffic tab's pure parts (tested without a browser): an environment's figures as the table
// shows them, the same columns as `berth traffic`; where Prometheus scrapes; how often the tab reads
// the counters again.
import type { AppTrafficEnv } from '@berth/sdk';
import type { Formatters } from '../../../i18n/format-hooks.ts';
import { percentText } from '../../apigw/apigw-view.ts';

/** The tab reads the counters again this often while the page is visible. */
export const TRAFFIC_REFRESH_MS = 10_000;

/** What Prometheus scrapes: every app's counters (admins, operators and auditors, with a token). */
export const METRICS_PATH = '/api/v1/metrics';

export interface TrafficCells {
  requests: string;
  /** `2xx/3xx/4xx/5xx` counts (1xx are rare; they are in `requests`). */
  status: string;
  /** The 5xx answers and their share of the requests: `0`, `2 (0.2 %)`. */
  errors: string;
  bytes: string;
  p50: string;
  p90: string;
  p99: string;
  avg: string;
}

export function trafficCells(
  e: AppTrafficEnv,
  format: Pick<Formatters, 'number' | 'bytes' | 'duration'>,
): TrafficCells {
  const errors = e.status['5xx'];
  const classes = [e.status['2xx'], e.status['3xx'], e.status['4xx'], errors];
  return {
    requests: format.number(e.requests),
    status: classes.map((n) => format.number(n)).join('/'),
    errors: errors === 0 ? format.number(0) : `${format.number(errors)} (${percentText(e.errorRate)})`,
    bytes: format.bytes(e.bytesOut),
    p50: format.duration(e.latencyMs.p50),
    p90: format.duration(e.latencyMs.p90),
    p99: format.duration(e.latencyMs.p99),
    avg: format.duration(e.latencyMs.avg),
  };
}

/** The metrics address on the console's origin (berthd serves both). */
export function metricsUrl(origin: string): string {
  return new URL(METRICS_PATH, origin).href;
}
