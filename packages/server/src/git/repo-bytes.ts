// How much disk a repository's objects take, for the size limit of mirrors and hosted repositories.
// Walks `objects/` by lstat and never follows a symlink (berthd runs as root: a link planted in a
// repository must not make it count, or touch, anything outside).
import fs from 'node:fs/promises';
import path from 'node:path';

/** Bytes of the regular files under `{gitDir}/objects` (packs, loose objects, a fetch's temporary
 *  pack while it grows); 0 when there is no such directory. */
export async function repoBytes(gitDir: string): Promise<number> {
  return treeBytes(path.join(gitDir, 'objects'));
}

async function treeBytes(dir: string): Promise<number> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    // Gone meanwhile (git removed a temporary directory, or the repository is not there).
    if (
      (err as NodeJS.ErrnoException).code === 'ENOENT' ||
      (err as NodeJS.ErrnoException).code === 'ENOTDIR'
    ) {
      return 0;
    }
    throw err;
  }
  let total = 0;
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    // Dirent types come from readdir without following links: a symlink is neither a file nor a directory.
    if (entry.isDirectory()) {
      total += await treeBytes(full);
    } else if (entry.isFile()) {
      total += await fileBytes(full);
    }
  }
  return total;
}

async function fileBytes(file: string): Promise<number> {
  try {
    return (await fs.lstat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}
