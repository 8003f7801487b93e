// A small tar writer for packages built in the browser (deploying a directory picked in the
// console). It writes POSIX ustar headers and, for a path that does not fit a ustar name (longer
// than 100 bytes or not plain ASCII) or a size beyond ustar's 8 GiB, a pax extended header before
// the entry. File bodies are the picked files themselves, as Blob parts: nothing is read into
// script memory until the archive is compressed. Entries carry fixed times and no owners, as the
// CLI's packages do, so the same tree gives the same bytes.

/** One entry of the archive. Paths are relative, `/`-separated, without `./`. */
export type TarEntry =
  | { type: 'file'; path: string; body: Blob; mode?: number }
  | { type: 'directory'; path: string; mode?: number };

const BLOCK = 512;
/** Every entry gets this modification time (seconds), as the CLI's packages do (2000-01-01). */
export const FIXED_MTIME = 946_684_800;
const USTAR_NAME_MAX = 100;
/** The largest size an 11-digit octal field holds. */
const USTAR_SIZE_MAX = 0o77777777777;

const encoder = new TextEncoder();

/** The archive as a Blob: headers, bodies, padding, and the two zero blocks that end it. */
export function writeTar(entries: readonly TarEntry[]): Blob {
  const parts: BlobPart[] = [];
  for (const entry of entries) {
    const name = entry.type === 'directory' ? withSlash(entry.path) : entry.path;
    const size = entry.type === 'file' ? entry.body.size : 0;
    const pax: [string, string][] = [];
    const nameFits = isAscii(name) && byteLength(name) <= USTAR_NAME_MAX;
    if (!nameFits) pax.push(['path', name]);
    if (size > USTAR_SIZE_MAX) pax.push(['size', String(size)]);
    if (pax.length > 0) {
      const body = paxBody(pax);
      parts.push(
        header({
          name: paxHeaderName(name),
          size: body.length,
          type: 'x',
          mode: 0o644,
        }),
        body,
        padding(body.length),
      );
    }
    parts.push(
      header({
        name: nameFits ? name : asciiFallback(name),
        size: size > USTAR_SIZE_MAX ? 0 : size,
        type: entry.type === 'directory' ? '5' : '0',
        mode: entry.mode ?? (entry.type === 'directory' ? 0o755 : 0o644),
      }),
    );
    if (entry.type === 'file') parts.push(entry.body, padding(size));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  return new Blob(parts, { type: 'application/x-tar' });
}

/** Pax records: "<length> <key>=<value>\n", the length counting itself. */
export function paxBody(records: readonly (readonly [string, string])[]): Uint8Array<ArrayBuffer> {
  let text = '';
  for (const [key, value] of records) {
    const rest = ` ${key}=${value}\n`;
    const restLength = byteLength(rest);
    const digits = String(restLength).length;
    let length = restLength + digits;
    if (String(length).length > digits) length = restLength + String(length).length;
    text += `${length}${rest}`;
  }
  return encoder.encode(text);
}

interface HeaderFields {
  name: string;
  size: number;
  type: '0' | '5' | 'x';
  mode: number;
}

function header(fields: HeaderFields): Uint8Array<ArrayBuffer> {
  const block = new Uint8Array(BLOCK);
  putText(block, 0, USTAR_NAME_MAX, fields.name);
  putOctal(block, 100, 8, fields.mode);
  putOctal(block, 108, 8, 0); // uid
  putOctal(block, 116, 8, 0); // gid
  putOctal(block, 124, 12, fields.size);
  putOctal(block, 136, 12, FIXED_MTIME);
  block.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  putText(block, 156, 1, fields.type);
  putText(block, 257, 6, 'ustar\0');
  putText(block, 263, 2, '00');
  let sum = 0;
  for (const b of block) sum += b;
  // Six octal digits, a NUL and a space: the form every reader accepts.
  putText(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

function putText(block: Uint8Array, offset: number, length: number, text: string): void {
  const data = encoder.encode(text);
  block.set(data.subarray(0, length), offset);
}

function putOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  putText(block, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

function padding(size: number): Uint8Array<ArrayBuffer> {
  const rest = size % BLOCK;
  return new Uint8Array(rest === 0 ? 0 : BLOCK - rest);
}

/** The ustar name of a pax header: informative only, readers take the path from the record. */
function paxHeaderName(name: string): string {
  const base = asciiFallback(name.replace(/\/$/, '').split('/').pop() ?? 'entry');
  return `PaxHeader/${base}`.slice(0, USTAR_NAME_MAX);
}

/** What a reader without pax support sees: the name's ASCII characters, cut to fit. */
function asciiFallback(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  return ascii.length <= USTAR_NAME_MAX ? ascii : ascii.slice(ascii.length - USTAR_NAME_MAX);
}

function withSlash(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}

function isAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/**
 * The archive gzip-compressed (CompressionStream: browsers and Node.js both have it). `onProgress`
 * hears how many of the archive's bytes were read so far (reading the picked files is the slow part).
 */
export async function gzipBlob(
  blob: Blob,
  onProgress?: (read: number, total: number) => void,
): Promise<Blob> {
  let read = 0;
  const counter = new TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>({
    transform(chunk, controller) {
      read += chunk.length;
      onProgress?.(read, blob.size);
      controller.enqueue(chunk);
    },
  });
  const stream = blob.stream().pipeThrough(counter).pipeThrough(new CompressionStream('gzip'));
  return new Response(stream).blob();
}
