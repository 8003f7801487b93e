// Decodes one 512-byte tar header block (POSIX ustar or GNU), checking its checksum. Numbers are
// octal text or GNU base-256; names are strict UTF-8 with nothing but NULs after their terminator.
import { packageError } from './package-error.ts';

export const BLOCK = 512;

export interface TarHeader {
  /** The type flag as one character ('0' for a regular file; NUL is mapped to '0'). */
  type: string;
  /** name, joined with the ustar prefix for POSIX headers. */
  name: string;
  linkname: string;
  mode: number;
  /** Body size in bytes; Infinity when too large to represent exactly. */
  size: number;
}

const POSIX_MAGIC = Buffer.from('ustar\u0000', 'latin1'); // followed by the version, "00"
const GNU_MAGIC = Buffer.from('ustar  \u0000', 'latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

export function parseHeader(block: Buffer): TarHeader {
  const posix = block.subarray(257, 263).equals(POSIX_MAGIC);
  if (!posix && !block.subarray(257, 265).equals(GNU_MAGIC)) {
    throw packageError('PACKAGE_INVALID', 'not a tar archive (no ustar header where one was expected)');
  }
  verifyChecksum(block);
  const name = text(block, 0, 100);
  // In GNU headers the ustar prefix field holds other data (atime, ctime, sparse map); star and the
  // tar package keep times in its tail, so only the part before its NUL is read.
  const prefix = posix ? text(block, 345, 155, false) : '';
  const flag = String.fromCharCode(block[156]!);
  return {
    type: flag === '\u0000' ? '0' : flag,
    name: prefix ? `${prefix}/${name}` : name,
    linkname: text(block, 157, 100),
    mode: number(block, 100, 8, 'mode'),
    size: number(block, 124, 12, 'size'),
  };
}

function verifyChecksum(block: Buffer): void {
  const stored = number(block, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  // Some historical writers summed signed bytes; both sums are accepted, as GNU tar does.
  if (stored !== unsigned && stored !== signed) {
    throw packageError('PACKAGE_INVALID', 'a tar header has a bad checksum (corrupt archive)');
  }
}

/** A NUL-terminated text field. Unless `strict` is false, bytes after the NUL must be NULs too. */
function text(block: Buffer, start: number, length: number, strict = true): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  const value = end === -1 ? field : field.subarray(0, end);
  if (strict && end !== -1 && !isZeroBlock(field.subarray(end))) {
    throw packageError('PACKAGE_PATH_UNSAFE', 'a name field holds a NUL byte', value.toString('latin1'));
  }
  return decodeUtf8(value);
}

/** Strict UTF-8: a name that does not decode is refused rather than replaced with U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw packageError(
      'PACKAGE_PATH_UNSAFE',
      'a name is not valid UTF-8',
      Buffer.from(bytes).toString('latin1'),
    );
  }
}

function number(block: Buffer, start: number, length: number, what: string): number {
  const field = block.subarray(start, start + length);
  if (field[0]! & 0x80) {
    // GNU base-256: big-endian two's complement; negative values are meaningless here.
    if (field[0]! & 0x40) throw packageError('PACKAGE_INVALID', `a tar header has a negative ${what}`);
    let value = field[0]! & 0x3f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return Number.isSafeInteger(value) ? value : Number.POSITIVE_INFINITY;
  }
  const nul = field.indexOf(0);
  const digits = field.toString('latin1', 0, nul === -1 ? field.length : nul).trim();
  if (digits === '') return 0;
  if (!/^[0-7]+$/.test(digits)) throw packageError('PACKAGE_INVALID', `a tar header has a malformed ${what}`);
  const value = Number.parseInt(digits, 8);
  return Number.isSafeInteger(value) ? value : Number.POSITIVE_INFINITY;
}
