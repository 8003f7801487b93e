// A manifest command (a string or an argv list) as argv, or a MANIFEST_INVALID /
// MANIFEST_COMMAND_UNSAFE error pointing at the field.
import { commandUnsafe, type FieldPath, type ManifestOrigin, manifestInvalid } from './manifest-error.ts';
import { splitCommand } from './shell-words.ts';

export interface ParsedCommand {
  argv: string[];
  /** Leading `NAME=value` words, only when `allowAssignments` is set (package.json scripts). */
  assignments: Array<[string, string]>;
}

export function parseCommand(
  origin: ManifestOrigin,
  path: FieldPath,
  value: string | readonly string[],
  options: { allowAssignments?: boolean } = {},
): ParsedCommand {
  if (Array.isArray(value)) {
    if (value.length === 0) throw manifestInvalid(origin, path, 'the command is empty');
    value.forEach((arg, i) => {
      if (arg.includes('\0')) throw manifestInvalid(origin, [...path, i], 'contains a NUL character');
    });
    if (value[0] === '') throw manifestInvalid(origin, [...path, 0], 'the program name is empty');
    return { argv: [...value], assignments: [] };
  }
  const text = value as string;
  if (text.includes('\0')) throw manifestInvalid(origin, path, 'contains a NUL character');
  const split = splitCommand(text, options);
  if (!split.ok) {
    if (split.kind === 'unsafe') throw commandUnsafe(origin, path, split.reason);
    throw manifestInvalid(origin, path, `cannot split the command: ${split.reason}`);
  }
  return { argv: split.argv, assignments: split.assignments };
}
