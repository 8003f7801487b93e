// Turns an uploaded package (.tar.gz or .tar, told apart by magic bytes) into a directory tree, or
// refuses it with a PACKAGE_* code and leaves nothing behind. The tree is built in a sibling
// `<dest>.partial-<random>` directory and renamed into place only when the whole archive was good.
// Every limit is enforced while streaming, before the bytes concerned are written.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { BerthError, isBerthError } from '../errors.ts';
import { ByteReader } from './byte-reader.ts';
import { entryParts, linkTarget } from './entry-path.ts';
import { packageError } from './package-error.ts';
import { peek } from './peek.ts';
import { TarReader } from './tar-reader.ts';
import { TreeWriter } from './tree-writer.ts';
import { RATIO_GRACE_BYTES, resolveLimits, type UnpackLimits } from './unpack-limits.ts';

export interface UnpackOptions {
  limits?: Partial<UnpackLimits>;
  signal?: AbortSignal;
  /** The archive's root is the source root even when one directory holds everything (a git tree:
   *  a repository with only `app/` in it builds from its root, as a clone would). */
  keepRoot?: boolean;
}

export interface UnpackResult {
  /** Regular files written. */
  files: number;
  /** Bytes written to regular files. */
  bytes: number;
  /** Absolute path of the source root: `dest`, or `dest/<dir>` when one top-level directory holds
   *  everything (unless `keepRoot`). */
  root: string;
}

/** Inflated bytes allowed beyond the file data, for headers and padding (per entry) and a tail. */
const HEADER_ALLOWANCE = 4096;
const TAIL_ALLOWANCE = 1024 * 1024;

/**
 * Unpacks `input` into `dest`, which must not exist yet (its parent must). The input is consumed
 * and destroyed on failure. Throws a BerthError with a PACKAGE_* code for a refused package, the
 * signal's reason when aborted, and filesystem errors (disk full...) as they are.
 */
export async function unpackPackage(
  input: Readable,
  dest: string,
  opts: UnpackOptions = {},
): Promise<UnpackResult> {
  const limits = resolveLimits(opts.limits);
  const target = path.resolve(dest);
  const partial = `${target}.partial-${crypto.randomBytes(8).toString('hex')}`;
  let created = false;
  try {
    opts.signal?.throwIfAborted();
    if (await exists(target)) throw new BerthError('INTERNAL', `unpack destination ${target} exists already`);
    await fs.mkdir(partial, { mode: 0o700 });
    created = true;
    const tree = new TreeWriter(partial);
    await extract(input, tree, limits, opts.signal);
    await fs.chmod(partial, 0o755);
    // rename() would silently replace an empty directory that appeared meanwhile.
    if (await exists(target)) throw new BerthError('INTERNAL', `unpack destination ${target} exists already`);
    await fs.rename(partial, target);
    const single = opts.keepRoot ? undefined : tree.singleRoot();
    return { files: tree.files, bytes: tree.bytes, root: single ? path.join(target, single) : target };
  } catch (err) {
    input.destroy();
    if (created) await fs.rm(partial, { recursive: true, force: true });
    throw translate(err);
  }
}

async function extract(
  input: Readable,
  tree: TreeWriter,
  limits: UnpackLimits,
  signal: AbortSignal | undefined,
): Promise<void> {
  const head = await peek(input, 2, signal);
  const gunzip = head[0] === 0x1f && head[1] === 0x8b ? zlib.createGunzip() : null;
  const maxInflated = limits.maxTotalBytes + limits.maxFiles * HEADER_ALLOWANCE + TAIL_ALLOWANCE;
  let inflated = 0;
  // Runs on every inflated chunk before the tar reader sees it, so a bomb stops within one chunk.
  const guard = (bytes: number): void => {
    inflated += bytes;
    if (inflated > maxInflated) {
      throw packageError('PACKAGE_TOO_LARGE', `it inflates to more than ${maxInflated} bytes`);
    }
    if (
      gunzip &&
      inflated >= RATIO_GRACE_BYTES &&
      inflated > gunzip.bytesWritten * limits.maxCompressionRatio
    ) {
      throw packageError('PACKAGE_RATIO_EXCEEDED', `it inflates more than ${limits.maxCompressionRatio}:1`);
    }
  };
  const run = async (source: AsyncIterable<unknown>): Promise<void> => {
    const reader = new ByteReader(source, guard, signal);
    await unpackEntries(new TarReader(reader, limits.maxPathLength), tree, limits, signal);
    // Read to the end, so gzip's CRC is checked and trailing junk is bounded.
    let tail = 0;
    for (let chunk = await reader.chunk(65536); chunk; chunk = await reader.chunk(65536)) {
      tail += chunk.length;
      if (tail > TAIL_ALLOWANCE) throw packageError('PACKAGE_INVALID', 'data after the end of the archive');
    }
  };
  // The caller removes the partial tree once this returns, so it must not return while the sink may
  // still write. The sink always settles (every read also ends on abort or on a stream error), so
  // wait for it rather than for the pipeline, whose teardown could wait on a stuck input.
  let sinkDone: Promise<void> = Promise.resolve();
  const sink = (source: AsyncIterable<unknown>): Promise<void> => {
    sinkDone = run(source);
    return sinkDone;
  };
  const options = signal ? { signal } : {};
  const piped = gunzip ? pipeline(input, gunzip, sink, options) : pipeline(input, sink, options);
  piped.catch(() => {}); // seen through sinkDone, or awaited below
  await sinkDone;
  await piped;
}

async function unpackEntries(
  tar: TarReader,
  tree: TreeWriter,
  limits: UnpackLimits,
  signal: AbortSignal | undefined,
): Promise<void> {
  let entries = 0;
  let declaredBytes = 0;
  for (let entry = await tar.next(); entry; entry = await tar.next()) {
    signal?.throwIfAborted();
    if (++entries > limits.maxFiles) {
      throw packageError('PACKAGE_TOO_MANY_FILES', `it has more than ${limits.maxFiles} entries`);
    }
    const parts = entryParts(entry.path, limits);
    switch (entry.type) {
      case 'directory':
        await tree.directory(parts, entry.path);
        break;
      case 'symlink':
        await tree.symlink(parts, linkTarget(entry.linkpath, parts, limits, entry.path), entry.path);
        break;
      case 'file':
        if (entry.size > limits.maxFileBytes) {
          throw packageError(
            'PACKAGE_TOO_LARGE',
            `the file is larger than ${limits.maxFileBytes} bytes`,
            entry.path,
          );
        }
        declaredBytes += entry.size;
        if (declaredBytes > limits.maxTotalBytes) {
          throw packageError(
            'PACKAGE_TOO_LARGE',
            `the files add up to more than ${limits.maxTotalBytes} bytes`,
          );
        }
        await tree.file(parts, entry.mode, tar.body(), entry.path);
        break;
      case 'hardlink': {
        // A copy of a file listed before it; the copy counts against the size limit like a file.
        const target = entryParts(entry.linkpath, limits);
        declaredBytes += tree.fileSize(target, entry.path);
        if (declaredBytes > limits.maxTotalBytes) {
          throw packageError(
            'PACKAGE_TOO_LARGE',
            `the files add up to more than ${limits.maxTotalBytes} bytes`,
          );
        }
        await tree.copy(parts, target, entry.path);
        break;
      }
    }
  }
  if (tree.isEmpty) throw packageError('PACKAGE_INVALID', 'the package is empty');
}

function translate(err: unknown): unknown {
  if (isBerthError(err)) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return packageError('PACKAGE_INVALID', 'the gzip stream is corrupt or truncated');
  }
  return err;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
