// .dockerignore, as far as Docker's own rules go for ordinary files: one pattern a line, `#`
// comments, `*` and `?` within a path segment, `**` across segments, `[…]` classes, a leading `!`
// re-includes, the last matching line wins, and a pattern that matches a directory excludes
// everything below it. The Dockerfile and .dockerignore are always sent (Docker does the same).
export interface IgnoreRule {
  negate: boolean;
  pattern: RegExp;
}

export const ALWAYS_SENT = new Set(['Dockerfile', '.dockerignore']);

export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    line = cleanPattern(line);
    if (line === '') continue;
    rules.push({ negate, pattern: patternToRegExp(line) });
  }
  return rules;
}

/** Whether a path relative to the context root (posix separators) is left out of the context. */
export function isIgnored(rules: readonly IgnoreRule[], relPath: string): boolean {
  if (ALWAYS_SENT.has(relPath)) return false;
  const candidates = prefixes(relPath);
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((c) => rule.pattern.test(c))) ignored = !rule.negate;
  }
  return ignored;
}

/** Whether some rule re-includes paths (then ignored directories must still be walked). */
export function hasExceptions(rules: readonly IgnoreRule[]): boolean {
  return rules.some((r) => r.negate);
}

/** `a/b/c` -> [`a`, `a/b`, `a/b/c`]: a pattern matching a parent directory excludes the path too. */
function prefixes(relPath: string): string[] {
  const parts = relPath.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

function cleanPattern(p: string): string {
  const parts: string[] = [];
  for (const part of p.replace(/\/+/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

export function patternToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeChar(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body}]`;
        i = end;
      }
    } else re += escapeChar(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeChar(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
