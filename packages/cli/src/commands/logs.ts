// berth logs: an environment's app logs (its processes' stdout and stderr), filtered, or followed.

import type { AppLogLine } from '@berth/sdk';
import type { Group } from '../command.ts';
import { time } from '../output.ts';
import { parseWhen, WHEN_HELP } from '../since.ts';
import { positiveInt } from './shared.ts';
import { TARGET_NOTE, TARGET_OPTIONS, target } from './target.ts';

const USAGE =
  'berth logs --app CODE [--env stag|prod] [--process P] [--instance I] [--since 10m] [--grep TEXT] [-n N] [-f]';

export const logsGroup: Group = {
  name: 'logs',
  summary: "Print an environment's app logs, or follow them",
  single: true,
  commands: [
    {
      name: 'logs',
      summary: "Print an environment's app logs (stdout and stderr of its instances); -f keeps following",
      usage:
        '--app CODE [--env stag|prod] [--process P] [--instance I] [--since 10m] [--grep TEXT] [-n N] [-f] [--json]',
      args: [0, 0],
      options: {
        ...TARGET_OPTIONS,
        process: { type: 'string', short: 'p', value: 'TYPE', help: 'Only this process type (e.g. web)' },
        instance: { type: 'string', short: 'i', value: 'ID', help: 'Only this instance' },
        since: {
          type: 'string',
          value: 'WHEN',
          help: `Only lines since then: ${WHEN_HELP}`,
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
          since: since === undefined ? undefined : parseWhen(since, Date.now()),
          q: ctx.str('grep'),
          limit: positiveInt(ctx, 'lines'),
        };
        const client = ctx.client();
        const print = (line: AppLogLine) => {
          if (ctx.json) ctx.out.jsonLine(line);
          else ctx.out.log(formatLine(line));
        };
        if (!ctx.flag('follow')) {
          const body = await client.appLogs(where.app, where.env, query);
          for (const line of body.lines) print(line);
          return;
        }
        // Ctrl-C aborts ctx.signal: the stream closes and the CLI exits 130, like every command.
        for await (const line of client.followAppLogs(where.app, where.env, query, {
          signal: ctx.signal,
          onOpen: () => ctx.out.note(`Following the logs of ${where.app}/${where.env}; Ctrl-C stops.`),
        })) {
          print(line);
        }
      },
    },
  ],
};

/** `2026-11-23 15:04:05Z web/ins_abc: the line` (stderr lines marked `!`); the printer makes it safe. */
function formatLine(line: AppLogLine): string {
  const source = `${line.process}/${line.instance}${line.stream === 'stderr' ? '!' : ''}`;
  return `${time(line.at)} ${source}: ${line.line}`;
}
