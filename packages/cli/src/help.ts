// Help texts, rendered from the command declarations.
import type { Command, Group, OptionSpecs } from './command.ts';

/** Options every command accepts. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  server: { type: 'string', value: 'URL', help: 'Talk to this server instead of the stored one' },
  json: { type: 'boolean', help: "Print the API's JSON instead of tables" },
  help: { type: 'boolean', short: 'h', help: 'Show help' },
};

const EXIT_CODES = [
  'Exit codes: 0 ok, 1 the server refused or failed the request, 2 usage error,',
  '            3 not logged in (or the token is no longer valid), 4 server unreachable, 130 Ctrl-C.',
];

export function topHelp(groups: Group[], version: string): string {
  const width = Math.max(...groups.map((g) => g.name.length)) + 2;
  return [
    `berth ${version}: the command line of Berth, the private-cloud application platform`,
    '',
    'Usage: berth <command> [options]',
    '',
    'Commands:',
    ...groups.map((g) => `  ${g.name.padEnd(width)}${g.summary}`),
    '',
    'Options:',
    ...optionLines(GLOBAL_OPTIONS),
    '  -V, --version       Show the version',
    '',
    'Credentials are stored in $XDG_CONFIG_HOME/berth/config.json (default ~/.config/berth/config.json).',
    'BERTH_URL and BERTH_TOKEN override the stored server and token (for scripts and CI).',
    ...EXIT_CODES,
    '',
    "Run 'berth <command> --help' (or 'berth help <command>') for more.",
    '',
  ].join('\n');
}

export function groupHelp(group: Group): string {
  if (group.single) return commandHelp(group, group.commands[0]!);
  const usages = group.commands.map((c) => `berth ${group.name} ${c.name}${c.usage ? ` ${c.usage}` : ''}`);
  return [
    `Usage: berth ${group.name} <command> [options]`,
    '',
    `${group.summary}.`,
    '',
    'Commands:',
    ...group.commands.flatMap((c, i) => [`  ${usages[i]}`, `      ${c.summary}`]),
    ...(group.notes?.length ? ['', ...group.notes] : []),
    '',
    `Run 'berth ${group.name} <command> --help' for a command's options.`,
    '',
  ].join('\n');
}

export function commandHelp(group: Group, command: Command): string {
  const name = group.single ? group.name : `${group.name} ${command.name}`;
  return [
    `Usage: berth ${name}${command.usage ? ` ${command.usage}` : ''}`,
    '',
    `${command.summary}.`,
    ...(command.notes?.length ? ['', ...command.notes] : []),
    '',
    'Options:',
    ...optionLines({ ...command.options, ...GLOBAL_OPTIONS }),
    '',
  ].join('\n');
}

function optionLines(options: OptionSpecs): string[] {
  const heads = Object.entries(options).map(([name, spec]) => {
    const long = `--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
    return spec.short ? `-${spec.short}, ${long}` : `    ${long}`;
  });
  const width = Math.max(18, ...heads.map((h) => h.length)) + 2;
  return Object.values(options).map((spec, i) => `  ${heads[i]!.padEnd(width)}${spec.help}`);
}
