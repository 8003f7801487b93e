// How much of the disk the data directory takes, for the platform status: the file system's free and
// total space (statfs), and the space the directory's files use, by walking it.
//
// The walk runs as berthd, often root, through trees apps can write (their homes, their releases'
// build output): it only reads sizes and treats every name in those trees as hostile. Directories
// are opened with O_NOFOLLOW | O_DIRECTORY and listed and entered through their descriptor
// (/proc/self/fd/N), so a directory swapped for a link mid-walk is never followed out of the tree;
// entries are looked at with lstat (a link counts as itself). A file with several links counts once.
// Walking a large tree takes a while: it runs in the background at most once per `maxAgeMs`, and a
// reader gets the last measurement at once (only the very first read waits for one).
import fs from 'node:fs';
import type { Logger } from '../logger.ts';

export interface DataDirUsage {
  path: string;
  usedBytes: number;
  freeBytes: number;
  totalBytes: number;
  /** When the measurement ended (epoch ms). */
  measuredAt: number;
}

export interface DataDirMeter {
  /** The last measurement; starts a new one in the background when it is older than `maxAgeMs`. */
  read(): Promise<DataDirUsage>;
}

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;
const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
/** Entries looked at in parallel within one directory. */
const BATCH = 64;
/** Directories deeper than this count by their own size only (each level holds a descriptor open). */
const MAX_DEPTH = 64;

export function createDataDirMeter(deps: {
  dir: string;
  logger: Logger;
  maxAgeMs?: number;
  now?: () => number;
}): DataDirMeter {
  const maxAgeMs = deps.maxAgeMs ?? 60_000;
  const now = deps.now ?? Date.now;
  let last: DataDirUsage | undefined;
  let running: Promise<DataDirUsage> | undefined;

  function measure(): Promise<DataDirUsage> {
    running ??= (async () => {
      try {
        const [space, usedBytes] = await Promise.all([fs.promises.statfs(deps.dir), walkedBytes(deps.dir)]);
        last = {
          path: deps.dir,
          usedBytes,
          freeBytes: space.bavail * space.bsize,
          totalBytes: space.blocks * space.bsize,
          measuredAt: now(),
        };
        return last;
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  return {
    async read() {
      if (last === undefined) return measure();
      if (now() - last.measuredAt >= maxAgeMs) {
        measure().catch((err: unknown) =>
          deps.logger.warn({ err, dir: deps.dir }, 'the data directory could not be measured'),
        );
      }
      return last;
    },
  };
}

/** Disk space used by `dir` and everything under it (allocated blocks; each inode once). */
export async function walkedBytes(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;

  function count(stat: fs.Stats): void {
    if (stat.nlink > 1 && !stat.isDirectory()) {
      const key = `${stat.dev}:${stat.ino}`;
      if (seen.has(key)) return;
      seen.add(key);
    }
    total += typeof stat.blocks === 'number' ? stat.blocks * 512 : stat.size;
  }

  async function walk(handle: fs.promises.FileHandle, depth: number): Promise<void> {
    const self = `/proc/self/fd/${handle.fd}`;
    let names: string[];
    try {
      names = await fs.promises.readdir(self);
    } catch {
      return; // unreadable: counted by its own size only
    }
    const subdirs: string[] = [];
    for (let i = 0; i < names.length; i += BATCH) {
      const batch = names.slice(i, i + BATCH);
      const stats = await Promise.all(
        batch.map((name) => fs.promises.lstat(`${self}/${name}`).catch(() => null)),
      );
      stats.forEach((stat, j) => {
        if (stat === null) return; // gone meanwhile
        count(stat);
        if (stat.isDirectory() && depth < MAX_DEPTH) subdirs.push(batch[j]!);
      });
    }
    for (const name of subdirs) {
      const child = await fs.promises.open(`${self}/${name}`, DIR_FLAGS).catch(() => null);
      if (child === null) continue; // gone, or no longer a directory (a link is not opened)
      try {
        await walk(child, depth + 1);
      } finally {
        await child.close();
      }
    }
  }

  const root = await fs.promises.open(dir, DIR_FLAGS);
  try {
    count(await root.stat());
    await walk(root, 0);
  } finally {
    await root.close();
  }
  return total;
}
