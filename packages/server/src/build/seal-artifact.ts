// Makes a finished build's output a release tree no app can change: every file and directory
// root's, files 0644 (0755 when the build made them executable), directories 0755, and the top
// directory root:{group} 0750, so that only the environment's own identity (its group) — or the
// gateway's, for a static site — can enter it at all. Setuid/setgid bits, FIFOs, sockets and
// device files do not survive; a file with several links is copied so that no inode outside the
// tree can be reached through it.
//
// The tree was written by the build's identity, which is hostile. berthd (root) may walk it only
// because nothing can change it any more: the caller has killed every process of the build identity
// first, and the first thing done here is to make the top directory root's and closed (0700), so
// that nothing that starts as that identity later can enter. Even so every change is made through
// a descriptor opened with O_NOFOLLOW whose inode is checked against what the walk saw, and links
// are never followed. The walk yields to the event loop between directories: large trees
// (node_modules) must not stall the gateway or the API that may share berthd's process.
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { withDirectory } from '../tenants/index.ts';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = fs.constants;

/** Closes the top directory to everyone but root (0700 root:root), through a descriptor. */
export function closeTop(dir: string): void {
  withDirectory(dir, (fd) => {
    fs.fchownSync(fd, 0, 0);
    fs.fchmodSync(fd, 0o700);
  });
}

/** Opens the top directory to `gid` (0750 root:gid). */
export function openTopTo(dir: string, gid: number): void {
  withDirectory(dir, (fd) => {
    fs.fchownSync(fd, 0, gid);
    fs.fchmodSync(fd, 0o750);
  });
}

/** Seals `dir` (see the top of this file): root's, read-only, readable by group `gid` only. */
export async function sealArtifact(dir: string, gid: number): Promise<void> {
  closeTop(dir);
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    for (const entry of fs.readdirSync(current)) {
      const file = path.join(current, entry);
      const seen = fs.lstatSync(file);
      if (seen.isSymbolicLink()) {
        if (seen.uid !== 0 || seen.gid !== 0) fs.lchownSync(file, 0, 0);
      } else if (seen.isDirectory()) {
        onDescriptor(file, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, seen, (fd) => {
          fs.fchownSync(fd, 0, 0);
          fs.fchmodSync(fd, 0o755);
        });
        pending.push(file);
      } else if (seen.isFile()) {
        sealFile(file, seen);
      } else {
        fs.unlinkSync(file); // FIFOs, sockets, devices: nothing a release needs
      }
    }
    await yieldToLoop();
  }
  openTopTo(dir, gid);
}

function sealFile(file: string, seen: fs.Stats): void {
  const mode = seen.mode & 0o111 ? 0o755 : 0o644;
  if (seen.nlink > 1) {
    // Another name for this inode may be outside the tree: the tree gets a copy of its own.
    const copy = `${file}.berth-seal`;
    onDescriptor(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, seen, (fd) => {
      const out = fs.openSync(copy, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, mode);
      try {
        copyContents(fd, out);
        fs.fchmodSync(out, mode);
      } finally {
        fs.closeSync(out);
      }
    });
    fs.renameSync(copy, file);
    return;
  }
  onDescriptor(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, seen, (fd) => {
    fs.fchownSync(fd, 0, 0);
    fs.fchmodSync(fd, mode);
  });
}

/** Opens `file` and runs `fn` on the descriptor if it is still the inode `seen` describes. */
function onDescriptor(file: string, flags: number, seen: fs.Stats, fn: (fd: number) => void): void {
  const fd = fs.openSync(file, flags);
  try {
    const now = fs.fstatSync(fd);
    if (now.ino !== seen.ino || now.dev !== seen.dev) throw new Error(`${file} changed while sealing`);
    fn(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function copyContents(from: number, to: number): void {
  const buffer = Buffer.allocUnsafe(64 * 1024);
  let position = 0;
  for (;;) {
    const read = fs.readSync(from, buffer, 0, buffer.length, position);
    if (read === 0) return;
    fs.writeSync(to, buffer, 0, read);
    position += read;
  }
}

/**
 * A second release tree sharing a sealed tree's files (hard links: they are root's and read-only, so
 * sharing them is safe) with directories of its own, opened to `gid`. For a release promoted to
 * another environment, whose identity must read it and the first environment's must not.
 */
export async function cloneArtifact(from: string, to: string, gid: number): Promise<void> {
  fs.mkdirSync(to, { mode: 0o700 });
  closeTop(to);
  const pending: Array<[string, string]> = [[from, to]];
  while (pending.length > 0) {
    const [src, dst] = pending.pop()!;
    for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
      const a = path.join(src, entry.name);
      const b = path.join(dst, entry.name);
      if (entry.isSymbolicLink()) {
        fs.symlinkSync(fs.readlinkSync(a), b);
      } else if (entry.isDirectory()) {
        fs.mkdirSync(b, { mode: 0o755 });
        fs.chmodSync(b, 0o755);
        pending.push([a, b]);
      } else if (entry.isFile()) {
        fs.linkSync(a, b);
      }
    }
    await yieldToLoop();
  }
  openTopTo(to, gid);
}
