// berth deploys [list] | info | logs | cancel   (an environment's deploy history)

import type { Deploy } from '@berth/sdk';
import type { Group } from '../command.ts';
import { followLog, logText } from '../follow-deploy.ts';
import { errorText, noteText, time, truncate } from '../output.ts';
import { originDetail, originText } from './origin-view.ts';
import { requestPairs, statusText } from './request-view.ts';
import { LIMIT_OPTION, listItems } from './shared.ts';
import { TARGET_NOTE, TARGET_OPTIONS, target } from './target.ts';

const LIST_USAGE = 'berth deploys --app CODE [--env stag|prod] [--json]';
const STATUS_NOTE =
  "A deploy goes queued → running → succeeded, failed or cancelled; a deploy request starts requested, then is approved (and queued), refused or withdrawn ('berth requests').";

export const deploysGroup: Group = {
  name: 'deploys',
  summary: "An environment's deploy history; a deploy's log; cancel a deploy",
  defaultCommand: 'list',
  notes: [TARGET_NOTE, "'berth deploys --app CODE' alone lists the deploys.", STATUS_NOTE],
  commands: [
    {
      name: 'list',
      summary:
        "List an environment's deploys (deploys, rollbacks, restarts, scaling…, deploy requests too), newest first",
      usage: '--app CODE [--env stag|prod] [--limit N] [--json]',
      args: [0, 0],
      options: { ...TARGET_OPTIONS, ...LIMIT_OPTION },
      notes: [TARGET_NOTE, STATUS_NOTE],
      async run(ctx) {
        const where = target(ctx, LIST_USAGE);
        const client = ctx.client();
        const body = {
          deploys: await listItems(ctx, 'deploys', (p) => client.listDeploys(where.app, where.env, p)),
        };
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['ID', 'KIND', 'STATUS', 'RELEASE', 'SOURCE', 'BY', 'CREATED', 'FINISHED', 'DESCRIPTION'],
          body.deploys.map((d) => [
            d.id,
            d.kind,
            statusText(d),
            d.release ? `v${d.release}` : '',
            originText(d.origin),
            d.createdBy,
            time(d.createdAt),
            time(d.finishedAt),
            truncate(deployNote(d), 40),
          ]),
          `No deploys in ${where.app}/${where.env} yet.`,
        );
      },
    },
    {
      name: 'info',
      summary: 'Show a deploy',
      usage: 'ID [--json]',
      args: [1, 1],
      async run(ctx) {
        const body = await ctx.client().getDeploy(ctx.args[0]!);
        if (ctx.json) return ctx.out.json(body);
        const d: Deploy = body.deploy;
        ctx.out.fields([
          ['ID', d.id],
          ['App', `${d.app}/${d.env}`],
          ['Kind', d.kind],
          ['Status', d.status],
          ['Release', d.release ? `v${d.release}` : undefined],
          ['Source', originDetail(d.origin)],
          ['Build', d.buildId],
          ['Trigger', d.trigger],
          // A request's note is its description: shown once, with the request.
          ['Description', d.request ? undefined : deployNote(d) || undefined],
          ['Created', `${time(d.createdAt)} by ${d.createdBy}`],
          ['Started', time(d.startedAt)],
          ['Finished', time(d.finishedAt)],
          ...requestPairs(d),
          ['Error', d.error && errorText(d.error)],
          ['Job', d.jobId],
        ]);
      },
    },
    {
      name: 'logs',
      summary: "Print a deploy's log; with -f keep printing until the deploy ends",
      usage: 'ID [-f] [--json]',
      args: [1, 1],
      options: {
        follow: { type: 'boolean', short: 'f', help: 'Follow the log until the deploy has finished' },
      },
      notes: ['With --json each log line is printed as one JSON object per line.'],
      async run(ctx) {
        const print = ctx.json
          ? (line: object) => ctx.out.jsonLine(line)
          : (line: Parameters<typeof logText>[0]) => ctx.out.log(logText(line));
        await followLog(ctx.client(), ctx.args[0]!, print, {
          follow: ctx.flag('follow'),
          signal: ctx.signal,
        });
      },
    },
    {
      name: 'cancel',
      summary: 'Cancel a queued or running deploy, or an approved request waiting for its window',
      usage: 'ID [--json]',
      args: [1, 1],
      async run(ctx) {
        const body = await ctx.client().cancelDeploy(ctx.args[0]!);
        if (ctx.json) return ctx.out.json(body);
        const done = body.deploy.status === 'cancelled';
        ctx.out.line(`Deploy ${body.deploy.id}: ${done ? 'cancelled' : 'cancellation requested'}.`);
      },
    },
  ],
};

/** What a deploy is about: the platform's reason in words, and what the deployer wrote. */
function deployNote(d: { reason?: string; description?: string }): string {
  const reason =
    d.reason === 'secret_rotated' ? 'restart after the app secret was rotated' : (d.reason ?? '');
  return noteText(reason, d.description);
}
