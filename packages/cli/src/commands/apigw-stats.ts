// berth apigw stats   (API gateway calls per component and calling app: counts, status classes,
// latency percentiles, errors). Commands of the `apigw` group, which run.ts puts together.
import { APIGW_RECORDS_WINDOW_PATTERN, type ApigwRecord } from '@berth/sdk';
import type { Command } from '../command.ts';
import { usageError } from '../errors.ts';
import { latencyText, time, truncate } from '../output.ts';

/** Errors listed under the table (the newest of every row; `--json` has them all). */
const SHOWN_ERRORS = 10;

const WINDOW = new RegExp(APIGW_RECORDS_WINDOW_PATTERN);

function errorsText(r: ApigwRecord): string {
  if (r.errors === 0) return '0';
  return `${r.errors} (${Math.round(r.errorRate * 1000) / 10}%)`;
}

export const apigwStatsCommands: Command[] = [
  {
    name: 'stats',
    summary: 'API gateway calls per component and calling app: status classes, latency, errors',
    usage: '[--system S] [--component C] [--app A] [--window 1h] [--json]',
    args: [0, 0],
    options: {
      system: { type: 'string', value: 'S', help: 'Only the components of this system' },
      component: { type: 'string', value: 'C', help: 'Only this component' },
      app: { type: 'string', short: 'a', value: 'A', help: 'Only the calls this app made' },
      window: {
        type: 'string',
        short: 'w',
        value: 'WINDOW',
        help: 'The calls of the last 15m, 1h (default), 24h, 7d… (at most the retention, 7d by default)',
      },
    },
    notes: [
      'Developers see the calls of the apps they are members of. Counts lag by up to 10 s; P50 and P99',
      'are read from a histogram (within 29 %). ERRORS: refused by the gateway or answered 5xx.',
    ],
    async run(ctx) {
      const window = ctx.str('window');
      if (window !== undefined && !WINDOW.test(window)) {
        throw usageError(`--window must be minutes, hours or days such as 15m, 1h, 24h, 7d, not '${window}'`);
      }
      const body = await ctx.client().listApigwRecords({
        ...(ctx.str('system') === undefined ? {} : { system: ctx.str('system') }),
        ...(ctx.str('component') === undefined ? {} : { component: ctx.str('component') }),
        ...(ctx.str('app') === undefined ? {} : { app: ctx.str('app') }),
        ...(window === undefined ? {} : { window }),
      });
      if (ctx.json) return ctx.out.json(body);
      ctx.out.table(
        ['SYSTEM', 'COMPONENT', 'APP', 'CALLS', '2XX/4XX/5XX', 'P50', 'P99', 'ERRORS'],
        body.items.map((r) => [
          r.system,
          r.component,
          r.app || '-',
          r.calls,
          `${r.status['2xx']}/${r.status['4xx']}/${r.status['5xx']}`,
          latencyText(r.latencyMs.p50),
          latencyText(r.latencyMs.p99),
          errorsText(r),
        ]),
        `No API gateway calls since ${time(body.since)}.`,
      );
      const errors = body.items
        .flatMap((r) =>
          r.lastErrors.map((e) => ({ ...e, system: r.system, component: r.component, app: r.app })),
        )
        .sort((a, b) => b.at - a.at)
        .slice(0, SHOWN_ERRORS);
      if (errors.length === 0) return;
      ctx.out.line();
      ctx.out.line('Last errors:');
      ctx.out.table(
        ['AT', 'SYSTEM', 'COMPONENT', 'APP', 'STATUS', 'CODE', 'REQUEST', 'MESSAGE'],
        errors.map((e) => [
          time(e.at),
          e.system,
          e.component,
          e.app || '-',
          e.status,
          e.code ?? '',
          e.requestId,
          truncate(e.message ?? '', 80),
        ]),
        '',
      );
    },
  },
];
