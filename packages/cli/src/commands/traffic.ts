// berth traffic   (what the gateway counted of an app's requests per environment since berthd
// started: status classes, errors, bytes sent, latency percentiles).
import type { AppTraffic, AppTrafficEnv } from '@berth/sdk';
import type { Group } from '../command.ts';
import { formatSize, latencyText, time } from '../output.ts';
import { APP_OPTION, appCode } from './target.ts';

const USAGE = 'berth traffic --app CODE [--json]';

/** `0`, or the 5xx answers with their share: `3 (1.5%)`, `2 (<0.1%)`. */
function errorsText(e: AppTrafficEnv): string {
  const errors = e.status['5xx'];
  if (errors === 0) return '0';
  const pct = Math.round(e.errorRate * 1000) / 10;
  return `${errors} (${pct === 0 ? '<0.1' : pct}%)`;
}

function statusText(e: AppTrafficEnv): string {
  return `${e.status['2xx']}/${e.status['3xx']}/${e.status['4xx']}/${e.status['5xx']}`;
}

/** The line under the table: who counted, and since when. */
function countedText(body: AppTraffic): string {
  return `Counted by the ${body.gateway} gateway since ${time(body.since)} (berthd's start).`;
}

export const trafficGroup: Group = {
  name: 'traffic',
  summary: "Show an app's requests per environment: status classes, errors, bytes, latency",
  single: true,
  commands: [
    {
      name: 'traffic',
      summary: "Show what the gateway counted of an app's requests per environment since berthd started",
      usage: '--app CODE [--json]',
      args: [0, 0],
      options: APP_OPTION,
      notes: [
        '--app is required (or the BERTH_APP environment variable). Anyone who may read the app may',
        "look. The counts are kept in berthd's memory and start again at 0 when it restarts; P50, P90",
        "and P99 are estimated from a histogram. ERRORS: 5xx answers (the gateway's 502, 503 and 504",
        'too). For history, scrape GET /api/v1/metrics with Prometheus.',
      ],
      async run(ctx) {
        const app = appCode(ctx, USAGE);
        const body = await ctx.client().appTraffic(app);
        if (ctx.json) return ctx.out.json(body);
        if (body.envs.length === 0) {
          ctx.out.line(`No requests to ${app} since ${time(body.since)}.`);
          return;
        }
        ctx.out.table(
          ['ENV', 'REQUESTS', '2XX/3XX/4XX/5XX', 'ERRORS', 'BYTES', 'P50', 'P90', 'P99', 'AVG'],
          body.envs.map((e) => [
            e.env,
            e.requests,
            statusText(e),
            errorsText(e),
            formatSize(e.bytesOut),
            latencyText(e.latencyMs.p50),
            latencyText(e.latencyMs.p90),
            latencyText(e.latencyMs.p99),
            latencyText(e.latencyMs.avg),
          ]),
          '',
        );
        ctx.out.line();
        ctx.out.line(countedText(body));
      },
    },
  ],
};
