// The directories an instance uses, and who may enter them when berthd runs as root with one Unix
// user per app:
//
//   {dataDir}/                      0711 root   app users may pass through, never list
//   {dataDir}/apps/                 0711 root
//   {dataDir}/apps/{code}/          0700 berth-{code}   the app's runtime dir
//   {dataDir}/apps/{code}/{env}/    0700 berth-{code}   writable data dir, HOME of the instances
//   artifact dirs                   0750/0640 root:berth-{code}   readable by the app only, never writable
//
// Making a directory traversable exposes every entry in it whose "other" bits allow access, so each
// directory on an opened path is swept: entries that are not themselves on an opened path lose their
// "other" permission bits (files such as the SQLite store and secret.key end up 0600/0640 at most).
// Artifacts outside the data dir are not touched: their parents must be traversable already.
import fs from 'node:fs';
import path from 'node:path';
import type { EnvName } from '@berth/sdk';

export interface AppDirs {
  /** The app's runtime dir. */
  appDir: string;
  /** Writable data dir of the app environment; HOME of its instances. */
  home: string;
}

export function appDirPaths(dataDir: string, app: string, env: EnvName): AppDirs {
  const appDir = path.join(dataDir, 'apps', app);
  return { appDir, home: path.join(appDir, env) };
}

/** Creates the app's runtime and data dirs, owned by `owner` (when isolating) with mode 0700. */
export function prepareAppDirs(
  dataDir: string,
  app: string,
  env: EnvName,
  owner: { uid: number; gid: number } | undefined,
): AppDirs {
  const dirs = appDirPaths(dataDir, app, env);
  fs.mkdirSync(path.dirname(dirs.appDir), { recursive: true, mode: owner ? 0o711 : 0o700 });
  for (const dir of [dirs.appDir, dirs.home]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (owner) {
      const stat = fs.lstatSync(dir);
      if (!stat.isDirectory()) throw new Error(`${dir} is not a directory`);
      if (stat.uid !== owner.uid || stat.gid !== owner.gid) fs.chownSync(dir, owner.uid, owner.gid);
      if ((stat.mode & 0o777) !== 0o700) fs.chmodSync(dir, 0o700);
    }
  }
  return dirs;
}

/**
 * Gives the artifact to the app's group, read-only: directories 0750, executables 0750, other files
 * 0640, owner unchanged (berthd). Symlinks are re-grouped but not followed. Skipped when the top
 * directory shows it was done already.
 */
export function prepareArtifact(artifactDir: string, gid: number): void {
  const top = fs.lstatSync(artifactDir);
  if (!top.isDirectory()) throw new Error(`${artifactDir} is not a directory`);
  if (top.gid === gid && (top.mode & 0o777) === 0o750) return;
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      const stat = fs.lstatSync(file);
      fs.lchownSync(file, stat.uid, gid);
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        fs.chmodSync(file, 0o750);
        walk(file);
      } else {
        fs.chmodSync(file, stat.mode & 0o100 ? 0o750 : 0o640);
      }
    }
  };
  walk(artifactDir);
  // The top directory last: it is the "done" marker.
  fs.chownSync(artifactDir, top.uid, gid);
  fs.chmodSync(artifactDir, 0o750);
}

/**
 * Makes `dataDir`, `dataDir/apps` and every ancestor of `openPaths` inside the data dir traversable
 * (0711-style: `x` for group and others, no `r`), and removes the "other" bits of every sibling on
 * those levels that is not on an opened path.
 */
export function lockDownDataDir(dataDir: string, openPaths: Iterable<string>): void {
  const root = path.resolve(dataDir);
  const traversable = new Set<string>([root, path.join(root, 'apps')]);
  const opened = new Set<string>();
  for (const raw of openPaths) {
    const target = path.resolve(raw);
    if (!isInside(root, target)) continue;
    opened.add(target);
    for (let dir = path.dirname(target); isInside(root, dir); dir = path.dirname(dir)) {
      traversable.add(dir);
      if (dir === root) break;
    }
  }
  for (const dir of traversable) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(dir);
    } catch {
      continue;
    }
    if (!stat.isDirectory()) continue;
    const wanted = (stat.mode & 0o700) | 0o011;
    if ((stat.mode & 0o777) !== wanted) fs.chmodSync(dir, wanted);
    for (const entry of fs.readdirSync(dir)) {
      const file = path.join(dir, entry);
      if (traversable.has(file) || opened.has(file)) continue;
      const child = fs.lstatSync(file);
      if (child.isSymbolicLink() || (child.mode & 0o007) === 0) continue;
      fs.chmodSync(file, child.mode & 0o7770);
    }
  }
}

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root + path.sep);
}
