// Which refs a push delivery may name. A host sends full ref names; Berth acts only on branches and
// tags, and passes on only names git itself would accept (git check-ref-format's rules), so nothing
// odd reaches the deploy trigger or a git command line.
export type PushKind = 'push' | 'tag';

const BRANCH = 'refs/heads/';
const TAG = 'refs/tags/';
const MAX_REF_LENGTH = 255;

/** `push` for a branch, `tag` for a tag, undefined for any other ref (notes, merge requests, …). */
export function pushKindOf(ref: string): PushKind | undefined {
  if (ref.startsWith(BRANCH)) return 'push';
  if (ref.startsWith(TAG)) return 'tag';
  return undefined;
}

/** True when git would accept `ref` as a branch or tag name (and it is not absurdly long). */
export function isValidRefName(ref: string): boolean {
  if (ref.length > MAX_REF_LENGTH) return false;
  const kind = pushKindOf(ref);
  if (kind === undefined) return false;
  const name = ref.slice(kind === 'push' ? BRANCH.length : TAG.length);
  if (name === '' || name.startsWith('-') || name.endsWith('/') || name.endsWith('.')) return false;
  // Control characters, space, DEL and the characters git reserves for revision syntax.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what the check refuses
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false;
  if (name.includes('..') || name.includes('@{') || name.includes('//') || name === '@') return false;
  return name.split('/').every((part) => !part.startsWith('.') && !part.endsWith('.lock'));
}
