// The artifact starts as a copy of the source tree (links copied as they are: the unpacker only lets
// through links that stay inside the tree). Builds never write into the uploaded tree.
import fs from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../errors.ts';

/** Refuses an output directory that holds anything (it is not the build's to overwrite or remove). */
export async function checkOutputDir(sourceDir: string, outDir: string): Promise<void> {
  const entries = await fs.readdir(outDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (entries !== undefined && entries.length > 0) {
    throw new BerthError('INTERNAL', `build output directory ${outDir} is not empty`);
  }
  const from = path.resolve(sourceDir);
  const to = path.resolve(outDir);
  if (to === from || to.startsWith(`${from}${path.sep}`)) {
    throw new BerthError('INTERNAL', 'the build output directory must be outside the source tree');
  }
}

export async function copySource(sourceDir: string, outDir: string): Promise<void> {
  const from = path.resolve(sourceDir);
  const to = path.resolve(outDir);
  await fs.mkdir(path.dirname(to), { recursive: true });
  await fs.cp(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, force: false });
}

/** Hands a tree to the app's user (without following links). */
export async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await fs.lchown(dir, uid, gid);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(full, uid, gid);
    else await fs.lchown(full, uid, gid);
  }
}
