// Shell completion scripts, generated from the command table (groups, their commands, each command's
// options and the global ones) each time they are asked for, so they never fall behind the CLI.
// Every name is checked to be a plain word before it goes into a script.
import type { Command, Group, OptionSpecs } from './command.ts';
import { GLOBAL_OPTIONS } from './help.ts';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

const WORD = /^-{0,2}[A-Za-z][a-z0-9-]*$/;

export function completionScript(shell: Shell, groups: Group[], version: string): string {
  return shell === 'bash' ? bashScript(groups, version) : zshScript(groups, version);
}

function bashScript(groups: Group[], version: string): string {
  const top = [...groups.map((g) => g.name), ...optionWords(GLOBAL_OPTIONS), '--version', '-V'];
  const lines = [
    `# bash completion for berth ${version}, generated from its command table.`,
    '# Load it with: source <(berth completion bash)',
    '_berth() {',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's own ${…}, not a template
    '  local cur=${COMP_WORDS[COMP_CWORD]} words=',
    '  if (( COMP_CWORD == 1 )); then',
    `    words=${quote(top)}`,
    '  else',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's own ${…}, not a template
    '    case ${COMP_WORDS[1]} in',
  ];
  for (const group of groups) {
    lines.push(`      ${word(group.name)})`);
    if (group.single) {
      lines.push(`        words=${quote(commandWords(group.commands[0]!, groups))} ;;`);
      continue;
    }
    lines.push(
      '        if (( COMP_CWORD == 2 )) && [[ $cur != -* ]]; then',
      `          words=${quote(group.commands.map((c) => c.name))}`,
      '        else',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's own ${…}, not a template
      '          case ${COMP_WORDS[2]} in',
      ...group.commands.map((c) => `            ${word(c.name)}) words=${quote(commandWords(c, groups))} ;;`),
      `            *) words=${quote(fallbackWords(group, groups))} ;;`,
      '          esac',
      '        fi ;;',
    );
  }
  lines.push(
    '    esac',
    '  fi',
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '}',
    'complete -F _berth berth',
    '',
  );
  return lines.join('\n');
}

function zshScript(groups: Group[], version: string): string {
  const lines = [
    '#compdef berth',
    `# zsh completion for berth ${version}, generated from its command table.`,
    '# Load it with: source <(berth completion zsh)  (after compinit)',
    '_berth() {',
    '  local -a choices',
    '  if (( CURRENT == 2 )); then',
    `    choices=(${groups.map((g) => described(g.name, g.summary)).join(' ')})`,
    "    _describe 'command' choices",
    `    compadd -- ${[...optionWords(GLOBAL_OPTIONS), '--version', '-V'].map(word).join(' ')}`,
    '    return',
    '  fi',
    '  case $words[2] in',
  ];
  for (const group of groups) {
    lines.push(`    ${word(group.name)})`);
    if (group.single) {
      lines.push(`      compadd -- ${commandWords(group.commands[0]!, groups).map(word).join(' ')} ;;`);
      continue;
    }
    lines.push(
      '      if (( CURRENT == 3 )) && [[ $PREFIX != -* ]]; then',
      `        choices=(${group.commands.map((c) => described(c.name, c.summary)).join(' ')})`,
      "        _describe 'command' choices",
      '      else',
      '        case $words[3] in',
      ...group.commands.map(
        (c) => `          ${word(c.name)}) compadd -- ${commandWords(c, groups).map(word).join(' ')} ;;`,
      ),
      `          *) compadd -- ${fallbackWords(group, groups).map(word).join(' ')} ;;`,
      '        esac',
      '      fi ;;',
    );
  }
  lines.push('  esac', '}', 'compdef _berth berth', '');
  return lines.join('\n');
}

/** A command's argument words, its options and the global ones, long and short. */
function commandWords(command: Command, groups: Group[]): string[] {
  return [...(command.argWords?.(groups) ?? []), ...optionWords({ ...command.options, ...GLOBAL_OPTIONS })];
}

/** After `berth GROUP --opt …` with no command named: the default command's words, or the global options. */
function fallbackWords(group: Group, groups: Group[]): string[] {
  const fallback = group.commands.find((c) => c.name === group.defaultCommand);
  return fallback ? commandWords(fallback, groups) : optionWords(GLOBAL_OPTIONS);
}

function optionWords(options: OptionSpecs): string[] {
  return Object.entries(options).flatMap(([name, spec]) => [
    `--${name}`,
    ...(spec.short ? [`-${spec.short}`] : []),
  ]);
}

function word(text: string): string {
  if (!WORD.test(text)) throw new Error(`'${text}' cannot go into a completion script`);
  return text;
}

function quote(words: string[]): string {
  return `'${words.map(word).join(' ')}'`;
}

/** `'name:summary'` for zsh's _describe, the summary single-quoted safely. */
function described(name: string, summary: string): string {
  return `'${word(name)}:${summary.replace(/'/g, "'\\''")}'`;
}
