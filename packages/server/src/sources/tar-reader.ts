// A small streaming tar reader: ustar and GNU headers, pax `path`/`linkpath`/`size` records, GNU
// `L`/`K` long names. It is written here rather than taken from the `tar` package because tar's
// Parser, in v7, drops unknown pax keys (so a GNU.sparse.* entry would look like a plain file),
// silently skips malformed pax records, cuts pax values at a NUL instead of refusing them, and
// recovers from bad headers with warnings; each of those must refuse a hostile package instead.
// Only entry types a source tree needs come out: files, directories, symlinks and hard links (which
// the unpacker turns into copies); every other type is refused here, before any of its bytes are read.
import type { ByteReader } from './byte-reader.ts';
import { packageError } from './package-error.ts';
import { type PaxRecords, parsePax } from './pax.ts';
import { BLOCK, decodeUtf8, isZeroBlock, parseHeader, type TarHeader } from './tar-header.ts';

export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink';

export interface TarEntry {
  type: EntryType;
  path: string;
  /** Symlink or hard link target ('' for other types). */
  linkpath: string;
  /** Body size in bytes (0 for directories and symlinks); Infinity if not representable. */
  size: number;
  mode: number;
}

/** Metadata headers (pax, GNU long names) allowed in front of one entry. */
const MAX_META_HEADERS = 8;
/** Size of one pax header body; real ones are a few hundred bytes (xattrs can add some). */
const MAX_PAX_BYTES = 256 * 1024;
const MAX_BODY_CHUNK = 1024 * 1024;

const FORBIDDEN: Record<string, string> = {
  '3': 'character devices are not allowed',
  '4': 'block devices are not allowed',
  '6': 'FIFOs are not allowed',
  S: 'sparse files are not allowed',
};

const ENTRY_TYPES: Record<string, EntryType> = { '5': 'directory', '2': 'symlink', '1': 'hardlink' };

export class TarReader {
  readonly #input: ByteReader;
  readonly #maxPathLength: number;
  #remaining = 0;
  #padding = 0;
  #headers = 0;

  constructor(input: ByteReader, maxPathLength: number) {
    this.#input = input;
    this.#maxPathLength = maxPathLength;
  }

  /** The next entry, or null at the end-of-archive marker. Skips what is left of the previous body. */
  async next(): Promise<TarEntry | null> {
    await this.#skipBody();
    let pax: PaxRecords | undefined;
    let longName: string | undefined;
    let longLink: string | undefined;
    for (let meta = 0; ; meta++) {
      if (meta > MAX_META_HEADERS)
        throw packageError('PACKAGE_INVALID', 'too many metadata headers in a row');
      const block = await this.#block();
      if (isZeroBlock(block)) {
        if (meta > 0) throw packageError('PACKAGE_INVALID', 'a metadata header is not followed by an entry');
        await this.#endOfArchive();
        return null;
      }
      const header = parseHeader(block);
      this.#headers++;
      const name = pax?.path ?? longName ?? header.name;
      switch (header.type) {
        case 'x':
          pax = mergePax(pax, await this.#pax(header));
          continue;
        case 'g':
          await this.#globalPax(header);
          continue;
        case 'L':
          longName = await this.#longName(header, name);
          continue;
        case 'K':
          longLink = await this.#longName(header, name);
          continue;
        case '0':
        case '7': // contiguous file: a regular file everywhere that matters
        case '5':
        case '2':
        case '1':
          break;
        default:
          throw packageError(
            'PACKAGE_ENTRY_FORBIDDEN',
            FORBIDDEN[header.type] ?? `entry type ${JSON.stringify(header.type)} is not allowed`,
            name,
          );
      }
      if (pax?.sparse) throw packageError('PACKAGE_ENTRY_FORBIDDEN', FORBIDDEN['S']!, name);
      const type = ENTRY_TYPES[header.type] ?? 'file';
      const size = pax?.size ?? header.size;
      if (type !== 'file' && size !== 0) {
        throw packageError('PACKAGE_INVALID', `a ${type} entry declares a body`, name);
      }
      this.#startBody(size);
      return {
        type,
        path: name,
        linkpath:
          type === 'symlink' || type === 'hardlink' ? (pax?.linkpath ?? longLink ?? header.linkname) : '',
        size,
        mode: header.mode,
      };
    }
  }

  /** The current entry's body, in chunks of at most 1 MiB, read only as fast as they are consumed. */
  async *body(): AsyncGenerator<Buffer> {
    while (this.#remaining > 0) {
      const chunk = await this.#input.chunk(Math.min(this.#remaining, MAX_BODY_CHUNK));
      if (!chunk) throw truncated();
      this.#remaining -= chunk.length;
      yield chunk;
    }
  }

  #startBody(size: number): void {
    this.#remaining = size;
    this.#padding = (BLOCK - (size % BLOCK)) % BLOCK;
  }

  async #skipBody(): Promise<void> {
    for await (const _ of this.body()) {
      // discarded
    }
    if (this.#padding > 0) await this.#exact(this.#padding);
    this.#padding = 0;
  }

  async #block(): Promise<Buffer> {
    const block = await this.#input.exact(BLOCK);
    if (block.length === 0 && this.#headers === 0)
      throw packageError('PACKAGE_INVALID', 'the package is empty');
    if (block.length < BLOCK) throw truncated();
    return block;
  }

  async #exact(n: number): Promise<Buffer> {
    const data = await this.#input.exact(n);
    if (data.length < n) throw truncated();
    return data;
  }

  /** The marker is two zero blocks; a single one right before the end of the input is tolerated. */
  async #endOfArchive(): Promise<void> {
    if (this.#headers === 0) throw packageError('PACKAGE_INVALID', 'the package is empty');
    const second = await this.#input.exact(BLOCK);
    if (second.length === 0 || (second.length === BLOCK && isZeroBlock(second))) return;
    if (second.length < BLOCK) throw truncated();
    throw packageError('PACKAGE_INVALID', 'a zero block in the middle of the archive');
  }

  async #metaBody(header: TarHeader, limit: number, name: string): Promise<Buffer> {
    if (header.size > limit) {
      throw packageError('PACKAGE_INVALID', `a metadata header is larger than ${limit} bytes`, name);
    }
    const data = await this.#exact(header.size);
    const padding = (BLOCK - (header.size % BLOCK)) % BLOCK;
    if (padding > 0) await this.#exact(padding);
    return data;
  }

  async #pax(header: TarHeader): Promise<PaxRecords> {
    return parsePax(await this.#metaBody(header, MAX_PAX_BYTES, header.name));
  }

  /** Global pax records may carry comments (git archive writes one) but nothing that renames or resizes. */
  async #globalPax(header: TarHeader): Promise<void> {
    const records = parsePax(await this.#metaBody(header, MAX_PAX_BYTES, header.name));
    if (records.sparse) throw packageError('PACKAGE_ENTRY_FORBIDDEN', FORBIDDEN['S']!, header.name);
    if (records.path !== undefined || records.linkpath !== undefined || records.size !== undefined) {
      throw packageError('PACKAGE_INVALID', 'a global pax header sets a path, link or size');
    }
  }

  /** GNU `L`/`K`: the name is the body, NUL-terminated. */
  async #longName(header: TarHeader, name: string): Promise<string> {
    if (header.size > this.#maxPathLength + 1) {
      throw packageError('PACKAGE_PATH_UNSAFE', `the path is longer than ${this.#maxPathLength} bytes`, name);
    }
    const data = await this.#metaBody(header, this.#maxPathLength + 1, name);
    let end = data.length;
    while (end > 0 && data[end - 1] === 0) end--;
    const value = decodeUtf8(data.subarray(0, end));
    if (value.includes('\u0000')) {
      throw packageError('PACKAGE_PATH_UNSAFE', 'a long name holds a NUL byte', value);
    }
    return value;
  }
}

function mergePax(earlier: PaxRecords | undefined, later: PaxRecords): PaxRecords {
  return { ...earlier, ...later, sparse: Boolean(earlier?.sparse) || later.sparse };
}

function truncated() {
  return packageError('PACKAGE_INVALID', 'the archive is truncated');
}
