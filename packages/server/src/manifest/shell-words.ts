// Splits a command line into argv the way a POSIX shell splits words (quotes and backslashes), and
// refuses everything else a shell would do with it: pipes, lists, redirections, substitutions,
// variables, globs, comments and leading VAR=value assignments. Nothing is ever run through a shell,
// so such a command would silently mean something else; the caller is told to write
// ["sh", "-c", "…"] when a shell is really wanted.

export type SplitResult =
  | { ok: true; argv: string[]; assignments: Array<[string, string]> }
  | { ok: false; kind: 'syntax' | 'unsafe'; reason: string };

export interface SplitOptions {
  /** Keep leading `NAME=value` words apart (package.json scripts); otherwise they are refused. */
  allowAssignments?: boolean;
}

const OPERATORS: Record<string, string> = {
  '|': 'a pipe (|)',
  '&': 'a background or && list (&)',
  ';': 'a command list (;)',
  '<': 'a redirection (<)',
  '>': 'a redirection (>)',
  '(': 'a subshell (()',
  ')': 'a subshell ())',
  '`': 'command substitution (`…`)',
};
const GLOBS: Record<string, string> = { '*': 'a glob (*)', '?': 'a glob (?)', '[': 'a glob ([)' };
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function splitCommand(line: string, options: SplitOptions = {}): SplitResult {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quotedAny = false;
  // For each word: was its `=` (if any) outside quotes, before any quote? (VAR=value detection)
  let bareAssignment = false;
  const flags: boolean[] = [];
  const unsafe = (reason: string): SplitResult => ({ ok: false, kind: 'unsafe', reason });

  const endWord = () => {
    if (!inWord) return;
    words.push(word);
    flags.push(bareAssignment);
    word = '';
    inWord = false;
    quotedAny = false;
    bareAssignment = false;
  };

  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      endWord();
      continue;
    }
    if (c === '\n' || c === '\r') return unsafe('a line break (one command per line)');
    if (c === '\\') {
      if (i + 1 >= line.length) return { ok: false, kind: 'syntax', reason: 'it ends with a lone backslash' };
      const next = line[++i]!;
      if (next === '\n') continue; // line continuation
      word += next;
      inWord = true;
      continue;
    }
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { ok: false, kind: 'syntax', reason: 'a single quote is not closed' };
      word += line.slice(i + 1, end);
      inWord = true;
      quotedAny = true;
      i = end;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      for (; ; j++) {
        if (j >= line.length) return { ok: false, kind: 'syntax', reason: 'a double quote is not closed' };
        const d = line[j]!;
        if (d === '"') break;
        if (d === '\\' && j + 1 < line.length && '\\"$`\n'.includes(line[j + 1]!)) {
          if (line[j + 1] !== '\n') word += line[j + 1];
          j++;
          continue;
        }
        if (d === '`') return unsafe(OPERATORS['`']!);
        if (d === '$' && j + 1 < line.length && /[A-Za-z_{(0-9@*#?$!-]/.test(line[j + 1]!)) {
          return unsafe(dollarReason(line[j + 1]!));
        }
        word += d;
      }
      inWord = true;
      quotedAny = true;
      i = j;
      continue;
    }
    if (Object.hasOwn(OPERATORS, c)) return unsafe(OPERATORS[c]!);
    if (c === '$' && i + 1 < line.length && /[A-Za-z_{(0-9@*#?$!'"-]/.test(line[i + 1]!)) {
      return unsafe(dollarReason(line[i + 1]!));
    }
    if (Object.hasOwn(GLOBS, c)) return unsafe(`${GLOBS[c]}; quote it if you mean the character`);
    if (!inWord && c === '#') return unsafe('a comment (#)');
    if (!inWord && c === '~') return unsafe('home directory expansion (~)');
    if (c === '=' && !quotedAny && NAME.test(word) && !bareAssignment) bareAssignment = true;
    word += c;
    inWord = true;
  }
  endWord();

  const assignments: Array<[string, string]> = [];
  let first = 0;
  while (first < words.length && flags[first]) {
    const w = words[first]!;
    const eq = w.indexOf('=');
    if (!options.allowAssignments) {
      return unsafe(`a variable assignment (${w.slice(0, eq)}=…); set variables under env: instead`);
    }
    assignments.push([w.slice(0, eq), w.slice(eq + 1)]);
    first++;
  }
  const argv = words.slice(first);
  if (argv.length === 0) return { ok: false, kind: 'syntax', reason: 'the command is empty' };
  return { ok: true, argv, assignments };
}

function dollarReason(next: string): string {
  if (next === '(') return 'command substitution ($(…))';
  if (next === "'" || next === '"') return "a $-quoted string ($'…')";
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the text shows the shell's syntax
  if (next === '{') return 'a variable (${…}); the app receives its variables in its environment';
  return 'a variable ($…); the app receives its variables in its environment';
}
