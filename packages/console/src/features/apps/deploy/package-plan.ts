// Which files of a directory picked in the browser go into the package: the rules of the CLI's
// `berth deploy` (@berth/sdk/package-rules, which packages/cli/src/pack.ts uses too), applied to the
// browser's flat file list. The ignore files are read by the caller (File.text()) and handed in, so
// this is a pure function of names and texts.
import {
  ALWAYS_EXCLUDED,
  enterDirectory,
  type IgnoreLevel,
  isIgnored,
  rootIgnoreLevels,
} from '@berth/sdk/package-rules';

export interface PlannedPackage<T> {
  /** Directories (with a trailing `/`) and files in packing order: sorted, a directory before its contents. */
  entries: ({ type: 'directory'; path: string } | { type: 'file'; path: string; file: T })[];
  fileCount: number;
}

interface Dir<T> {
  dirs: Map<string, Dir<T>>;
  files: Map<string, T>;
}

/**
 * The relative path of a picked file below the picked directory: `webkitRelativePath` starts with
 * the directory's own name ("shop/src/app.js" → "src/app.js").
 */
export function pathBelowRoot(webkitRelativePath: string): string {
  const slash = webkitRelativePath.indexOf('/');
  return slash === -1 ? webkitRelativePath : webkitRelativePath.slice(slash + 1);
}

/** The files whose text the plan needs: every `.gitignore` and the root `.berthignore`. */
export function isIgnoreFile(path: string): boolean {
  return path === '.berthignore' || path === '.gitignore' || path.endsWith('/.gitignore');
}

/**
 * Plans the package of `files` (relative paths → the caller's file objects), given the texts of
 * the ignore files among them (`ignoreTexts`: relative path → text).
 */
export function planPackage<T>(
  files: ReadonlyMap<string, T>,
  ignoreTexts: ReadonlyMap<string, string>,
): PlannedPackage<T> {
  const root: Dir<T> = { dirs: new Map(), files: new Map() };
  for (const [path, file] of files) {
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.length === 0 || parts.includes('..')) continue;
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      let next = dir.dirs.get(part);
      if (!next) {
        next = { dirs: new Map(), files: new Map() };
        dir.dirs.set(part, next);
      }
      dir = next;
    }
    dir.files.set(parts[parts.length - 1] as string, file);
  }

  const plan: PlannedPackage<T> = { entries: [], fileCount: 0 };
  const walk = (dir: Dir<T>, rel: string, levels: readonly IgnoreLevel[]) => {
    const here = rel === '' ? levels : enterDirectory(levels, rel, ignoreTexts.get(`${rel}/.gitignore`));
    const names = [...new Set([...dir.dirs.keys(), ...dir.files.keys()])].sort(compareNames);
    for (const name of names) {
      if (ALWAYS_EXCLUDED.has(name)) continue;
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const sub = dir.dirs.get(name);
      if (sub) {
        if (isIgnored(here, childRel, true)) continue;
        plan.entries.push({ type: 'directory', path: `${childRel}/` });
        walk(sub, childRel, here);
      } else {
        const file = dir.files.get(name) as T;
        if (isIgnored(here, childRel, false)) continue;
        plan.entries.push({ type: 'file', path: childRel, file });
        plan.fileCount += 1;
      }
    }
  };
  walk(
    root,
    '',
    rootIgnoreLevels((name) => ignoreTexts.get(name)),
  );
  return plan;
}

/** Sorted as Node's `Array.prototype.sort` sorts the CLI's names (UTF-16 code units). */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
