// Reads one small text file of an app's source tree (a manifest, a Procfile, package.json): only a
// regular file that resolves inside the tree, only up to a size limit.
import fs from 'node:fs/promises';
import path from 'node:path';
import { manifestInvalid } from './manifest-error.ts';
import { MANIFEST_LIMITS } from './manifest-schema.ts';

/** The file's text, or undefined when it does not exist. */
export async function readTextFile(
  root: string,
  relative: string,
  maxBytes: number = MANIFEST_LIMITS.maxFileBytes,
): Promise<string | undefined> {
  const full = path.join(root, relative);
  const real = await resolveInside(root, relative);
  if (real === undefined) {
    try {
      await fs.lstat(full);
    } catch {
      return undefined;
    }
    throw manifestInvalid({ file: relative }, [], 'is a link that points outside the app');
  }
  const stat = await fs.stat(real);
  if (!stat.isFile()) throw manifestInvalid({ file: relative }, [], 'is not a regular file');
  if (stat.size > maxBytes) {
    throw manifestInvalid({ file: relative }, [], `is larger than ${Math.round(maxBytes / 1024)} KiB`);
  }
  return fs.readFile(real, 'utf8');
}

/**
 * The real path of `relative` when it exists and resolves (through any links) inside `root`;
 * undefined when it does not exist or escapes.
 */
export async function resolveInside(root: string, relative: string): Promise<string | undefined> {
  let realRoot: string;
  let real: string;
  try {
    realRoot = await fs.realpath(root);
    real = await fs.realpath(path.join(root, relative));
  } catch {
    return undefined;
  }
  return isWithin(realRoot, real) ? real : undefined;
}

export function isWithin(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export async function exists(root: string, relative: string): Promise<boolean> {
  return (await resolveInside(root, relative)) !== undefined;
}

/**
 * A relative path written in a manifest, normalised (`./public/` → `public`), or undefined when it
 * is absolute or climbs out with `..`.
 */
export function normaliseRelative(p: string): string | undefined {
  if (p.includes('\0') || path.isAbsolute(p) || p.includes('\\')) return undefined;
  const normal = path.posix.normalize(p).replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../')) return undefined;
  return normal === '' ? '.' : normal;
}
