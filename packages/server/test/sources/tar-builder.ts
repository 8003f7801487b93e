// Builds tar archives byte by byte, so tests can make the hostile ones no honest tool would write:
// escaping paths, devices, sparse entries, bad checksums, NULs in names, headers that lie.

export interface HeaderSpec {
  name: string;
  /** Type flag character; '0' (regular file) by default. */
  type?: string;
  /** Declared body size; defaults to the body's length. Over 8 GiB is written in base-256. */
  size?: number;
  mode?: number;
  linkname?: string;
  /** POSIX ustar (default) or GNU magic. */
  format?: 'posix' | 'gnu';
  /** Raw name field bytes, overriding `name` (to put bytes after a NUL, say). */
  rawName?: Buffer;
  /** Added to the correct checksum. */
  checksumDelta?: number;
  /** GNU sparse header: the real size, written at offset 483. */
  realSize?: number;
}

export const BLOCK = 512;

export function header(spec: HeaderSpec): Buffer {
  const block = Buffer.alloc(BLOCK);
  (spec.rawName ?? Buffer.from(spec.name, 'utf8')).copy(block, 0, 0, 100);
  octal(block, 100, 8, spec.mode ?? 0o644);
  octal(block, 108, 8, 1000);
  octal(block, 116, 8, 1000);
  numeric(block, 124, 12, spec.size ?? 0);
  octal(block, 136, 12, 1_700_000_000);
  block.write(spec.type ?? '0', 156, 'latin1');
  Buffer.from(spec.linkname ?? '', 'utf8').copy(block, 157, 0, 100);
  if (spec.format === 'gnu') block.write('ustar  \u0000', 257, 'latin1');
  else block.write('ustar\u000000', 257, 'latin1');
  block.write('root', 265, 'latin1');
  block.write('root', 297, 'latin1');
  if (spec.realSize !== undefined) numeric(block, 483, 12, spec.realSize);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  octal(block, 148, 7, sum + (spec.checksumDelta ?? 0));
  return block;
}

/** A whole entry: header, body, padding to the next block. */
export function entry(spec: Omit<HeaderSpec, 'size'> & { body?: Buffer | string; size?: number }): Buffer {
  const body = typeof spec.body === 'string' ? Buffer.from(spec.body) : (spec.body ?? Buffer.alloc(0));
  return Buffer.concat([header({ ...spec, size: spec.size ?? body.length }), body, padding(body.length)]);
}

export const file = (name: string, body: string | Buffer = '', mode = 0o644): Buffer =>
  entry({ name, body, mode });
export const dir = (name: string, mode = 0o755): Buffer => entry({ name, type: '5', mode });
export const symlink = (name: string, linkname: string): Buffer => entry({ name, type: '2', linkname });

/** A pax extended header ('x', or 'g' for global) carrying `records`. */
export function pax(records: Record<string, string>, type: 'x' | 'g' = 'x'): Buffer {
  const body = Buffer.concat(Object.entries(records).map(([k, v]) => paxRecord(k, v)));
  return entry({ name: 'PaxHeader/entry', type, body });
}

export function paxRecord(key: string, value: string): Buffer {
  const text = ` ${key}=${value}\n`;
  const bytes = Buffer.byteLength(text);
  let length = bytes + String(bytes).length;
  if (String(length).length !== String(bytes).length) length++;
  return Buffer.from(`${length}${text}`, 'utf8');
}

/** A GNU long name ('L') or long link ('K') header for the entry that follows. */
export function gnuLong(type: 'L' | 'K', value: string | Buffer): Buffer {
  const body = Buffer.concat([typeof value === 'string' ? Buffer.from(value) : value, Buffer.alloc(1)]);
  return entry({ name: '././@LongLink', type, body, format: 'gnu' });
}

export const end = (): Buffer => Buffer.alloc(2 * BLOCK);

export const tar = (...parts: Buffer[]): Buffer => Buffer.concat([...parts, end()]);

export function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

function octal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'latin1');
}

function numeric(block: Buffer, offset: number, length: number, value: number): void {
  if (value < 8 ** (length - 1)) {
    octal(block, offset, length, value);
    return;
  }
  let rest = BigInt(value);
  for (let i = offset + length - 1; i > offset; i--) {
    block[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  block[offset] = 0x80;
}
