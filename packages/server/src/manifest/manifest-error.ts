// Errors about a manifest name the file, the field (a dotted path such as `processes.web.count`) and,
// when known, the line, in the message and in `details`.
import { BerthError } from '../errors.ts';

export type FieldPath = ReadonlyArray<string | number>;

/** Where a manifest's values came from, to point errors at them. */
export interface ManifestOrigin {
  /** The file name shown to the user: `berth.yaml`, `app.yml`, `Procfile`, `package.json`. */
  file: string;
  /** The 1-based line of a field, when the file format can tell. */
  lineOf?: (path: FieldPath) => number | undefined;
}

export function formatPath(path: FieldPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function where(origin: ManifestOrigin, path: FieldPath): { text: string; line: number | undefined } {
  const line = path.length > 0 ? origin.lineOf?.(path) : undefined;
  const field = formatPath(path);
  const file = line === undefined ? origin.file : `${origin.file}:${line}`;
  return { text: field === '' ? file : `${file}: ${field}`, line };
}

export function manifestInvalid(origin: ManifestOrigin, path: FieldPath, message: string): BerthError {
  const at = where(origin, path);
  return new BerthError('MANIFEST_INVALID', `${at.text}: ${message}`, {
    file: origin.file,
    path: formatPath(path),
    line: at.line,
  });
}

export function commandUnsafe(origin: ManifestOrigin, path: FieldPath, reason: string): BerthError {
  const at = where(origin, path);
  return new BerthError(
    'MANIFEST_COMMAND_UNSAFE',
    `${at.text}: the command uses ${reason}. Berth never runs commands through a shell; ` +
      'write it as ["sh", "-c", "…"] if you really want one.',
    { file: origin.file, path: formatPath(path), line: at.line, reason },
  );
}
