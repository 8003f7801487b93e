// Packs an app's directory into the gzip tar `berth deploy` uploads. Which files go in is decided by
// @berth/sdk/package-rules (shared with the console's folder deploy): `.gitignore` files (the root
// one and nested ones, each relative to its own directory, deeper rules winning, `!` negation
// included) and a root `.berthignore` (same syntax); `.git/` and `.berth/` always left out.
// Symlinks are kept as links when they stay inside the directory and refused otherwise. The output
// is deterministic: sorted entries, fixed times, no owners, so the same tree gives the same bytes.
import fs from 'node:fs';
import path from 'node:path';
import {
  ALWAYS_EXCLUDED,
  enterDirectory,
  type IgnoreLevel,
  isIgnored,
  rootIgnoreLevels,
} from '@berth/sdk/package-rules';
import { create } from 'tar';
import { CliError, EXIT } from './errors.ts';

/** Every entry gets this modification time, so packing twice gives the same bytes. */
const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

export interface PackResult {
  /** The `.tar.gz` bytes. */
  data: Uint8Array;
  /** Regular files and symlinks packed (directories not counted). */
  fileCount: number;
  /** The paths packed, relative to the directory, `/`-separated, sorted; directories end in `/`. */
  entries: string[];
}

export async function packDirectory(dir: string): Promise<PackResult> {
  const root = path.resolve(dir);
  const stat = fs.statSync(root, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) throw packError(`${dir} is not a directory`);
  const realRoot = fs.realpathSync(root);

  const entries: string[] = [];
  let fileCount = 0;

  const walk = (rel: string, levels: readonly IgnoreLevel[]) => {
    const abs = path.join(root, rel);
    const here = rel === '' ? levels : enterDirectory(levels, rel, readIfFile(path.join(abs, '.gitignore')));
    const names = fs.readdirSync(abs).sort();
    for (const name of names) {
      if (ALWAYS_EXCLUDED.has(name)) continue;
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const childAbs = path.join(abs, name);
      const lstat = fs.lstatSync(childAbs);
      const isDir = lstat.isDirectory();
      if (isIgnored(here, childRel, isDir)) continue;
      if (isDir) {
        entries.push(`${childRel}/`);
        walk(childRel, here);
      } else if (lstat.isSymbolicLink()) {
        checkSymlink(realRoot, root, childAbs, childRel);
        entries.push(childRel);
        fileCount++;
      } else if (lstat.isFile()) {
        entries.push(childRel);
        fileCount++;
      }
      // Sockets, FIFOs and devices are not app source: left out.
    }
  };
  walk(
    '',
    rootIgnoreLevels((name) => readIfFile(path.join(root, name))),
  );
  if (fileCount === 0) throw packError(`nothing to deploy: ${dir} has no files (after the ignore files)`);

  const stream = create(
    {
      cwd: root,
      gzip: true,
      portable: true,
      noDirRecurse: true,
      mtime: FIXED_MTIME,
    },
    // `./` first: tar would read a name starting with `@` as an archive to append.
    entries.map((e) => `./${e}`),
  );
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return { data: new Uint8Array(Buffer.concat(chunks)), fileCount, entries };
}

/** Refuses a link whose target is absolute or lies outside the packed directory. */
function checkSymlink(realRoot: string, root: string, abs: string, rel: string): void {
  const target = fs.readlinkSync(abs);
  const refuse = () => {
    throw packError(`symlink ${rel} points outside the directory (to ${target}); replace it with a copy`);
  };
  if (path.isAbsolute(target)) refuse();
  const resolved = path.resolve(path.dirname(abs), target);
  if (!within(root, resolved)) refuse();
  // Through other links the real target may still leave the directory.
  let real: string | undefined;
  try {
    real = fs.realpathSync(abs);
  } catch {
    real = undefined; // dangling: harmless, the lexical check above holds
  }
  if (real !== undefined && !within(realRoot, real)) refuse();
}

function within(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

function readIfFile(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function packError(message: string): CliError {
  return new CliError(message, 'PACK_REFUSED', EXIT.api);
}
