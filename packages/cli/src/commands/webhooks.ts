// berth webhooks show | rotate | deliveries   (an app's inbound webhook: the URL and secret a git
// host is given, and the log of what it sent and what Berth did with each delivery)
import type { WebhookDelivery } from '@berth/sdk';
import type { Group } from '../command.ts';
import { time, truncate } from '../output.ts';
import { shortRef } from './origin-view.ts';
import { LIMIT_OPTION, listItems } from './shared.ts';
import { APP_OPTION, appCode } from './target.ts';

const SETUP_NOTE =
  'In the git host, choose push events (tags included) and JSON; docs/webhooks.md shows where, per host.';

export const webhooksGroup: Group = {
  name: 'webhooks',
  summary: "An app's inbound webhook: its URL and secret for GitHub, GitLab, Gitea, Gogs; its deliveries",
  defaultCommand: 'show',
  commands: [
    {
      name: 'show',
      summary: "Show the app's webhook URL; with --reveal its secret too",
      usage: '--app CODE [--reveal] [--json]',
      args: [0, 0],
      options: {
        ...APP_OPTION,
        reveal: {
          type: 'boolean',
          help: "Print the secret too (the app's developers, operators and admins; audited)",
        },
      },
      notes: [SETUP_NOTE],
      async run(ctx) {
        const app = appCode(ctx, 'berth webhooks show --app CODE [--reveal]');
        const body = await ctx.client().getWebhook(app, { reveal: ctx.flag('reveal') });
        if (ctx.json) return ctx.out.json(body);
        ctx.out.fields([
          ['URL', body.url],
          ['Secret', body.secret],
        ]);
        if (body.secret === undefined) ctx.out.note("'berth webhooks show --reveal' prints the secret too.");
      },
    },
    {
      name: 'rotate',
      summary: "Replace the app's webhook secret: deliveries signed with the old one are refused at once",
      usage: '--app CODE [--json]',
      args: [0, 0],
      options: APP_OPTION,
      notes: ['Paste the new secret into the git host right away.'],
      async run(ctx) {
        const app = appCode(ctx, 'berth webhooks rotate --app CODE');
        const body = await ctx.client().rotateWebhookSecret(app);
        if (ctx.json) return ctx.out.json(body);
        ctx.out.fields([
          ['URL', body.url],
          ['Secret', body.secret],
        ]);
        ctx.out.note('The old secret no longer works: paste the new one into the git host now.');
      },
    },
    {
      name: 'deliveries',
      summary: "List the app's webhook deliveries, newest first: what each was and what Berth did",
      usage: '--app CODE [--limit N] [--json]',
      args: [0, 0],
      options: { ...APP_OPTION, ...LIMIT_OPTION },
      notes: [
        'OUTCOME is started (a deploy began), ignored (verified, not acted on: another event, a replay, a',
        'ref not deployed), refused (not verified, or unreadable) or failed (the deploy could not start).',
      ],
      async run(ctx) {
        const app = appCode(ctx, 'berth webhooks deliveries --app CODE');
        const client = ctx.client();
        const body = {
          deliveries: await listItems(ctx, 'deliveries', (p) => client.listWebhookDeliveries(app, p)),
        };
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['ID', 'RECEIVED', 'HOST', 'EVENT', 'REF', 'COMMIT', 'OUTCOME', 'DEPLOY', 'REASON'],
          body.deliveries.map(deliveryRow),
          `No webhook deliveries for ${app} yet.`,
        );
      },
    },
  ],
};

function deliveryRow(d: WebhookDelivery): string[] {
  return [
    d.id,
    time(d.receivedAt),
    d.provider ?? '',
    truncate(d.event ?? '', 20),
    d.ref ? truncate(shortRef(d.ref), 30) : '',
    d.commit?.slice(0, 8) ?? '',
    d.outcome,
    d.deployId ? `${d.deployId}${d.env ? ` (${d.env})` : ''}` : '',
    // The code first: a long reason is cut, the code stays readable.
    truncate([d.errorCode, d.reason].filter(Boolean).join(': '), 60),
  ];
}
