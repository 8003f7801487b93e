// The data dir's permissions when apps run as users of their own. App identities must pass through
// it to their homes (`homes/`), their sealed release trees (`releases/`) and their builds' caches
// (`tmp/`), so it and those three are 0711 (pass, never list); everything else in it (the store, secret.key, packages, logs, state) is
// closed to others. Set once at start: every entry is created root's and closed afterwards, and
// nothing here is ever opened to an app later (no lock-down sweeps while apps build or run).
import fs from 'node:fs';
import path from 'node:path';

/** Entries apps pass through on their way to what is theirs (`tmp/`: a build's cache directory). */
const PASSABLE = new Set(['homes', 'releases', 'tmp']);

/** berthd does not start on a data dir that apps (and the gateway's workers) cannot reach. */
export class DataDirClosedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly closed: readonly string[],
  ) {
    super(
      `apps and builds run as users of their own and must pass through every directory above the data ` +
        `dir ${dataDir} to reach their homes and releases, but ${closed.join(', ')} ` +
        `${closed.length === 1 ? 'is' : 'are'} closed to other users. Use a data dir they can reach ` +
        `(BERTH_DATA_DIR=/var/lib/berth, say), or let others pass through without listing: ` +
        `chmod o+x ${closed.join(' ')}`,
    );
    this.name = 'DataDirClosedError';
  }
}

/**
 * Sets the modes above; returns the directories above the data dir that others cannot pass through
 * (apps would then find neither their homes nor their releases: berthd refuses to start).
 */
export function secureDataDir(dataDir: string): string[] {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  for (const name of PASSABLE) fs.mkdirSync(path.join(dataDir, name), { recursive: true, mode: 0o711 });
  setMode(dataDir, 0o711);
  for (const entry of fs.readdirSync(dataDir)) {
    const file = path.join(dataDir, entry);
    const stat = fs.lstatSync(file);
    if (stat.isSymbolicLink()) continue;
    if (PASSABLE.has(entry)) setMode(file, 0o711);
    else if (stat.mode & 0o007) fs.chmodSync(file, stat.mode & 0o7770);
  }
  const closed: string[] = [];
  for (let dir = path.dirname(path.resolve(dataDir)); ; dir = path.dirname(dir)) {
    if ((fs.statSync(dir).mode & 0o001) === 0) closed.push(dir);
    if (dir === path.dirname(dir)) break;
  }
  return closed;
}

function setMode(dir: string, mode: number): void {
  const stat = fs.lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a directory`);
  if ((stat.mode & 0o7777) !== mode) fs.chmodSync(dir, mode);
}
