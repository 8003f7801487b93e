// berth apigw grant | revoke | grants | trust | untrust | trusted   (who may call which system through
// the API gateway, and which apps may name users in their calls). The `apigw` group includes these.
import { type ApigwGrant, GRANT_COMPONENT_PATTERN, GRANT_SYSTEM_PATTERN } from '@berth/sdk';
import type { Command, CommandContext } from '../command.ts';
import { usageError } from '../errors.ts';
import { time } from '../output.ts';
import { appCode } from '../validate.ts';

const SYSTEM_NAME = new RegExp(GRANT_SYSTEM_PATTERN);
const COMPONENT_NAME = new RegExp(GRANT_COMPONENT_PATTERN);
const DAY_MS = 86_400_000;

/** `SYSTEM` or `SYSTEM/COMPONENT`, checked as the server would. */
export function grantTarget(raw: string): { system: string; component?: string } {
  const slash = raw.indexOf('/');
  const system = slash < 0 ? raw : raw.slice(0, slash);
  const component = slash < 0 ? undefined : raw.slice(slash + 1);
  if (!SYSTEM_NAME.test(system)) {
    throw usageError(`'${system}' is not a system name (a letter, then up to 63 letters, digits or _)`);
  }
  if (component !== undefined && !COMPONENT_NAME.test(component)) {
    throw usageError(`'${component}' is not a component name (letters, digits, _ . -; at most 128)`);
  }
  return component === undefined ? { system } : { system, component };
}

/** `--until YYYY-MM-DD`: the grant holds through that day (UTC), so it expires as the next begins. */
export function untilDate(raw: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  const start = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || new Date(start).toISOString().slice(0, 10) !== raw) {
    throw usageError(`--until takes a date as YYYY-MM-DD, not '${raw}'`);
  }
  return start + DAY_MS;
}

function target(g: ApigwGrant): string {
  return g.component === null ? `${g.system} (every component)` : `${g.system}/${g.component}`;
}

function expiry(g: ApigwGrant): string {
  if (g.expiresAt === null) return 'never';
  return `${time(g.expiresAt)}${g.expired ? ' (EXPIRED)' : ''}`;
}

function showGrant(ctx: CommandContext, g: ApigwGrant): void {
  ctx.out.fields([
    ['Grant', g.id],
    ['App', g.app],
    ['May call', target(g)],
    ['Expires', expiry(g)],
    ['Granted by', g.grantedBy],
  ]);
}

export const apigwGrantCommands: Command[] = [
  {
    name: 'grant',
    summary: 'Let APP call a system (every component) or one component of it through the gateway',
    usage: 'APP SYSTEM[/COMPONENT] [--until YYYY-MM-DD] [--json]',
    args: [2, 2],
    options: {
      until: { type: 'string', value: 'YYYY-MM-DD', help: 'The grant holds through this day (UTC)' },
    },
    notes: [
      'Admins and operators grant anything; a developer grants calls to the systems their apps own.',
      'Granting what is granted already renews it (with the new --until, or none).',
    ],
    async run(ctx) {
      const app = appCode(ctx.args[0]!);
      const { system, component } = grantTarget(ctx.args[1]!);
      const until = ctx.str('until');
      const body = await ctx.client().grantApigwAccess({
        app,
        system,
        ...(component !== undefined ? { component } : {}),
        ...(until !== undefined ? { expiresAt: untilDate(until) } : {}),
      });
      if (ctx.json) return ctx.out.json(body);
      showGrant(ctx, body.grant);
    },
  },
  {
    name: 'revoke',
    summary: 'Revoke a grant by its id',
    usage: 'ID [--json]',
    args: [1, 1],
    notes: ["'berth apigw grants' lists the ids."],
    async run(ctx) {
      const id = ctx.args[0]!;
      await ctx.client().revokeApigwGrant(id);
      if (ctx.json) return ctx.out.json({ revoked: id });
      ctx.out.line(`Revoked grant ${id}.`);
    },
  },
  {
    name: 'grants',
    summary: 'List grants (developers: those of their apps, as callers or owners)',
    usage: '[--app APP] [--system SYSTEM] [--json]',
    args: [0, 0],
    options: {
      app: { type: 'string', short: 'a', value: 'APP', help: 'Only the grants of this calling app' },
      system: { type: 'string', value: 'SYSTEM', help: 'Only the grants to this system' },
    },
    async run(ctx) {
      const app = ctx.str('app');
      const system = ctx.str('system');
      const body = await ctx.client().listApigwGrants({
        ...(app !== undefined ? { app: appCode(app) } : {}),
        ...(system !== undefined ? { system: grantTarget(system).system } : {}),
      });
      if (ctx.json) return ctx.out.json(body);
      ctx.out.table(
        ['ID', 'APP', 'SYSTEM', 'COMPONENT', 'EXPIRES', 'GRANTED BY'],
        body.items.map((g) => [g.id, g.app, g.system, g.component ?? '*', expiry(g), g.grantedBy]),
        'No grants.',
      );
    },
  },
  {
    name: 'trust',
    summary: 'Let APP name a user in its calls without the user’s session token (admins, operators)',
    usage: 'APP [--json]',
    args: [1, 1],
    notes: ['A trusted app acts as any user it names: trust only apps you would trust with that.'],
    async run(ctx) {
      const body = await ctx.client().trustApigwApp(appCode(ctx.args[0]!));
      if (ctx.json) return ctx.out.json(body);
      ctx.out.line(`${body.trustedApp.app} is trusted (by ${body.trustedApp.trustedBy}).`);
    },
  },
  {
    name: 'untrust',
    summary: 'Trust APP no more: its calls need a user’s session token again (admins, operators)',
    usage: 'APP [--json]',
    args: [1, 1],
    async run(ctx) {
      const app = appCode(ctx.args[0]!);
      await ctx.client().untrustApigwApp(app);
      if (ctx.json) return ctx.out.json({ untrusted: app });
      ctx.out.line(`${app} is not trusted.`);
    },
  },
  {
    name: 'trusted',
    summary: 'List the trusted apps',
    usage: '[--json]',
    args: [0, 0],
    async run(ctx) {
      const body = await ctx.client().listApigwTrustedApps();
      if (ctx.json) return ctx.out.json(body);
      ctx.out.table(
        ['APP', 'TRUSTED BY', 'SINCE'],
        body.items.map((t) => [t.app, t.trustedBy, time(t.createdAt)]),
        'No trusted apps.',
      );
    },
  },
];
