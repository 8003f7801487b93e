// berth notifications list | subscribe | unsubscribe | deliveries   (an app's subscriptions)
import { ENV_NAMES, type EnvName, NOTIFY_EVENTS, type NotifyEventType } from '@berth/sdk';
import type { Group } from '../command.ts';
import { usageError } from '../errors.ts';
import { time } from '../output.ts';
import { envName } from '../validate.ts';
import { DELIVERY_HEADERS, deliveryRows, findChannel } from './channels.ts';
import { LIMIT_OPTION, listItems } from './shared.ts';
import { APP_OPTION, appCode } from './target.ts';

const APP_NOTE = '--app is required (or the BERTH_APP environment variable).';

function events(raw: string | undefined): NotifyEventType[] {
  if (raw === undefined)
    throw usageError(`--events is required (all, or some of ${NOTIFY_EVENTS.join(', ')})`);
  if (raw === 'all') return [...NOTIFY_EVENTS];
  const list = raw.split(',').map((e) => e.trim());
  for (const e of list) {
    if (!(NOTIFY_EVENTS as readonly string[]).includes(e))
      throw usageError(`unknown event '${e}' (events: ${NOTIFY_EVENTS.join(', ')}, or all)`);
  }
  return [...new Set(list)] as NotifyEventType[];
}

function envs(raw: string | undefined): EnvName[] {
  if (raw === undefined) return [...ENV_NAMES];
  return [...new Set(raw.split(',').map((e) => envName(e.trim())))];
}

export const notificationsGroup: Group = {
  name: 'notifications',
  summary: "An app's notifications: which events go to which channel, and what was delivered",
  defaultCommand: 'list',
  notes: [APP_NOTE, `Events: ${NOTIFY_EVENTS.join(', ')}.`],
  commands: [
    {
      name: 'list',
      summary: "List the app's subscriptions",
      usage: '--app CODE [--json]',
      args: [0, 0],
      options: { ...APP_OPTION, ...LIMIT_OPTION },
      async run(ctx) {
        const app = appCode(ctx, 'berth notifications list --app CODE');
        const client = ctx.client();
        const body = {
          subscriptions: await listItems(ctx, 'subscriptions', (p) => client.listSubscriptions(app, p)),
        };
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['CHANNEL', 'KIND', 'EVENTS', 'ENVS', 'BY', 'UPDATED'],
          body.subscriptions.map((s) => [
            s.channelName,
            s.channelKind,
            s.events.join(','),
            s.envs.join(','),
            s.createdBy,
            time(s.updatedAt),
          ]),
          `${app} is not subscribed to any channel.`,
        );
      },
    },
    {
      name: 'subscribe',
      summary: 'Send some of the app’s events to a channel (again: replaces what it hears)',
      usage: '--app CODE CHANNEL --events E1,E2|all [--env stag|prod|stag,prod] [--json]',
      args: [1, 1],
      options: {
        ...APP_OPTION,
        events: { type: 'string', value: 'LIST', help: 'Event types, comma-separated, or all (required)' },
        env: {
          type: 'string',
          short: 'e',
          value: 'ENVS',
          help: 'Environments, comma-separated (default: both)',
        },
      },
      async run(ctx) {
        const app = appCode(ctx, 'berth notifications subscribe --app CODE CHANNEL --events LIST');
        const list = events(ctx.str('events'));
        const where = envs(ctx.str('env'));
        const client = ctx.client();
        const channel = await findChannel(client, ctx.args[0]!);
        const body = await client.subscribe(app, channel.id, { events: list, envs: where });
        if (ctx.json) return ctx.out.json(body);
        const s = body.subscription;
        ctx.out.line(`${app} sends ${s.events.join(', ')} of ${s.envs.join(', ')} to ${s.channelName}.`);
      },
    },
    {
      name: 'unsubscribe',
      summary: 'Stop sending the app’s events to a channel',
      usage: '--app CODE CHANNEL [--json]',
      args: [1, 1],
      options: APP_OPTION,
      async run(ctx) {
        const app = appCode(ctx, 'berth notifications unsubscribe --app CODE CHANNEL');
        const client = ctx.client();
        const channel = await findChannel(client, ctx.args[0]!);
        await client.unsubscribe(app, channel.id);
        if (ctx.json) return ctx.out.json({ unsubscribed: { app, channel: channel.id } });
        ctx.out.line(`${app} sends nothing to ${channel.name} any more.`);
      },
    },
    {
      name: 'deliveries',
      summary: "The app's notification deliveries, newest first, with each one's status and last error",
      usage: '--app CODE [--limit N] [--json]',
      args: [0, 0],
      options: { ...APP_OPTION, ...LIMIT_OPTION },
      async run(ctx) {
        const app = appCode(ctx, 'berth notifications deliveries --app CODE');
        const client = ctx.client();
        const body = {
          deliveries: await listItems(ctx, 'deliveries', (p) => client.listAppDeliveries(app, p)),
        };
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['ID', 'CHANNEL', 'EVENT', 'ENV', ...DELIVERY_HEADERS],
          deliveryRows(body.deliveries, false),
          `No notifications for ${app} yet.`,
        );
      },
    },
  ],
};
