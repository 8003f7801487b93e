// Finding a command group and a command by the name typed, with "did you mean …" when it is unknown.
// The dispatcher and `berth help` look names up here, so both say the same.
import type { Command, Group } from './command.ts';
import { usageError } from './errors.ts';
import { didYouMean } from './suggest.ts';

export function findGroup(groups: Group[], name: string): Group {
  const group = groups.find((g) => g.name === name);
  if (group) return group;
  const hint = didYouMean(
    name,
    groups.map((g) => g.name),
    (n) => `berth ${n}`,
  );
  throw usageError(`unknown command '${name}'${hint || '; see berth --help'}`);
}

export function findCommand(group: Group, name: string): Command {
  const command = group.commands.find((c) => c.name === name);
  if (command) return command;
  const hint = didYouMean(
    name,
    group.commands.map((c) => c.name),
    (n) => `berth ${group.name} ${n}`,
  );
  throw usageError(
    `unknown command 'berth ${group.name} ${name}'${hint || `; see berth ${group.name} --help`}`,
  );
}
