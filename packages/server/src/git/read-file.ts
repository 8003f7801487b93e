// One file's bytes at a commit, read from git's object store without a checkout: the engine compares
// a pushed berth.yaml with a pinned one before anything is built. Only a regular file counts; a
// symlink (whose target the pusher chose), a directory or a submodule at the path reads as absent.
import { BerthError } from '../errors.ts';
import { OBJECT_ID, orCommitNotFound } from './refs.ts';
import { runGit } from './run-git.ts';
import { CONTROL_CHAR } from './text-checks.ts';

export interface ReadFileOptions {
  signal?: AbortSignal;
  /** Added to git's environment (a push's quarantine directories). */
  env?: Record<string, string>;
}

/**
 * The bytes of `filePath` (relative to the tree's root, '/'-separated) at `commit` (a full id), or
 * null when there is no regular file there. GIT_REF_NOT_FOUND when the repository has no such
 * commit; PAYLOAD_TOO_LARGE when it is larger than `maxBytes`;
 * VALIDATION_FAILED for a path that is not a plain relative one.
 */
export async function readFileAt(
  gitDir: string,
  commit: string,
  filePath: string,
  maxBytes: number,
  o: ReadFileOptions = {},
): Promise<Buffer | null> {
  if (!OBJECT_ID.test(commit))
    throw new BerthError('INTERNAL', `readFileAt: ${commit} is not a full commit id`);
  checkTreePath(filePath);
  const options = {
    timeoutMs: 60_000,
    ...(o.signal ? { signal: o.signal } : {}),
    // Paths are literal: no pathspec magic (`:(glob)`, wildcards) in what the caller passes.
    env: { ...o.env, GIT_LITERAL_PATHSPECS: '1' },
  };
  const listing = await orCommitNotFound(commit, () =>
    runGit(
      [`--git-dir=${gitDir}`, 'ls-tree', '-z', '--long', '--full-tree', `${commit}^{commit}`, '--', filePath],
      options,
    ),
  );
  const entry = listing.stdout
    .toString('utf8')
    .split('\0')
    .map(parseLongEntry)
    .find((e) => e?.path === filePath);
  // 100644 and 100755 are regular files; 120000 (symlink), 040000 (tree), 160000 (submodule) are not.
  if (!entry || (entry.mode !== '100644' && entry.mode !== '100755')) return null;
  if (entry.size > maxBytes) {
    throw new BerthError('PAYLOAD_TOO_LARGE', `${filePath} is larger than ${maxBytes} bytes`, {
      path: filePath,
      maxBytes,
    });
  }
  const blob = await runGit([`--git-dir=${gitDir}`, 'cat-file', 'blob', entry.oid], {
    ...options,
    maxOutputBytes: maxBytes,
  });
  return blob.stdout;
}

export interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
  /** Bytes of a blob; -1 for trees and submodules. */
  size: number;
  path: string;
}

/** One record of `git ls-tree -z --long`: "<mode> <type> <oid> <size>\t<path>", size padded or '-'. */
export function parseLongEntry(record: string): TreeEntry | null {
  const tab = record.indexOf('\t');
  if (tab < 0) return null;
  const [mode, type, oid, size] = record.slice(0, tab).split(/ +/);
  if (!mode || !type || !oid || size === undefined) return null;
  return { mode, type, oid, size: size === '-' ? -1 : Number(size), path: record.slice(tab + 1) };
}

function checkTreePath(p: string): void {
  const parts = typeof p === 'string' ? p.split('/') : [];
  const bad =
    parts.length === 0 || parts.some((s) => s === '' || s === '.' || s === '..' || CONTROL_CHAR.test(s));
  if (bad) {
    throw new BerthError('VALIDATION_FAILED', `${JSON.stringify(p)} is not a relative path inside the tree`);
  }
}
