// The `--app CODE [--env stag|prod]` pair of the deploy-loop commands, and the app's public URL.
import type { BerthClient, EnvName } from '@berth/sdk';
import type { CommandContext, OptionSpecs } from '../command.ts';
import { CliError, EXIT, usageError } from '../errors.ts';
import { envName, appCode as validAppCode } from '../validate.ts';

export const APP_OPTION: OptionSpecs = {
  app: { type: 'string', short: 'a', value: 'CODE', help: 'The app (required; default: $BERTH_APP)' },
};

export const TARGET_OPTIONS: OptionSpecs = {
  ...APP_OPTION,
  env: { type: 'string', short: 'e', value: 'ENV', help: 'The environment: stag or prod (default: stag)' },
};

export const TARGET_NOTE =
  '--app is required (or the BERTH_APP environment variable); --env is stag or prod and defaults to stag.';

export interface Target {
  app: string;
  env: EnvName;
}

/** The app and environment a command acts on; a usage error without --app. */
export function target(ctx: CommandContext, usage: string): Target {
  return { app: appCode(ctx, usage), env: envName(ctx.str('env') ?? 'stag') };
}

export function appCode(ctx: CommandContext, usage: string): string {
  const app = ctx.str('app') || ctx.io.env['BERTH_APP'];
  if (!app) throw usageError(`--app CODE (or BERTH_APP) is required; usage: ${usage}`);
  return validAppCode(app);
}

/**
 * The app of a command that takes it as its argument (`berth apps info CODE`) or as --app (or
 * BERTH_APP) like the others; the argument and --app both given must agree.
 */
export function appArgument(ctx: CommandContext, usage: string): string {
  const [given] = ctx.args;
  const option = ctx.str('app');
  if (given !== undefined && option !== undefined && given !== option) {
    throw usageError(`the app is given twice, as '${given}' and as --app ${option}; give it once`);
  }
  const app = given ?? (option || ctx.io.env['BERTH_APP']);
  if (!app) throw usageError(`CODE (or --app CODE, or BERTH_APP) is required; usage: ${usage}`);
  return validAppCode(app);
}

/**
 * Where the gateway serves an environment, as the server reports it: `/t/{code}/` (stag) or
 * `/o/{code}/` (prod) on the apps origin, which is not the server's own (BERTH_APPS_URL).
 */
export async function appUrl(client: BerthClient, { app, env }: Target): Promise<string> {
  const { app: info } = await client.getApp(app);
  const url = info.envs.find((e) => e.name === env)?.url;
  if (!url) throw new CliError(`the server reports no URL for ${app}/${env}`, 'BAD_RESPONSE', EXIT.api);
  return url;
}
