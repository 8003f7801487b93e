// Writes checked entries below a fresh root directory and remembers what it wrote, so it can refuse
// duplicates, files where directories are (or the reverse), and anything below a symlink, without
// ever asking the filesystem to follow a link: files are created with O_EXCL | O_NOFOLLOW, and a
// path is only written when every parent is a directory this writer made itself.
import { constants } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { packageError } from './package-error.ts';

type Kind = 'file' | 'directory' | 'symlink';

interface Node {
  kind: Kind;
  /** False for a directory created only because an entry lies below it. */
  explicit: boolean;
  /** Bytes of a regular file. */
  size?: number;
}

const FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export class TreeWriter {
  readonly #root: string;
  readonly #nodes = new Map<string, Node>();
  #files = 0;
  #bytes = 0;

  constructor(root: string) {
    this.#root = root;
  }

  /** Regular files written. */
  get files(): number {
    return this.#files;
  }

  /** Bytes written to regular files. */
  get bytes(): number {
    return this.#bytes;
  }

  async directory(parts: string[], entry: string): Promise<void> {
    if (parts.length === 0) return; // "./", the archive's own root
    await this.#parents(parts, entry);
    const key = parts.join('/');
    const existing = this.#nodes.get(key);
    if (existing?.kind === 'directory' && !existing.explicit) {
      existing.explicit = true; // listed after its contents, as some writers do
      return;
    }
    this.#claim(key, 'directory', entry);
    await this.#mkdir(key, entry);
  }

  /** Writes the body chunk by chunk; only the owner-executable bit of `mode` is kept (0o755/0o644). */
  async file(parts: string[], mode: number, body: AsyncIterable<Buffer>, entry: string): Promise<void> {
    const key = await this.#prepare(parts, 'file', entry);
    let handle: FileHandle;
    try {
      handle = await fs.open(this.#full(key), FILE_FLAGS, 0o600);
    } catch (err) {
      throw fsError(err, entry);
    }
    let size = 0;
    try {
      for await (const chunk of body) {
        await writeAll(handle, chunk);
        size += chunk.length;
      }
      await handle.chmod(mode & 0o100 ? 0o755 : 0o644);
    } finally {
      await handle.close();
    }
    this.#nodes.get(key)!.size = size;
    this.#bytes += size;
    this.#files++;
  }

  /** The size of the regular file at `target`, written earlier by this writer; a hard link must name one. */
  fileSize(target: string[], entry: string): number {
    const node = this.#nodes.get(target.join('/'));
    if (node?.kind !== 'file' || node.size === undefined) {
      throw packageError('PACKAGE_LINK_UNSAFE', 'a hard link must name a file listed before it', entry);
    }
    return node.size;
  }

  /**
   * A hard link, written as a copy of the file at `target` (checked by fileSize()): separate files
   * keep the tree free of shared inodes. The source is a regular file this writer created below
   * directories it made itself, so copying it follows no link.
   */
  async copy(parts: string[], target: string[], entry: string): Promise<void> {
    const size = this.fileSize(target, entry);
    const key = await this.#prepare(parts, 'file', entry);
    try {
      await fs.copyFile(this.#full(target.join('/')), this.#full(key), constants.COPYFILE_EXCL);
    } catch (err) {
      throw fsError(err, entry);
    }
    this.#nodes.get(key)!.size = size;
    this.#bytes += size;
    this.#files++;
  }

  /** `target` must have been checked by linkTarget(). */
  async symlink(parts: string[], target: string, entry: string): Promise<void> {
    const key = await this.#prepare(parts, 'symlink', entry);
    try {
      await fs.symlink(target, this.#full(key));
    } catch (err) {
      throw fsError(err, entry);
    }
  }

  /** The name of the single top-level directory that holds everything, if there is one. */
  singleRoot(): string | undefined {
    const top = new Set<string>();
    for (const key of this.#nodes.keys()) top.add(key.split('/')[0]!);
    if (top.size !== 1) return undefined;
    const [name] = top as Set<string>;
    return this.#nodes.get(name!)?.kind === 'directory' ? name : undefined;
  }

  get isEmpty(): boolean {
    return this.#nodes.size === 0;
  }

  async #prepare(parts: string[], kind: Kind, entry: string): Promise<string> {
    if (parts.length === 0) throw packageError('PACKAGE_PATH_UNSAFE', `a ${kind} entry has no name`, entry);
    await this.#parents(parts, entry);
    const key = parts.join('/');
    this.#claim(key, kind, entry);
    return key;
  }

  async #parents(parts: string[], entry: string): Promise<void> {
    for (let i = 1; i < parts.length; i++) {
      const key = parts.slice(0, i).join('/');
      const node = this.#nodes.get(key);
      if (node?.kind === 'directory') continue;
      if (node?.kind === 'symlink') {
        throw packageError(
          'PACKAGE_LINK_UNSAFE',
          `the entry would be written through the symlink ${key}`,
          entry,
        );
      }
      if (node?.kind === 'file') {
        throw packageError('PACKAGE_PATH_CONFLICT', `the entry lies below the file ${key}`, entry);
      }
      this.#nodes.set(key, { kind: 'directory', explicit: false });
      await this.#mkdir(key, entry);
    }
  }

  #claim(key: string, kind: Kind, entry: string): void {
    const existing = this.#nodes.get(key);
    if (existing) {
      const what = existing.kind === kind ? 'a duplicate entry' : `a ${kind} where a ${existing.kind} is`;
      throw packageError('PACKAGE_PATH_CONFLICT', what, entry);
    }
    this.#nodes.set(key, { kind, explicit: true });
  }

  async #mkdir(key: string, entry: string): Promise<void> {
    const full = this.#full(key);
    try {
      await fs.mkdir(full, { mode: 0o755 });
      await fs.chmod(full, 0o755); // exact, whatever the umask
    } catch (err) {
      throw fsError(err, entry);
    }
  }

  #full(key: string): string {
    return path.join(this.#root, key);
  }
}

async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/** Filesystem refusals that a hostile name can cause become package errors; others pass through. */
function fsError(err: unknown, entry: string): unknown {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'EEXIST': // e.g. names that differ only in case on a case-insensitive filesystem
      return packageError('PACKAGE_PATH_CONFLICT', 'the path exists already', entry);
    case 'ELOOP':
      return packageError('PACKAGE_LINK_UNSAFE', 'the entry would be written through a symlink', entry);
    case 'ENAMETOOLONG':
    case 'EILSEQ':
      return packageError('PACKAGE_PATH_UNSAFE', 'the filesystem refuses the name', entry);
    default:
      return err;
  }
}
