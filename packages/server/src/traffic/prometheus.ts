// The Prometheus text exposition (format 0.0.4) of what berthd knows of the apps' traffic and of
// itself: the gateway's counters per app environment (requests by status class, response bytes,
// the latency histogram), requests no route matched, berthd's version and drivers, the route
// table the gateway serves and the job queue. `GET /api/v1/metrics`.
import { LATENCY_BUCKETS_MS, type MetricsSnapshot, type RouteCounters } from '../gateway/gateway-metrics.ts';

export interface ExpositionInput {
  gateway: MetricsSnapshot;
  info: { version: string; gateway: string; runtime: string; store: string };
  /** berthd's start (epoch ms). */
  startedAt: number;
  /** The route table's sequence every gateway process serves (-1: none yet). */
  tableSeq: number;
  jobs: { queued: number; running: number };
}

/** A label value as the format wants it: backslash, double quote and line feed escaped. */
export function labelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  const text = Object.entries(pairs)
    .map(([name, value]) => `${name}="${labelValue(value)}"`)
    .join(',');
  return `{${text}}`;
}

/** Seconds, from ms, without float noise (2.5 ms is 0.0025, not 0.0025000000000000005). */
function seconds(ms: number): string {
  return String(Number((ms / 1000).toPrecision(12)));
}

const STATUS_CLASSES: ReadonlyArray<[string, (c: RouteCounters) => number]> = [
  ['1xx', (c) => c.status1xx],
  ['2xx', (c) => c.status2xx],
  ['3xx', (c) => c.status3xx],
  ['4xx', (c) => c.status4xx],
  ['5xx', (c) => c.status5xx],
];

export function renderExposition(input: ExpositionInput): string {
  const out: string[] = [];
  const family = (name: string, type: string, help: string) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  family('berth_info', 'gauge', "berthd's version and drivers (always 1).");
  out.push(`berth_info${labels(input.info)} 1`);
  family('berth_start_time_seconds', 'gauge', 'When berthd started, in seconds since the epoch.');
  out.push(`berth_start_time_seconds ${seconds(input.startedAt)}`);
  family(
    'berth_gateway_table_sequence',
    'gauge',
    'The route table every gateway process serves (-1: none yet).',
  );
  out.push(`berth_gateway_table_sequence ${input.tableSeq}`);
  family('berth_jobs', 'gauge', 'Jobs waiting to run and running now.');
  out.push(`berth_jobs${labels({ state: 'queued' })} ${input.jobs.queued}`);
  out.push(`berth_jobs${labels({ state: 'running' })} ${input.jobs.running}`);

  const routes = [...input.gateway.routes].sort((a, b) =>
    a.app === b.app ? a.env.localeCompare(b.env) : a.app.localeCompare(b.app),
  );
  family(
    'berth_gateway_requests_total',
    'counter',
    'Requests the gateway answered, per app environment and status class, since berthd started.',
  );
  for (const c of routes) {
    for (const [code, of] of STATUS_CLASSES) {
      out.push(`berth_gateway_requests_total${labels({ app: c.app, env: c.env, code })} ${of(c)}`);
    }
  }
  family(
    'berth_gateway_response_bytes_total',
    'counter',
    'Response body bytes the gateway sent, per app environment.',
  );
  for (const c of routes) {
    out.push(`berth_gateway_response_bytes_total${labels({ app: c.app, env: c.env })} ${c.bytesOut}`);
  }
  family(
    'berth_gateway_request_duration_seconds',
    'histogram',
    'Time from the request to the end of the answer, per app environment.',
  );
  for (const c of routes) {
    let cumulative = 0;
    for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
      cumulative += c.latencyBuckets[i] ?? 0;
      const le = seconds(LATENCY_BUCKETS_MS[i]!);
      out.push(
        `berth_gateway_request_duration_seconds_bucket${labels({ app: c.app, env: c.env, le })} ${cumulative}`,
      );
    }
    // Every request is in exactly one bucket: the overflow one too makes the count.
    const count = cumulative + (c.latencyBuckets[LATENCY_BUCKETS_MS.length] ?? 0);
    out.push(
      `berth_gateway_request_duration_seconds_bucket${labels({ app: c.app, env: c.env, le: '+Inf' })} ${count}`,
    );
    out.push(
      `berth_gateway_request_duration_seconds_sum${labels({ app: c.app, env: c.env })} ${seconds(c.latencySumMs)}`,
    );
    out.push(`berth_gateway_request_duration_seconds_count${labels({ app: c.app, env: c.env })} ${count}`);
  }
  family('berth_gateway_unrouted_requests_total', 'counter', 'Requests no route matched (answered 404).');
  out.push(`berth_gateway_unrouted_requests_total ${input.gateway.unrouted.requests}`);
  return `${out.join('\n')}\n`;
}
