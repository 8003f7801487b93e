// Turns an archive entry's path into safe path components, and checks symlink targets. Nothing is
// stripped or repaired: a path that needs repairing is refused.
import { packageError } from './package-error.ts';
import type { UnpackLimits } from './unpack-limits.ts';

const MAX_NAME_BYTES = 255; // NAME_MAX on Linux and macOS
// C0 controls and DEL (which includes NUL): no sane package needs them in names; logs would suffer.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const DRIVE = /^[A-Za-z]:/;

/**
 * The components of an entry path: not absolute, no `..`, no backslashes or drive letters, no NUL
 * or control characters, within the length and depth limits. `.` and empty components are dropped,
 * so `./` yields [] (the archive's root).
 */
export function entryParts(raw: string, limits: UnpackLimits): string[] {
  const reason = unsafeReason(raw, limits.maxPathLength);
  if (reason) throw packageError('PACKAGE_PATH_UNSAFE', reason, raw);
  const parts = split(raw);
  if (parts.includes('..')) throw packageError('PACKAGE_PATH_UNSAFE', 'the path contains ".."', raw);
  if (parts.length > limits.maxDepth) {
    throw packageError('PACKAGE_PATH_UNSAFE', `the path is deeper than ${limits.maxDepth} levels`, raw);
  }
  if (parts.some((p) => Buffer.byteLength(p) > MAX_NAME_BYTES)) {
    throw packageError('PACKAGE_PATH_UNSAFE', `a name is longer than ${MAX_NAME_BYTES} bytes`, raw);
  }
  return parts;
}

/**
 * Checks the target of a symlink at `linkParts` and returns it normalised. The target must be
 * relative and in normal form: leading `..` components, then names, never `..` after a name. A
 * leading `..` climbs through the link's own parents, which are real directories (nothing is written
 * below a symlink), so counting them decides whether the target stays inside the tree; names that
 * follow may cross other symlinks, but those were checked the same way and so point inside too.
 * `a/../..` would instead depend on what `a` is, possibly a link created later, so it is refused.
 */
export function linkTarget(raw: string, linkParts: string[], limits: UnpackLimits, entry: string): string {
  const reason = raw === '' ? 'the link target is empty' : unsafeReason(raw, limits.maxPathLength);
  if (reason) throw packageError('PACKAGE_LINK_UNSAFE', reason.replace('path', 'link target'), entry);
  const parts = split(raw);
  const ups = parts.findIndex((p) => p !== '..');
  const leading = ups === -1 ? parts.length : ups;
  if (parts.slice(leading).includes('..')) {
    throw packageError('PACKAGE_LINK_UNSAFE', 'the link target has ".." after a name', entry);
  }
  if (leading > linkParts.length - 1) {
    throw packageError('PACKAGE_LINK_UNSAFE', 'the link points outside the package', entry);
  }
  return parts.length === 0 ? '.' : parts.join('/');
}

function unsafeReason(raw: string, maxLength: number): string | undefined {
  if (Buffer.byteLength(raw) > maxLength) return `the path is longer than ${maxLength} bytes`;
  if (CONTROL.test(raw)) return 'the path contains a NUL or control character';
  if (raw.startsWith('/')) return 'the path is absolute';
  if (raw.includes('\\')) return 'the path contains a backslash';
  if (DRIVE.test(split(raw)[0] ?? '')) return 'the path starts with a drive letter';
  return undefined;
}

function split(raw: string): string[] {
  return raw.split('/').filter((p) => p !== '' && p !== '.');
}
