// berth apps create | list | info | update | delete | secret | members
import { checkPlacement, type Deploy } from '@berth/sdk';
import type { CommandContext, Group } from '../command.ts';
import { CliError, EXIT, usageError } from '../errors.ts';
import { noWait, sayHowToFollow, watchDeploy } from '../follow-deploy.ts';
import { errorText, time } from '../output.ts';
import { APP_CODE_RULE, appCode } from '../validate.ts';
import { FOLLOW_OPTION } from './deploy.ts';
import { confirm, LIMIT_OPTION, listItems, YES_OPTION } from './shared.ts';
import { APP_OPTION, appArgument } from './target.ts';

const APP_ARGUMENT_NOTE = 'The app is CODE, or --app CODE, or else $BERTH_APP.';

export const appsGroup: Group = {
  name: 'apps',
  summary: 'Create, list, change and delete apps; their secret and developers',
  commands: [
    {
      name: 'create',
      summary: 'Create an app (with its stag and prod environments) and print its secret',
      usage: 'CODE --name NAME [--description TEXT] [--logo-url URL] [--json]',
      args: [1, 1],
      options: {
        name: { type: 'string', value: 'NAME', help: 'Display name (required)' },
        description: { type: 'string', value: 'TEXT', help: 'What the app is for' },
        'logo-url': { type: 'string', value: 'URL', help: 'http(s) URL of a logo' },
      },
      notes: [`CODE: ${APP_CODE_RULE} (it cannot be changed later).`],
      async run(ctx) {
        const name = ctx.str('name');
        if (name === undefined)
          throw usageError('--name is required; usage: berth apps create CODE --name NAME');
        const description = ctx.str('description');
        const logoUrl = ctx.str('logo-url');
        const created = await ctx.client().createApp({
          code: appCode(ctx.args[0]!),
          name,
          ...(description !== undefined && { description }),
          ...(logoUrl !== undefined && { logoUrl }),
        });
        if (ctx.json) return ctx.out.json(created);
        ctx.out.line(`Created app ${created.app.code} (${created.app.name}).`);
        ctx.out.line(`App secret: ${created.secret}`);
        ctx.out.note(`Keep it safe; 'berth apps secret ${created.app.code}' shows it again.`);
      },
    },
    {
      name: 'list',
      summary: 'List the apps you can see',
      usage: '[--limit N] [--json]',
      args: [0, 0],
      options: LIMIT_OPTION,
      async run(ctx) {
        const client = ctx.client();
        const body = { apps: await listItems(ctx, 'apps', (p) => client.listApps(p)) };
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['CODE', 'NAME', 'MEMBERS', 'CREATED BY', 'CREATED'],
          body.apps.map((a) => [a.code, a.name, a.members.join(','), a.createdBy, time(a.createdAt)]),
          'No apps.',
        );
      },
    },
    {
      name: 'info',
      summary: 'Show an app',
      usage: 'CODE|--app CODE [--json]',
      args: [0, 1],
      options: APP_OPTION,
      notes: [APP_ARGUMENT_NOTE],
      async run(ctx) {
        const code = appArgument(ctx, 'berth apps info CODE');
        const body = await ctx.client().getApp(code);
        if (ctx.json) return ctx.out.json(body);
        const { app } = body;
        ctx.out.fields([
          ['Code', app.code],
          ['Name', app.name],
          ['Description', app.description],
          ['Logo', app.logoUrl],
          ['Created', `${time(app.createdAt)} by ${app.createdBy}`],
          ['Updated', time(app.updatedAt)],
          ['Members', app.members.join(', ') || '(none)'],
          ['Placement', app.placement.length ? app.placement.join(', ') : undefined],
          ...app.envs.map((e): [string, string] => [
            `Env ${e.name}`,
            `${e.varCount} config var${e.varCount === 1 ? '' : 's'}${e.url ? `, ${e.url}` : ''}`,
          ]),
        ]);
      },
    },
    {
      name: 'update',
      summary: "Change an app's name, description, logo or placement",
      usage:
        'CODE|--app CODE [--name NAME] [--description TEXT] [--logo-url URL|""] [--placement C …|--no-placement] [--json]',
      args: [0, 1],
      notes: [
        APP_ARGUMENT_NOTE,
        'Placement (admins and operators): Swarm constraints on the nodes that may run the app, each',
        'KEY==VALUE or KEY!=VALUE (node.id, node.hostname, node.role, node.platform.os,',
        'node.platform.arch, node.labels.NAME, engine.labels.NAME), e.g. --placement node.labels.zone==a.',
        'The given list replaces the old one; it applies from the next deploy or restart of each env.',
      ],
      options: {
        ...APP_OPTION,
        name: { type: 'string', value: 'NAME', help: 'New display name' },
        description: { type: 'string', value: 'TEXT', help: 'New description' },
        'logo-url': { type: 'string', value: 'URL', help: 'New logo URL ("" removes the logo)' },
        placement: {
          type: 'string',
          value: 'C',
          multiple: true,
          help: 'A placement constraint (repeat for more; "" alone clears them)',
        },
        'no-placement': { type: 'boolean', help: 'Remove every placement constraint' },
      },
      async run(ctx) {
        const code = appArgument(ctx, 'berth apps update CODE [--name NAME] …');
        const name = ctx.str('name');
        const description = ctx.str('description');
        const logoUrl = ctx.str('logo-url');
        const placement = placementOption(ctx);
        if (name === undefined && description === undefined && logoUrl === undefined && !placement) {
          throw usageError('nothing to change; give --name, --description, --logo-url or --placement');
        }
        const body = await ctx.client().updateApp(code, {
          ...(name !== undefined && { name }),
          ...(description !== undefined && { description }),
          ...(logoUrl !== undefined && { logoUrl: logoUrl === '' ? null : logoUrl }),
          ...(placement && { placement }),
        });
        if (ctx.json) return ctx.out.json(body);
        ctx.out.line(`Updated app ${body.app.code}.`);
        if (!placement) return;
        const now = body.app.placement;
        ctx.out.line(now.length ? `Placement: ${now.join(', ')}` : 'Placement: none (any node)');
        ctx.out.note(
          `The placement applies from the next deploy or restart of each environment ('berth restart --app ${code}').`,
        );
      },
    },
    {
      name: 'delete',
      summary: 'Delete an app with its environments, config and members',
      usage: 'CODE|--app CODE --yes [--json]',
      args: [0, 1],
      options: { ...APP_OPTION, ...YES_OPTION },
      notes: [
        APP_ARGUMENT_NOTE,
        'Without --yes the app code is asked for on a terminal; elsewhere the command refuses.',
      ],
      async run(ctx) {
        const code = appArgument(ctx, 'berth apps delete CODE --yes');
        await confirm(ctx, `Delete app ${code} with its environments and config`, code);
        await ctx.client().deleteApp(code);
        if (ctx.json) return ctx.out.json({ deleted: { app: code } });
        ctx.out.line(`Deleted app ${code}.`);
      },
    },
    {
      name: 'secret',
      summary: "Print an app's secret, or replace it with a new one",
      usage: 'CODE [--rotate [--no-wait]] [--json]',
      args: [1, 1],
      options: {
        rotate: { type: 'boolean', help: 'Generate a new secret; the old one stops working at once' },
        ...FOLLOW_OPTION,
      },
      notes: [
        '--rotate restarts every environment of the app that runs instances (new instances get the new',
        'secret) and follows those restarts; it exits 1 if one fails.',
      ],
      async run(ctx) {
        const code = appCode(ctx.args[0]!);
        const client = ctx.client();
        if (!ctx.flag('rotate')) {
          const body = await client.getAppSecret(code);
          if (ctx.json) return ctx.out.json(body);
          return ctx.out.line(body.secret);
        }
        const body = await client.rotateAppSecret(code);
        await reportRotation(ctx, code, body.secret, body.deploys);
      },
    },
    {
      name: 'limits',
      summary: "Show an app's instance ceiling, or set it (admins)",
      usage: 'CODE [--max-instances N | --default] [--json]',
      args: [1, 1],
      options: {
        'max-instances': {
          type: 'string',
          value: 'N',
          help: "Instances the app's environments may run together (admins only)",
        },
        default: { type: 'boolean', help: 'Return the app to the platform default (admins only)' },
      },
      notes: ['The platform default is BERTH_MAX_INSTANCES_PER_APP (20 unless set).'],
      async run(ctx) {
        const code = appCode(ctx.args[0]!);
        const raw = ctx.str('max-instances');
        if (raw !== undefined && ctx.flag('default')) {
          throw usageError('--max-instances and --default exclude each other');
        }
        if (raw !== undefined && !/^[1-9]\d{0,5}$/.test(raw)) {
          throw usageError(`--max-instances needs a whole number from 1 ('${raw}' is not)`);
        }
        const client = ctx.client();
        const body =
          raw !== undefined || ctx.flag('default')
            ? await client.setAppLimits(code, { maxInstances: raw === undefined ? null : Number(raw) })
            : await client.getAppLimits(code);
        if (ctx.json) return ctx.out.json(body);
        const { limits } = body;
        ctx.out.line(
          `${code} may run ${limits.maxInstances} instances, its environments together${limits.platformDefault ? ' (the platform default)' : ''}.`,
        );
      },
    },
    {
      name: 'members',
      summary: "List an app's developers, or add or remove one",
      usage: 'CODE [add USER | remove USER] [--limit N] [--json]',
      args: [1, 3],
      options: LIMIT_OPTION,
      async run(ctx) {
        const [raw, action, username] = ctx.args as [string, string?, string?];
        const code = appCode(raw);
        if (action !== undefined && (username === undefined || (action !== 'add' && action !== 'remove'))) {
          throw usageError('usage: berth apps members CODE [add USER | remove USER]');
        }
        const client = ctx.client();
        if (action === undefined || username === undefined) {
          const body = { members: await listItems(ctx, 'members', (p) => client.listMembers(code, p)) };
          if (ctx.json) return ctx.out.json(body);
          return ctx.out.table(
            ['USERNAME', 'NAME', 'ADDED'],
            body.members.map((m) => [m.username, m.displayName, time(m.addedAt)]),
            `No members in ${code}.`,
          );
        }
        if (action === 'add') {
          // The server answers the same for unknown users (no user enumeration): say what was asked.
          await client.addMember(code, { username });
          if (ctx.json) return ctx.out.json({ app: code, added: username });
          ctx.out.line(`Asked to add ${username} to ${code}; berth apps members ${code} lists the members.`);
        } else {
          await client.removeMember(code, username);
          if (ctx.json) return ctx.out.json({ app: code, removed: username });
          ctx.out.line(`Removed ${username} from ${code}.`);
        }
      },
    },
  ],
};

/**
 * After a rotation: prints the new secret and follows the restarts of the environments that ran
 * instances with the old one. A restart that fails leaves instances with a secret that no longer works.
 */
/** The placement `--placement` (repeated) or `--no-placement` asks for, checked with the server's
 *  rules; undefined when neither is given. */
function placementOption(ctx: CommandContext): string[] | undefined {
  const given = ctx.strs('placement');
  if (ctx.flag('no-placement')) {
    if (given.length) throw usageError('--placement and --no-placement exclude each other');
    return [];
  }
  if (given.length === 0) return undefined;
  if (given.length === 1 && given[0] === '') return [];
  const checked = checkPlacement(given);
  if ('problem' in checked) throw usageError(`--placement: ${checked.problem}`);
  return checked.placement;
}

async function reportRotation(
  ctx: CommandContext,
  code: string,
  secret: string,
  deploys: Deploy[],
): Promise<void> {
  const envs = deploys.map((d) => d.env).join(' and ');
  if (!ctx.json) {
    ctx.out.line(secret);
    ctx.out.note(`The previous secret of ${code} no longer works.`);
    ctx.out.note(
      deploys.length === 0
        ? `No environment of ${code} runs instances; nothing to restart.`
        : `Restarting ${envs} so that no instance keeps the old secret.`,
    );
  }
  if (deploys.length === 0 || noWait(ctx)) {
    if (ctx.json) return ctx.out.json({ secret, deploys });
    for (const deploy of deploys) sayHowToFollow(ctx, deploy);
    return;
  }
  const finished: Deploy[] = [];
  for (const deploy of deploys) finished.push(await watchDeploy(ctx, ctx.client(), deploy));
  if (ctx.json) ctx.out.json({ secret, deploys: finished });
  const failed = finished.filter((d) => d.status !== 'succeeded');
  if (failed.length === 0) {
    if (!ctx.json) ctx.out.line(`Restarted ${envs}: every instance of ${code} has the new secret.`);
    return;
  }
  const which = failed.map(
    (d) => `${d.env} (deploy ${d.id} ${d.status}: ${d.error ? errorText(d.error) : 'no reason given'})`,
  );
  throw new CliError(
    `the secret was rotated, but restarting ${which.join('; ')} did not succeed: instances there still hold the old secret, which no longer works. Restart them with 'berth restart --app ${code} --env ENV'`,
    'DEPLOY_FAILED',
    EXIT.api,
  );
}
