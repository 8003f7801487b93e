// The dispatcher: finds the command group and command in argv, parses the options the command
// declares (plus the global ones) with node:util parseArgs, runs it, and turns any error into the
// one-line message and exit code of errors.ts.
import { parseArgs } from 'node:util';
import type { Command, Group, Io, OptionSpecs } from './command.ts';
import { apigwGroup } from './commands/apigw.ts';
import { appsGroup } from './commands/apps.ts';
import { auditGroup } from './commands/audit.ts';
import { loginGroup, logoutGroup, passwdGroup, whoamiGroup } from './commands/auth.ts';
import { buildsGroup } from './commands/builds.ts';
import { channelsGroup } from './commands/channels.ts';
import { configGroup } from './commands/config.ts';
import { approveGroup, refuseGroup } from './commands/decide.ts';
import { deployGroup } from './commands/deploy.ts';
import { deploysGroup } from './commands/deploys.ts';
import { certsGroup, domainsGroup } from './commands/domains.ts';
import { gitGroup } from './commands/git.ts';
import { jobsGroup } from './commands/jobs.ts';
import { logsGroup } from './commands/logs.ts';
import { completionGroup, helpGroup } from './commands/meta.ts';
import { nodesGroup } from './commands/nodes.ts';
import { notificationsGroup } from './commands/notifications.ts';
import { openGroup } from './commands/open.ts';
import { permissionsGroup, policyGroup } from './commands/policy.ts';
import { psGroup, restartGroup, scaleGroup, startGroup, stopGroup } from './commands/processes.ts';
import { promoteGroup, releasesGroup, rollbackGroup } from './commands/releases.ts';
import { requestsGroup } from './commands/requests.ts';
import { runGroup } from './commands/run.ts';
import { sourcesGroup } from './commands/sources.ts';
import { tokensGroup } from './commands/tokens.ts';
import { trafficGroup } from './commands/traffic.ts';
import { usersGroup } from './commands/users.ts';
import { webhooksGroup } from './commands/webhooks.ts';
import { createContext, type OptionValues } from './context.ts';
import { EXIT, reportError, usageError, withHint } from './errors.ts';
import { commandHelp, GLOBAL_OPTIONS, groupHelp, topHelp } from './help.ts';
import { findCommand, findGroup } from './lookup.ts';
import { didYouMean } from './suggest.ts';
import { interrupted, restoreTerminal } from './terminal.ts';

export const GROUPS: Group[] = [
  loginGroup,
  logoutGroup,
  whoamiGroup,
  passwdGroup,
  appsGroup,
  configGroup,
  deployGroup,
  deploysGroup,
  releasesGroup,
  rollbackGroup,
  promoteGroup,
  buildsGroup,
  sourcesGroup,
  gitGroup,
  webhooksGroup,
  domainsGroup,
  certsGroup,
  apigwGroup,
  requestsGroup,
  approveGroup,
  refuseGroup,
  policyGroup,
  permissionsGroup,
  scaleGroup,
  psGroup,
  restartGroup,
  stopGroup,
  startGroup,
  logsGroup,
  trafficGroup,
  runGroup,
  openGroup,
  notificationsGroup,
  usersGroup,
  tokensGroup,
  jobsGroup,
  channelsGroup,
  auditGroup,
  nodesGroup,
  helpGroup(() => GROUPS),
  completionGroup(() => GROUPS),
];

/**
 * Runs the CLI with `argv` (without `node berth.js`) and resolves to the exit code. When
 * `io.interrupt` aborts (Ctrl-C), it resolves to 130 at once, whatever the command was doing, and
 * leaves the terminal as it found it.
 */
export async function run(argv: string[], io: Io): Promise<number> {
  const signal = io.interrupt;
  let unlisten = () => {};
  const onInterrupt = new Promise<never>((_, reject) => {
    if (!signal) return;
    // A command that stops on the signal itself ends with its own words (a deploy goes on, say);
    // one that does not is cut off a moment later.
    const abort = () => setImmediate(() => reject(interrupted()));
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    unlisten = () => signal.removeEventListener('abort', abort);
  });
  try {
    const code = await Promise.race([dispatch(argv, io), onInterrupt]);
    // A command that ended quietly on the signal (a log stream closed by it) was interrupted too.
    if (signal?.aborted) throw interrupted();
    return code ?? EXIT.ok;
  } catch (err) {
    return reportError(err, io.stderr);
  } finally {
    unlisten();
    restoreTerminal(io.stdin);
  }
}

async function dispatch(argv: string[], io: Io): Promise<number | undefined> {
  const groupAt = firstPositional(argv, GLOBAL_OPTIONS);
  if (groupAt < 0) {
    if (argv.includes('--version') || argv.includes('-V')) {
      io.stdout.write(`berth ${io.version}\n`);
      return;
    }
    if (argv.includes('--help') || argv.includes('-h')) {
      io.stdout.write(topHelp(GROUPS, io.version));
      return;
    }
    io.stderr.write(topHelp(GROUPS, io.version));
    throw usageError('no command given; see berth --help');
  }
  const group = findGroup(GROUPS, argv[groupAt]!);
  const rest = without(argv, groupAt);

  let command: Command | undefined;
  let args = rest;
  if (group.single) {
    command = group.commands[0]!;
  } else {
    const at = firstPositional(rest, groupOptions(group));
    const name = at >= 0 ? rest[at]! : undefined;
    if (name !== undefined) {
      command = findCommand(group, name);
      args = without(rest, at);
    } else if (group.defaultCommand && !hasHelp(rest)) {
      command = group.commands.find((c) => c.name === group.defaultCommand);
    }
    if (!command) {
      if (hasHelp(rest)) {
        io.stdout.write(groupHelp(group));
        return;
      }
      io.stderr.write(groupHelp(group));
      throw usageError(`berth ${group.name} needs a command`);
    }
  }

  const name = group.single ? group.name : `${group.name} ${command.name}`;
  const options = { ...command.options, ...GLOBAL_OPTIONS };
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: toParseArgs(options), allowPositionals: true, strict: true }) as {
      values: OptionValues;
      positionals: string[];
    };
  } catch (err) {
    const message = (err as Error).message.split(/\.\s|\n/)[0];
    const unknown = /^Unknown option '--([^'=]+)'/.exec(message ?? '')?.[1];
    const hint = unknown === undefined ? '' : didYouMean(unknown, Object.keys(options), (n) => `--${n}`);
    throw usageError(`${message}${hint || `; see berth ${name} --help`}`);
  }
  if (parsed.values['help'] === true) {
    io.stdout.write(commandHelp(group, command));
    return;
  }
  const [min, max] = command.args;
  const count = parsed.positionals.length;
  if (count < min || count > max) {
    const problem = count < min ? 'missing arguments' : `unexpected argument '${parsed.positionals[max]}'`;
    throw usageError(`${problem}; usage: berth ${name} ${command.usage}`);
  }
  const ctx = createContext(io, parsed.values, parsed.positionals);
  try {
    await command.run(ctx);
  } catch (err) {
    const { hints } = command;
    throw hints ? withHint(err, () => hints(ctx)) : err;
  }
  return ctx.exitCode;
}

/** Index of the first argument that is neither an option nor an option's value; -1 if none. */
function firstPositional(argv: string[], options: OptionSpecs): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (!arg.startsWith('-') || arg === '-') return i;
    if (arg.includes('=')) continue;
    const name = arg.slice(2);
    const spec = arg.startsWith('--')
      ? Object.hasOwn(options, name)
        ? options[name]
        : undefined
      : Object.values(options).find((o) => o.short === arg.slice(1));
    if (spec?.type === 'string') i++;
  }
  return -1;
}

/** Every option of a group's commands, so their values are not taken for a command name. */
function groupOptions(group: Group): OptionSpecs {
  return Object.assign({}, GLOBAL_OPTIONS, ...group.commands.map((c) => c.options ?? {}));
}

function hasHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

function without(list: string[], index: number): string[] {
  return [...list.slice(0, index), ...list.slice(index + 1)];
}

function toParseArgs(options: OptionSpecs) {
  const result: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(options)) {
    result[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  return result;
}
