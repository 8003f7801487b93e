// berth logs: an environment's app logs (its processes' stdout and stderr), filtered, or followed.

import type { AppLogLine } from '@berth/sdk';
import type { Group } from '../command.ts';
import { usageError } from '../errors.ts';
import { safeLogLine, time } from '../output.ts';
import { positiveInt } from './shared.ts';
import { TARGET_NOTE, TARGET_OPTIONS, target } from './target.ts';

const USAGE =
  'berth logs --app CODE [--env stag|prod] [--process P] [--instance I] [--since 10m] [--grep TEXT] [-n N] [-f]';
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const logsGroup: Group = {
  name: 'logs',
  summary: "Print an environment's app logs, or follow them",
  single: true,
  commands: [
    {
      name: 'logs',
      summary: "Print an environment's app logs (stdout and stderr of its instances); -f keeps following",
      usage:
        '--app CODE [--env stag|prod] [--process P] [--instance I] [--since 10m] [--grep TEXT] [-n N] [-f]',
      args: [0, 0],
      options: {
        ...TARGET_OPTIONS,
        process: { type: 'string', short: 'p', value: 'TYPE', help: 'Only this process type (e.g. web)' },
        instance: { type: 'string', short: 'i', value: 'ID', help: 'Only this instance' },
        since: {
          type: 'string',
          value: 'WHEN',
          help: 'Only lines since then: 30s, 10m, 2h, 1d ago, an ISO date/time, or epoch ms',
        },
        grep: { type: 'string', short: 'g', value: 'TEXT', help: 'Only lines containing TEXT' },
        lines: { type: 'string', short: 'n', value: 'N', help: 'At most the last N lines' },
        follow: { type: 'boolean', short: 'f', help: 'Keep printing new lines until Ctrl-C' },
      },
      notes: [TARGET_NOTE, 'With --json each line is printed as one JSON object per line.'],
      async run(ctx) {
        const where = target(ctx, USAGE);
        const since = ctx.str('since');
        const query = {
          process: ctx.str('process'),
          instance: ctx.str('instance'),
          since: since === undefined ? undefined : sinceTime(since, Date.now()),
          q: ctx.str('grep'),
          limit: positiveInt(ctx, 'lines'),
        };
        const client = ctx.client();
        const print = (line: AppLogLine) => {
          if (ctx.json) ctx.io.stdout.write(`${JSON.stringify(line)}\n`);
          else ctx.out.line(formatLine(line));
        };
        if (!ctx.flag('follow')) {
          const body = await client.appLogs(where.app, where.env, query);
          for (const line of body.lines) print(line);
          return;
        }
        // Ctrl-C ends following; that is the normal way out, so it exits 0.
        const abort = new AbortController();
        const onSignal = () => abort.abort();
        process.once('SIGINT', onSignal);
        try {
          for await (const line of client.followAppLogs(where.app, where.env, query, {
            signal: abort.signal,
            onOpen: () => ctx.out.note(`Following the logs of ${where.app}/${where.env}; Ctrl-C stops.`),
          })) {
            print(line);
          }
        } finally {
          process.off('SIGINT', onSignal);
        }
      },
    },
  ],
};

/** `2026-11-23 15:04:05Z web/ins_abc: the line` (stderr lines marked `!`). */
function formatLine(line: AppLogLine): string {
  const source = `${line.process}/${line.instance}${line.stream === 'stderr' ? '!' : ''}`;
  return `${time(line.at)} ${safeLogLine(source)}: ${safeLogLine(line.line)}`;
}

/** `10m` (ago), or an ISO date, to epoch milliseconds. */
export function sinceTime(raw: string, now: number): number {
  const ago = /^(\d{1,9})([smhd])$/.exec(raw);
  if (ago) return now - Number(ago[1]) * UNITS[ago[2]!]!;
  if (/^\d{10,}$/.test(raw)) return Number(raw);
  if (/^\d{4}-\d{2}-\d{2}/.test(raw)) {
    const at = Date.parse(raw);
    if (!Number.isNaN(at)) return at;
  }
  throw usageError(`--since takes a duration like 10m, 2h, 1d, an ISO date/time or epoch ms, not '${raw}'`);
}
