// berth audit   (the audit log: admins and auditors)
import type { AuditQuery } from '@berth/sdk';
import type { CommandContext, Group } from '../command.ts';
import { time } from '../output.ts';
import { parseWhen, WHEN_HELP } from '../since.ts';
import { positiveInt } from './shared.ts';

export const auditGroup: Group = {
  name: 'audit',
  summary: 'Read the audit log, newest first (admins and auditors)',
  single: true,
  commands: [
    {
      name: 'audit',
      summary: 'Read the audit log, newest first (admins and auditors)',
      usage:
        '[--action A] [--actor USER] [--target-type T] [--target-id ID] [--since WHEN] [--until WHEN] [--limit N] [--cursor C] [--json]',
      args: [0, 0],
      options: {
        action: { type: 'string', value: 'A', help: 'Actions starting with A, e.g. user or app.create' },
        actor: { type: 'string', value: 'USER', help: 'Events by this user' },
        'target-type': { type: 'string', value: 'T', help: 'Events about this kind of thing, e.g. app' },
        'target-id': { type: 'string', value: 'ID', help: 'Events about this thing' },
        since: { type: 'string', value: 'WHEN', help: `From this time: ${WHEN_HELP}` },
        until: { type: 'string', value: 'WHEN', help: `Before this time: ${WHEN_HELP}` },
        limit: { type: 'string', value: 'N', help: 'At most N events (server default 100, max 500)' },
        cursor: { type: 'string', value: 'C', help: 'Continue after a previous page' },
      },
      async run(ctx) {
        const now = Date.now();
        const query: AuditQuery = {};
        const set = <K extends keyof AuditQuery>(key: K, value: AuditQuery[K] | undefined) => {
          if (value !== undefined) query[key] = value;
        };
        set('action', ctx.str('action'));
        set('actor', ctx.str('actor'));
        set('targetType', ctx.str('target-type'));
        set('targetId', ctx.str('target-id'));
        set('since', when(ctx, 'since', now));
        set('until', when(ctx, 'until', now));
        set('limit', positiveInt(ctx, 'limit'));
        set('cursor', ctx.str('cursor'));
        const body = await ctx.client().listAudit(query);
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['TIME', 'ACTOR', 'ACTION', 'TARGET', 'IP'],
          body.events.map((e) => [time(e.at), e.actorName, e.action, `${e.targetType}:${e.targetId}`, e.ip]),
          'No audit events.',
        );
        if (body.nextCursor)
          ctx.out.note(`More: berth audit --cursor ${body.nextCursor} (with the same filters)`);
      },
    },
  ],
};

/** A time option as epoch milliseconds, in the one --since grammar. */
function when(ctx: CommandContext, option: string, now: number): number | undefined {
  const raw = ctx.str(option);
  return raw === undefined ? undefined : parseWhen(raw, now, option);
}
