// berth config [list] | set | get | unset   (config vars of one app environment)
import { type ConfigChangeResponse, type Deploy, type EnvName, SECRET_MASK } from '@berth/sdk';
import type { CommandContext, Group } from '../command.ts';
import { usageError } from '../errors.ts';
import { followDeploy, noWait } from '../follow-deploy.ts';
import { time, truncate } from '../output.ts';
import { assignments, configName } from '../validate.ts';
import { FOLLOW_NOTE, FOLLOW_OPTION } from './deploy.ts';
import { LIMIT_OPTION, listItems } from './shared.ts';
import { target as appTarget, TARGET_NOTE, TARGET_OPTIONS } from './target.ts';

const CHANGE_NOTES = [
  TARGET_NOTE,
  'When the environment runs a release, the change is deployed (a new release with the same build)',
  'and followed to its end. If that deploy fails, the new values stay stored but do not run.',
  FOLLOW_NOTE,
];

export const configGroup: Group = {
  name: 'config',
  summary: "Read and change an app environment's config vars",
  defaultCommand: 'list',
  notes: [
    TARGET_NOTE,
    "'berth config --app CODE --env ENV' alone lists the vars.",
    `Secret vars are stored encrypted and shown as ${SECRET_MASK} unless revealed.`,
  ],
  commands: [
    {
      name: 'list',
      summary: 'List the config vars (secret values masked)',
      usage: '--app CODE [--env stag|prod] [--limit N] [--json]',
      args: [0, 0],
      options: { ...TARGET_OPTIONS, ...LIMIT_OPTION },
      notes: [TARGET_NOTE],
      async run(ctx) {
        const { app, env } = target(ctx);
        const client = ctx.client();
        const body = { vars: await listItems(ctx, 'vars', (p) => client.getConfig(app, env, p)) };
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['NAME', 'VALUE', 'SECRET', 'UPDATED', 'BY'],
          body.vars.map((v) => [
            v.name,
            truncate(v.value, 60),
            v.secret ? 'yes' : '',
            time(v.updatedAt),
            v.updatedBy,
          ]),
          `No config vars in ${app}/${env}.`,
        );
      },
    },
    {
      name: 'set',
      summary: 'Set one or more vars in one change',
      usage: 'KEY=VALUE... --app CODE [--env stag|prod] [--secret | --plain] [--no-wait] [--json]',
      args: [1, Number.POSITIVE_INFINITY],
      options: {
        ...TARGET_OPTIONS,
        secret: { type: 'boolean', help: 'Store the values encrypted and mask them when listed' },
        plain: { type: 'boolean', help: 'Store them as plain vars (also makes secret vars plain)' },
        ...FOLLOW_OPTION,
      },
      notes: [
        ...CHANGE_NOTES,
        'Without --secret or --plain a var keeps its current kind (new vars are plain).',
      ],
      async run(ctx) {
        const { app, env } = target(ctx);
        if (ctx.flag('secret') && ctx.flag('plain'))
          throw usageError('--secret and --plain exclude each other');
        const secret = ctx.flag('secret') ? true : ctx.flag('plain') ? false : undefined;
        const set = assignments(ctx.args).map(([name, value]) =>
          secret === undefined ? { name, value } : { name, value, secret },
        );
        const names = set.map((s) => s.name);
        const client = ctx.client();
        const body = await client.updateConfig(app, env, { set });
        await reportChange(ctx, client, body, `Set ${names.join(', ')} in ${app}/${env}`, {
          app,
          env,
          retry: `berth config set ${names.map((n) => `${n}=…`).join(' ')}`,
          revert: `set the previous values again, or 'berth config unset NAME' for a var that is new`,
        });
      },
    },
    {
      name: 'get',
      summary: "Print one var's value",
      usage: 'KEY --app CODE [--env stag|prod] [--reveal] [--json]',
      args: [1, 1],
      options: {
        ...TARGET_OPTIONS,
        reveal: { type: 'boolean', help: "Show a secret var's value (recorded in the audit log)" },
      },
      notes: [TARGET_NOTE],
      async run(ctx) {
        const { app, env } = target(ctx);
        const name = configName(ctx.args[0]!);
        const body = await ctx.client().getConfigVar(app, env, name, { reveal: ctx.flag('reveal') });
        if (ctx.json) return ctx.out.json(body);
        ctx.out.line(body.var.value);
        if (body.var.secret && !ctx.flag('reveal')) ctx.out.note('(a secret var; --reveal shows its value)');
      },
    },
    {
      name: 'unset',
      summary: 'Remove one or more vars in one change',
      usage: 'KEY... --app CODE [--env stag|prod] [--no-wait] [--json]',
      args: [1, Number.POSITIVE_INFINITY],
      options: { ...TARGET_OPTIONS, ...FOLLOW_OPTION },
      notes: CHANGE_NOTES,
      async run(ctx) {
        const { app, env } = target(ctx);
        const unset = [...new Set(ctx.args.map(configName))];
        const client = ctx.client();
        const body = await client.updateConfig(app, env, { unset });
        await reportChange(ctx, client, body, `Unset ${unset.join(', ')} in ${app}/${env}`, {
          app,
          env,
          retry: `berth config unset ${unset.join(' ')}`,
          revert: `set ${unset.length === 1 ? 'it' : 'them'} again with 'berth config set'`,
        });
      },
    },
  ],
};

/**
 * Says what a config change did and follows the deploy it started. A failed deploy leaves the new
 * values stored but not running: the error says so, and how to retry or revert.
 */
async function reportChange(
  ctx: CommandContext,
  client: ReturnType<CommandContext['client']>,
  body: ConfigChangeResponse,
  what: string,
  how: { app: string; env: EnvName; retry: string; revert: string },
): Promise<void> {
  const { deploy, vars } = body;
  if (!deploy) {
    if (ctx.json) return ctx.out.json(body);
    ctx.out.line(`${what}.`);
    return;
  }
  const where = `--app ${how.app} --env ${how.env}`;
  await followDeploy(ctx, client, deploy, (d: Deploy) => `${what}; v${d.release} runs with it.`, {
    json: (d) => ({ vars, deploy: d }),
    // berthd's error says "stored but not running" itself; an older one may not.
    advice: (d) =>
      `${d.error?.message.includes('stored but not running') ? '' : 'The new config is stored but not running. '}` +
      `${how.app}/${how.env} still runs with the previous values. ` +
      `Retry with '${how.retry} ${where}' once the cause is fixed, or revert: ${how.revert}`,
  });
  if (noWait(ctx) && !ctx.json) ctx.out.line(`${what}; the new values run once that deploy succeeds.`);
}

function target(ctx: CommandContext): { app: string; env: EnvName } {
  return appTarget(ctx, 'berth config … --app CODE [--env stag|prod]');
}
