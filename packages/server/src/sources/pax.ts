// Parses POSIX pax extended-header records ("<length> <key>=<value>\n") strictly: a malformed record
// refuses the archive, and a NUL inside a path is refused instead of silently cutting the path short.
import { packageError } from './package-error.ts';
import { decodeUtf8 } from './tar-header.ts';

export interface PaxRecords {
  path?: string;
  linkpath?: string;
  size?: number;
  /** Any GNU.sparse.* key: the entry is a sparse file, which is refused. */
  sparse: boolean;
}

export function parsePax(data: Buffer): PaxRecords {
  const records: PaxRecords = { sparse: false };
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0 && data.subarray(pos).every((b) => b === 0)) break; // NUL padding at the end
    const space = data.indexOf(0x20, pos);
    const lengthText = space === -1 ? '' : data.toString('latin1', pos, space);
    if (!/^[1-9][0-9]{0,8}$/.test(lengthText)) throw malformed();
    const end = pos + Number(lengthText);
    if (end > data.length || data[end - 1] !== 0x0a) throw malformed();
    const record = data.subarray(space + 1, end - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw malformed();
    apply(records, record.toString('latin1', 0, eq), record.subarray(eq + 1));
    pos = end;
  }
  return records;
}

function apply(records: PaxRecords, key: string, raw: Buffer): void {
  if (key.startsWith('GNU.sparse.')) {
    records.sparse = true;
    return;
  }
  if (key !== 'path' && key !== 'linkpath' && key !== 'size') return; // times, owners, xattrs: ignored
  if (raw.length === 0) {
    delete records[key]; // an empty value removes the field
    return;
  }
  const value = decodeUtf8(raw);
  if (key === 'size') {
    if (!/^[0-9]+$/.test(value)) throw malformed();
    const size = Number(value);
    records.size = Number.isSafeInteger(size) ? size : Number.POSITIVE_INFINITY;
    return;
  }
  if (value.includes('\u0000')) {
    throw packageError('PACKAGE_PATH_UNSAFE', `the ${key} holds a NUL byte`, value);
  }
  records[key] = value;
}

function malformed() {
  return packageError('PACKAGE_INVALID', 'a pax extended header is malformed');
}
