// Which files of an app's directory go into a deploy package: the rules the CLI's `berth deploy`
// (packages/cli/src/pack.ts, reading the disk) and the console's folder deploy (package-plan.ts,
// reading the browser's file list) share, so that both pack the same files. `.gitignore` files (the
// root one and nested ones, each relative to its own directory, the deepest opinion winning, `!`
// included) and a root `.berthignore` are honoured; `.git/` and `.berth/` are always left out, at
// any depth. Pure: the callers read the ignore files and hand their texts in (no node: imports, so
// the console's bundle can use it; a subpath export keeps TypeBox out of that bundle).
import ignore, { type Ignore } from 'ignore';

/** Never packed, at any depth, whatever the ignore files say. */
export const ALWAYS_EXCLUDED: ReadonlySet<string> = new Set(['.git', '.berth']);
/** The root's ignore files, in the order they are read. */
export const ROOT_IGNORE_FILES = ['.gitignore', '.berthignore'] as const;

/** The rules of one directory's ignore files. */
export interface IgnoreLevel {
  /** The directory the rules are relative to, `/`-separated relative to the root ('' for it). */
  base: string;
  rules: Ignore;
}

/** The root's level, from its ignore files' texts (`read` gives undefined for a missing file). */
export function rootIgnoreLevels(read: (name: string) => string | undefined): IgnoreLevel[] {
  const rules = ignore();
  for (const name of ROOT_IGNORE_FILES) {
    const text = read(name);
    if (text !== undefined) rules.add(text);
  }
  return [{ base: '', rules }];
}

/**
 * The levels that apply inside directory `rel` (not the root): the parent's, plus the directory's
 * own `.gitignore` when it has one (`gitignore` is its text).
 */
export function enterDirectory(
  levels: readonly IgnoreLevel[],
  rel: string,
  gitignore: string | undefined,
): readonly IgnoreLevel[] {
  return gitignore === undefined ? levels : [...levels, { base: rel, rules: ignore().add(gitignore) }];
}

/** Git's rule: the deepest `.gitignore` that has an opinion about the path decides. */
export function isIgnored(levels: readonly IgnoreLevel[], rel: string, isDir: boolean): boolean {
  let ignored = false;
  for (const { base, rules } of levels) {
    const local = base === '' ? rel : rel.slice(base.length + 1);
    const result = rules.test(isDir ? `${local}/` : local);
    if (result.ignored) ignored = true;
    else if (result.unignored) ignored = false;
  }
  return ignored;
}
