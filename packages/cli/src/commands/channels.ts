// berth channels list | show | add | update | remove | test | deliveries   (notification channels)
import fs from 'node:fs';
import {
  type BerthClient,
  type Channel,
  type ChannelConfig,
  type ChannelConfigPatch,
  type Delivery,
  NOTIFY_LANGUAGES,
  type NotifyLanguage,
  ROBOT_FLAVOURS,
  type RobotFlavour,
  SMTP_SECURITY,
  type SmtpSecurity,
  type UpdateChannelBody,
} from '@berth/sdk';
import type { CommandContext, Group, OptionSpecs } from '../command.ts';
import { CliError, EXIT, usageError } from '../errors.ts';
import { time, truncate } from '../output.ts';
import { confirm, LIMIT_OPTION, listItems, positiveInt, YES_OPTION } from './shared.ts';

const KINDS = ['webhook', 'email', 'robot'] as const;

/** `raw` when it is one of `allowed`, else a usage error naming them. */
function oneOf<T extends string>(option: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw))
    throw usageError(`--${option} must be one of ${allowed.join(', ')}, not '${raw}'`);
  return raw as T;
}

/** The channel a command names, by name or id (CHANNEL_NOT_FOUND when none has it). */
export async function findChannel(client: BerthClient, nameOrId: string): Promise<Channel> {
  let cursor: string | undefined;
  do {
    const page = await client.listChannels(cursor === undefined ? {} : { cursor });
    const found = page.channels.find((c) => c.name === nameOrId || c.id === nameOrId);
    if (found) return found;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  throw new CliError(`no notification channel named '${nameOrId}'`, 'CHANNEL_NOT_FOUND', EXIT.api);
}

const SETTINGS: OptionSpecs = {
  url: { type: 'string', value: 'URL', help: 'webhook, robot: where to POST (shown masked afterwards)' },
  'url-stdin': {
    type: 'boolean',
    help: "Read the URL from the first line of stdin instead (a robot's URL holds its token)",
  },
  flavour: { type: 'string', value: 'FLAVOUR', help: 'robot: dingtalk, wecom or feishu' },
  host: { type: 'string', value: 'HOST', help: 'email: the SMTP server' },
  port: { type: 'string', value: 'PORT', help: 'email: its port (587 for starttls, 465 for tls)' },
  security: { type: 'string', value: 'MODE', help: 'email: starttls (default), tls or none' },
  'ca-file': {
    type: 'string',
    value: 'PEM',
    help: "email: a PEM file of certificates to trust for the server's TLS",
  },
  username: {
    type: 'string',
    value: 'USER',
    help: 'email: log in as USER (the password from --secret-stdin)',
  },
  from: { type: 'string', value: 'ADDRESS', help: 'email: the sender, e.g. "Berth <berth@example.com>"' },
  to: { type: 'string', value: 'A,B', help: 'email: recipients, comma-separated' },
  'secret-stdin': {
    type: 'boolean',
    help: 'Read the secret (webhook or robot signing secret, SMTP password) from stdin (after the URL with --url-stdin)',
  },
  language: { type: 'string', value: 'LANG', help: 'en or zh-CN: the language of its notifications' },
};

const SETTINGS_NOTES = [
  'webhook: --url|--url-stdin --secret-stdin (asked on a terminal); robot: --flavour --url|--url-stdin',
  '[--secret-stdin]; with both, stdin holds the URL on its first line and the secret on the second.',
  'email: --host --port [--security] [--ca-file] [--username --secret-stdin] --from --to.',
  'Secrets are never shown again; a robot URL carries its token, so it is shown masked too.',
];

/** --url, or the first line of stdin with --url-stdin (read before any secret). */
async function readUrl(ctx: CommandContext): Promise<string | undefined> {
  if (!ctx.flag('url-stdin')) return ctx.str('url');
  if (ctx.str('url') !== undefined) throw usageError('--url and --url-stdin exclude each other');
  const url = await ctx.terminal.readLine();
  if (url === '') throw usageError('--url-stdin: stdin holds no URL');
  return url;
}

async function readSecret(ctx: CommandContext, required: boolean): Promise<string | undefined> {
  let secret: string | undefined;
  if (ctx.flag('secret-stdin')) secret = await ctx.terminal.readLine();
  else if (required && ctx.terminal.interactive) secret = await ctx.terminal.askHidden('Secret: ');
  else if (required) throw usageError('no terminal to ask for the secret; pipe it in with --secret-stdin');
  if (secret === '') throw usageError('empty secret');
  return secret;
}

function recipients(raw: string): string[] {
  return raw
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

function port(ctx: CommandContext): number | undefined {
  return positiveInt(ctx, 'port');
}

function caFile(ctx: CommandContext): string | undefined {
  const file = ctx.str('ca-file');
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw usageError(`cannot read --ca-file ${file}: ${(err as Error).message}`);
  }
}

function need(ctx: CommandContext, option: string, kind: string): string {
  const value = ctx.str(option);
  if (value === undefined) throw usageError(`--${option} is required for a ${kind} channel`);
  return value;
}

async function newConfig(ctx: CommandContext, kind: (typeof KINDS)[number]): Promise<ChannelConfig> {
  switch (kind) {
    case 'webhook': {
      const url = await readUrl(ctx);
      if (url === undefined) throw usageError('--url (or --url-stdin) is required for a webhook channel');
      return { kind, url, secret: (await readSecret(ctx, true))! };
    }
    case 'robot': {
      const flavour = oneOf('flavour', need(ctx, 'flavour', kind), ROBOT_FLAVOURS);
      const url = await readUrl(ctx);
      if (url === undefined) throw usageError('--url (or --url-stdin) is required for a robot channel');
      const secret = await readSecret(ctx, false);
      return { kind, flavour, url, ...(secret !== undefined && { secret }) };
    }
    case 'email': {
      const username = ctx.str('username');
      const password = username === undefined ? undefined : await readSecret(ctx, false);
      const ca = caFile(ctx);
      const p = port(ctx);
      if (p === undefined) throw usageError('--port is required for an email channel');
      return {
        kind,
        host: need(ctx, 'host', kind),
        port: p,
        security: oneOf('security', ctx.str('security') ?? 'starttls', SMTP_SECURITY),
        ...(ca !== undefined && { ca }),
        ...(username !== undefined && { username }),
        ...(password !== undefined && { password }),
        from: need(ctx, 'from', kind),
        to: recipients(need(ctx, 'to', kind)),
      };
    }
  }
}

async function configChange(
  ctx: CommandContext,
  kind: Channel['kind'],
): Promise<ChannelConfigPatch | undefined> {
  const url = await readUrl(ctx);
  const secret = ctx.flag('clear-secret') ? null : await readSecret(ctx, false);
  let patch: ChannelConfigPatch;
  switch (kind) {
    case 'webhook':
      if (secret === null)
        throw usageError('a webhook channel needs its secret; give a new one with --secret-stdin');
      patch = { kind, ...(url !== undefined && { url }), ...(secret !== undefined && { secret }) };
      break;
    case 'robot': {
      const flavour = ctx.str('flavour');
      patch = {
        kind,
        ...(flavour !== undefined && { flavour: oneOf('flavour', flavour, ROBOT_FLAVOURS) as RobotFlavour }),
        ...(url !== undefined && { url }),
        ...(secret !== undefined && { secret }),
      };
      break;
    }
    case 'email': {
      const host = ctx.str('host');
      const p = port(ctx);
      const security = ctx.str('security');
      const ca = ctx.flag('clear-ca') ? null : caFile(ctx);
      const username = ctx.str('username');
      const from = ctx.str('from');
      const to = ctx.str('to');
      patch = {
        kind,
        ...(host !== undefined && { host }),
        ...(p !== undefined && { port: p }),
        ...(security !== undefined && {
          security: oneOf('security', security, SMTP_SECURITY) as SmtpSecurity,
        }),
        ...(ca !== undefined && { ca }),
        ...(username !== undefined && { username: username === '' ? null : username }),
        ...(secret !== undefined && { password: secret }),
        ...(from !== undefined && { from }),
        ...(to !== undefined && { to: recipients(to) }),
      };
      break;
    }
  }
  return Object.keys(patch).length > 1 ? patch : undefined;
}

/** Where a channel sends, as far as it may be shown. */
function target(c: Channel): string {
  const config = c.config;
  if (!config) return '';
  if (config.kind === 'email') return `${config.to.join(', ')} via ${config.host}:${config.port}`;
  return config.kind === 'robot' ? `${config.flavour} ${config.url}` : config.url;
}

export function deliveryRows(deliveries: Delivery[], withApp: boolean) {
  return deliveries.map((d) => [
    d.id,
    ...(withApp ? [d.app ?? '-'] : [d.channelName ?? d.channelId]),
    d.type,
    d.env ?? '',
    d.status,
    d.attempts,
    time(d.createdAt),
    time(d.sentAt),
    truncate(d.lastError ?? '', 60),
  ]);
}

export const DELIVERY_HEADERS = ['STATUS', 'ATTEMPTS', 'CREATED', 'SENT', 'LAST ERROR'];

export const channelsGroup: Group = {
  name: 'channels',
  summary: 'Notification channels: signed webhooks, e-mail, chat robots (admins change them)',
  notes: ['Apps subscribe to channels with berth notifications subscribe.'],
  commands: [
    {
      name: 'list',
      summary: 'List the channels (admins also see where each one sends)',
      usage: '[--limit N] [--json]',
      args: [0, 0],
      options: LIMIT_OPTION,
      async run(ctx) {
        const client = ctx.client();
        const body = { channels: await listItems(ctx, 'channels', (p) => client.listChannels(p)) };
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['NAME', 'KIND', 'STATUS', 'LANGUAGE', 'TARGET', 'ID'],
          body.channels.map((c) => [
            c.name,
            c.kind,
            c.enabled ? 'enabled' : 'disabled',
            c.language ?? '',
            target(c),
            c.id,
          ]),
          'No notification channels.',
        );
      },
    },
    {
      name: 'show',
      summary: 'Show a channel (its settings, without secrets, for admins)',
      usage: 'NAME [--json]',
      args: [1, 1],
      async run(ctx) {
        const client = ctx.client();
        const body = await client.getChannel((await findChannel(client, ctx.args[0]!)).id);
        if (ctx.json) return ctx.out.json(body);
        const c = body.channel;
        const config = c.config;
        ctx.out.fields([
          ['Name', c.name],
          ['ID', c.id],
          ['Kind', config?.kind === 'robot' ? `robot (${config.flavour})` : c.kind],
          ['Status', c.enabled ? 'enabled' : 'disabled'],
          ['Language', c.language],
          ['URL', config && config.kind !== 'email' ? config.url : undefined],
          ['Secret', config && config.kind !== 'email' ? (config.secretSet ? 'set' : 'none') : undefined],
          [
            'Server',
            config?.kind === 'email' ? `${config.host}:${config.port} (${config.security})` : undefined,
          ],
          ['CA', config?.kind === 'email' && config.caSet ? 'set' : undefined],
          ['Login', config?.kind === 'email' ? (config.username ?? 'none') : undefined],
          ['Password', config?.kind === 'email' ? (config.passwordSet ? 'set' : 'none') : undefined],
          ['From', config?.kind === 'email' ? config.from : undefined],
          ['To', config?.kind === 'email' ? config.to.join(', ') : undefined],
          ['Created', c.createdAt === undefined ? undefined : `${time(c.createdAt)} by ${c.createdBy}`],
          ['Updated', c.updatedAt === undefined ? undefined : time(c.updatedAt)],
        ]);
      },
    },
    {
      name: 'add',
      summary: 'Add a channel (admins)',
      usage: 'NAME --kind webhook|email|robot [settings] [--language en|zh-CN] [--disabled] [--json]',
      args: [1, 1],
      options: {
        kind: { type: 'string', value: 'KIND', help: 'webhook, email or robot (required)' },
        ...SETTINGS,
        disabled: { type: 'boolean', help: 'Add it disabled (it gets no deliveries until enabled)' },
      },
      notes: SETTINGS_NOTES,
      async run(ctx) {
        const kind = ctx.str('kind');
        if (kind === undefined) throw usageError('--kind is required (webhook, email, robot)');
        const config = await newConfig(ctx, oneOf('kind', kind, KINDS));
        const language = ctx.str('language');
        const body = await ctx.client().createChannel({
          name: ctx.args[0]!,
          config,
          ...(language !== undefined && { language: oneOf('language', language, NOTIFY_LANGUAGES) }),
          ...(ctx.flag('disabled') && { enabled: false }),
        });
        if (ctx.json) return ctx.out.json(body);
        ctx.out.line(`Added ${body.channel.kind} channel ${body.channel.name} (${body.channel.id}).`);
      },
    },
    {
      name: 'update',
      summary: "Change a channel's name, language, status or settings (admins)",
      usage: 'NAME [--name NEW] [--enable | --disable] [settings] [--clear-secret] [--clear-ca] [--json]',
      args: [1, 1],
      options: {
        name: { type: 'string', value: 'NEW', help: 'Rename it' },
        enable: { type: 'boolean', help: 'Send to it again' },
        disable: { type: 'boolean', help: 'Stop sending to it (queued deliveries fail)' },
        ...SETTINGS,
        'clear-secret': { type: 'boolean', help: "Remove a robot's signing secret or the SMTP password" },
        'clear-ca': { type: 'boolean', help: 'email: trust only the system CAs again' },
      },
      notes: ['Settings not given stay as they are, secrets included. --username "" logs in no more.'],
      async run(ctx) {
        if (ctx.flag('enable') && ctx.flag('disable'))
          throw usageError('--enable and --disable exclude each other');
        const client = ctx.client();
        const channel = await findChannel(client, ctx.args[0]!);
        const change: UpdateChannelBody = {};
        const name = ctx.str('name');
        if (name !== undefined) change.name = name;
        const language = ctx.str('language');
        if (language !== undefined)
          change.language = oneOf('language', language, NOTIFY_LANGUAGES) as NotifyLanguage;
        if (ctx.flag('enable')) change.enabled = true;
        if (ctx.flag('disable')) change.enabled = false;
        const config = await configChange(ctx, channel.kind);
        if (config !== undefined) change.config = config;
        if (Object.keys(change).length === 0)
          throw usageError('nothing to change; see berth help channels update');
        const body = await client.updateChannel(channel.id, change);
        if (ctx.json) return ctx.out.json(body);
        ctx.out.line(`Updated channel ${body.channel.name}.`);
      },
    },
    {
      name: 'remove',
      summary: 'Remove a channel with its subscriptions and delivery history (admins)',
      usage: 'NAME --yes [--json]',
      args: [1, 1],
      options: YES_OPTION,
      async run(ctx) {
        const client = ctx.client();
        const channel = await findChannel(client, ctx.args[0]!);
        await confirm(ctx, `Remove channel ${channel.name}`, channel.name);
        await client.deleteChannel(channel.id);
        if (ctx.json) return ctx.out.json({ deleted: { channel: channel.id } });
        ctx.out.line(`Removed channel ${channel.name}.`);
      },
    },
    {
      name: 'test',
      summary: 'Send a test notification through a channel (admins)',
      usage: 'NAME [--json]',
      args: [1, 1],
      async run(ctx) {
        const client = ctx.client();
        const channel = await findChannel(client, ctx.args[0]!);
        const body = await client.testChannel(channel.id);
        if (ctx.json) return ctx.out.json(body);
        ctx.out.line(`Queued test delivery ${body.delivery.id} to ${channel.name}.`);
        ctx.out.note(`'berth channels deliveries ${channel.name}' shows how it went.`);
      },
    },
    {
      name: 'deliveries',
      summary: "A channel's deliveries, newest first, with each one's status and last error (admins)",
      usage: 'NAME [--limit N] [--json]',
      args: [1, 1],
      options: LIMIT_OPTION,
      async run(ctx) {
        const client = ctx.client();
        const channel = await findChannel(client, ctx.args[0]!);
        const body = {
          deliveries: await listItems(ctx, 'deliveries', (p) => client.listChannelDeliveries(channel.id, p)),
        };
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['ID', 'APP', 'EVENT', 'ENV', ...DELIVERY_HEADERS],
          deliveryRows(body.deliveries, true),
          `No deliveries to ${channel.name} yet.`,
        );
      },
    },
  ],
};
