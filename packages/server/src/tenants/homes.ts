// Home directories of run identities: `{dataDir}/homes/{name}`, 0700 and owned by the identity, in
// a root-owned directory that others may pass through but not list. A home is the one place an
// app's instances may write; it is named after the identity (never the app's code), so an app
// created again with an old code never finds the old app's files.
//
// berthd is root and the home is the app's: berthd only ever acts on the home directory itself
// through a descriptor opened with O_NOFOLLOW, and removes the contents *as the identity* (`rm`
// with the identity's uid), so a link planted inside leads nowhere the app could not reach anyway.
import fs from 'node:fs';
import path from 'node:path';
import { runAsIdentity } from './run-as.ts';

const O_DIR = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW;

export function homesDir(dataDir: string): string {
  return path.join(dataDir, 'homes');
}

export function homeOf(dataDir: string, name: string): string {
  return path.join(homesDir(dataDir), name);
}

/** Creates the home (when missing) and makes it the identity's, mode 0700; returns its path. */
export function ensureHome(dataDir: string, identity: { name: string; uid: number }): string {
  const parent = homesDir(dataDir);
  fs.mkdirSync(parent, { recursive: true, mode: 0o711 });
  const home = homeOf(dataDir, identity.name);
  try {
    fs.mkdirSync(home, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  withDirectory(home, (fd, stat) => {
    if (stat.uid !== identity.uid || stat.gid !== identity.uid) fs.fchownSync(fd, identity.uid, identity.uid);
    if ((stat.mode & 0o7777) !== 0o700) fs.fchmodSync(fd, 0o700);
  });
  return home;
}

/**
 * Removes the home of an identity whose processes are all gone: its contents as the identity, then
 * (the directory now root's and closed) whatever that left, and the directory.
 */
export async function removeHome(dataDir: string, identity: { name: string; uid: number }): Promise<void> {
  const home = homeOf(dataDir, identity.name);
  if (!fs.existsSync(home)) return;
  await removeAs(identity.uid, home);
  withDirectory(home, (fd) => {
    fs.fchownSync(fd, 0, 0);
    fs.fchmodSync(fd, 0o700);
  });
  fs.rmSync(home, { recursive: true, force: true });
}

/** Runs `fn` on a descriptor of `dir`, which must be a real directory (not a link to one). */
export function withDirectory(dir: string, fn: (fd: number, stat: fs.Stats) => void): void {
  const fd = fs.openSync(dir, O_DIR);
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isDirectory()) throw new Error(`${dir} is not a directory`);
    fn(fd, stat);
  } finally {
    fs.closeSync(fd);
  }
}

/** `rm -rf` of `target` with the privileges of uid/gid `uid` (it cannot remove `target` itself:
 *  its parent is root's; that is left to the caller). */
function removeAs(uid: number, target: string): Promise<void> {
  return runAsIdentity(uid, ['rm', '-rf', '--one-file-system', '--', target]);
}
