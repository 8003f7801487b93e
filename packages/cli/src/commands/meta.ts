// berth help [COMMAND [SUB]] | completion bash|zsh   (commands about the command table itself; they
// get the table from the dispatcher when they run)
import type { Group } from '../command.ts';
import { completionScript, SHELLS, type Shell } from '../completion.ts';
import { usageError } from '../errors.ts';
import { commandHelp, groupHelp, topHelp } from '../help.ts';
import { findCommand, findGroup } from '../lookup.ts';

export function helpGroup(groups: () => Group[]): Group {
  return {
    name: 'help',
    summary: "Show help: 'berth help COMMAND [SUB]' is 'berth COMMAND [SUB] --help'",
    single: true,
    commands: [
      {
        name: 'help',
        summary: "Show the help of berth, of a command or of a subcommand (the same as '--help')",
        usage: '[COMMAND [SUB]]',
        args: [0, 2],
        argWords: (all) => all.map((g) => g.name),
        async run(ctx) {
          ctx.io.stdout.write(helpFor(groups(), ctx.args, ctx.io.version));
        },
      },
    ],
  };
}

/** The help `berth NAMES… --help` prints. */
export function helpFor(groups: Group[], names: string[], version: string): string {
  const [groupName, commandName] = names;
  if (groupName === undefined) return topHelp(groups, version);
  const group = findGroup(groups, groupName);
  if (group.single) return commandHelp(group, group.commands[0]!);
  if (commandName === undefined) return groupHelp(group);
  return commandHelp(group, findCommand(group, commandName));
}

export function completionGroup(groups: () => Group[]): Group {
  return {
    name: 'completion',
    summary: 'Print a shell completion script (bash or zsh)',
    single: true,
    commands: [
      {
        name: 'completion',
        summary: 'Print a completion script for bash or zsh, made from the commands of this berth',
        usage: 'bash|zsh',
        args: [1, 1],
        argWords: () => [...SHELLS],
        notes: [
          'bash:  source <(berth completion bash)   (or save it in ~/.local/share/bash-completion/completions/berth)',
          'zsh:   source <(berth completion zsh)    (after compinit; or save it as _berth in your $fpath)',
        ],
        async run(ctx) {
          const shell = ctx.args[0]!;
          if (!(SHELLS as readonly string[]).includes(shell)) {
            throw usageError(`unknown shell '${shell}' (shells: ${SHELLS.join(', ')})`);
          }
          ctx.io.stdout.write(completionScript(shell as Shell, groups(), ctx.io.version));
        },
      },
    ],
  };
}
