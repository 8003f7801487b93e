// Opens the file a static site serves for a request path, safely for a process that may run as
// root while the app's user can write the site's tree (a process it left behind after the build
// can swap a file or a directory for a symbolic link at any moment). The file is opened once, and
// everything is then checked on the descriptor, never again by name:
//   - the last component is opened with O_NOFOLLOW (a link there is resolved once by name and its
//     target opened the same way; the checks below catch any swap in between) and O_NONBLOCK, so
//     a FIFO cannot block the open;
//   - fstat: a regular file (a directory is served by its index, opened the same way);
//   - where the descriptor really points (`/proc/self/fd/N`) must lie inside the site root as it
//     resolved when the site was first served: links in intermediate directories are caught too;
//   - with `owner` set, the file must belong to that uid.
// Paths with a segment starting with `.` (`.env`, `.git/config`) are refused unless the site allows
// dotfiles (`.well-known` is always served), and so is the app's manifest at the top of the root
// (`berth.yaml`, `berth.yml`), which is never part of a site.
import fs from 'node:fs';
import path from 'node:path';
import type { StaticSiteSpec } from './route-model.ts';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
const OPEN_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;

/** Why a path is not served: the first two are ordinary misses, the others mean tampering. */
export type Refusal = 'not-found' | 'hidden' | 'outside-root' | 'wrong-owner' | 'not-regular';

const MANIFESTS: ReadonlySet<string> = new Set(['berth.yaml', 'berth.yml']);

export interface OpenedFile {
  /** Open for reading; the caller closes it. */
  fd: number;
  /** Where the descriptor points, inside the root. */
  realPath: string;
  size: number;
  mtimeMs: number;
  /** The path named a directory: this is its index. */
  directory: boolean;
}

export type OpenResult = { file: OpenedFile; refused?: undefined } | { file?: undefined; refused: Refusal };

const NOT_FOUND: OpenResult = Object.freeze({ refused: 'not-found' as const });

/** The path segments of a request path (after the site's prefix, query cut off), or a refusal. */
export function requestSegments(
  site: Readonly<StaticSiteSpec>,
  pathname: string,
): string[] | 'not-found' | 'hidden' {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return 'not-found';
  }
  if (decoded.includes('\0')) return 'not-found';
  const parts = decoded.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return 'not-found';
  if (parts.length === 1 && MANIFESTS.has(parts[0]!)) return 'hidden';
  if (site.dotfiles !== true) {
    for (const part of parts) if (part.startsWith('.') && part !== '.well-known') return 'hidden';
  }
  return parts;
}

function open(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.open(file, OPEN_FLAGS, (err, fd) => (err ? reject(err) : resolve(fd)));
  });
}

function fstat(fd: number): Promise<fs.Stats> {
  return new Promise((resolve, reject) => {
    fs.fstat(fd, (err, stat) => (err ? reject(err) : resolve(stat)));
  });
}

export function closeFd(fd: number): void {
  fs.close(fd, () => {});
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'ENAMETOOLONG';
}

/** Whether `real` is `root` or lies under it. */
function inside(root: string, real: string): boolean {
  if (real === root) return true;
  return real.startsWith(root.endsWith('/') ? root : `${root}/`);
}

/**
 * Opens `file` (a path under `root`, which must be a real path) without following a link in its
 * last component, or resolving such a link once and opening its target the same way.
 */
async function openInside(root: string, file: string): Promise<number | 'not-found'> {
  try {
    return await open(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOOP') {
      if (isMissing(err)) return 'not-found';
      throw err;
    }
  }
  // The last component is a link: resolve it by name, then open the target with O_NOFOLLOW; the
  // descriptor's checks decide whether it counts.
  const target = await fs.promises.realpath(file).catch(() => undefined);
  if (target === undefined || !inside(root, target)) return 'not-found';
  try {
    return await open(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP' || isMissing(err)) return 'not-found';
    throw err;
  }
}

/**
 * Opens what a request path names under a site whose root resolved to `root` (a real path). Never
 * leaves a descriptor open unless it returns it.
 */
export async function openStaticFile(
  site: Readonly<StaticSiteSpec>,
  root: string,
  pathname: string,
): Promise<OpenResult> {
  const parts = requestSegments(site, pathname);
  if (typeof parts === 'string') return { refused: parts };
  let file = path.join(root, ...parts);
  for (let round = 0; round < 2; round++) {
    const fd = await openInside(root, file);
    if (fd === 'not-found') return NOT_FOUND;
    let keep = false;
    try {
      const real = await fs.promises.readlink(`/proc/self/fd/${fd}`);
      if (!inside(root, real)) return { refused: 'outside-root' };
      const stat = await fstat(fd);
      if (stat.isDirectory()) {
        if (round > 0) return NOT_FOUND;
        file = path.join(real, site.index);
        continue;
      }
      if (!stat.isFile()) return { refused: 'not-regular' };
      if (site.owner !== undefined && stat.uid !== site.owner) return { refused: 'wrong-owner' };
      keep = true;
      return {
        file: { fd, realPath: real, size: stat.size, mtimeMs: stat.mtimeMs, directory: round > 0 },
      };
    } finally {
      if (!keep) closeFd(fd);
    }
  }
  return NOT_FOUND;
}
