// Names of branches, tags and commits that a user (a deploy request, a webhook, the CLI) gives, and
// the commit each one names in a bare repository. The name is checked before git sees it, so that
// nothing a user types can reach git as an option, a revision expression (`main^`, `@{-1}`, `:/x`)
// or a glob; lookups then go through exact ref names, never through git's DWIM rules.
import { BerthError } from '../errors.ts';
import { GitCommandError, runGit } from './run-git.ts';
import { CONTROL_CHAR } from './text-checks.ts';

/** Longest ref name taken, in UTF-8 bytes (git's own limit is the file system's). */
const MAX_REF_BYTES = 255;
/** An abbreviated or full commit id: what `deploy --ref` takes besides names. */
const COMMIT_ID = /^[0-9a-f]{7,64}$/i;
/** A full object id (SHA-1 or SHA-256): what Berth passes around once a ref is resolved. */
export const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Validates a ref a user gave: a branch or tag name, a full ref (`refs/...`) or a commit id (7 to 40
 * hex digits, 64 for SHA-256 repositories). Refuses what `git check-ref-format --allow-onelevel`
 * refuses, a leading '-', control characters and names over 255 bytes, with GIT_REF_INVALID.
 * Returns the name unchanged.
 */
export function checkRefName(ref: string): string {
  const why = refProblem(ref);
  if (why) {
    throw new BerthError('GIT_REF_INVALID', `The ref ${JSON.stringify(ref)} is not valid: ${why}`, {
      ref: typeof ref === 'string' ? ref.slice(0, MAX_REF_BYTES) : null,
      reason: why,
    });
  }
  return ref;
}

function refProblem(ref: unknown): string | null {
  if (typeof ref !== 'string' || ref === '') return 'it is empty';
  if (Buffer.byteLength(ref, 'utf8') > MAX_REF_BYTES) return `it is longer than ${MAX_REF_BYTES} bytes`;
  if (CONTROL_CHAR.test(ref)) return 'it contains a control character';
  if (ref.startsWith('-')) return "it starts with '-'";
  if (COMMIT_ID.test(ref)) return null;
  // git check-ref-format's rules (--allow-onelevel), in its order.
  if (/[ ~^:?*[\\]/.test(ref)) return 'it contains a space or one of ~ ^ : ? * [ \\';
  if (ref.includes('..')) return "it contains '..'";
  if (ref.includes('@{')) return "it contains '@{'";
  if (ref === '@') return "it is '@'";
  if (ref.startsWith('/') || ref.endsWith('/') || ref.includes('//'))
    return "it has an empty part between '/'";
  if (ref.endsWith('.')) return "it ends with '.'";
  for (const part of ref.split('/')) {
    if (part.startsWith('.')) return "a part starts with '.'";
    if (part.endsWith('.lock')) return "a part ends with '.lock'";
  }
  return null;
}

export interface ResolvedRef {
  /** The commit's full id. */
  commit: string;
  /** The full ref name matched (`refs/heads/main`, `refs/tags/v1`), null for a commit id. */
  ref: string | null;
}

export interface RefOptions {
  signal?: AbortSignal;
  /** Added to git's environment (a push's quarantine: GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES). */
  env?: Record<string, string>;
}

/**
 * The commit a ref names in the bare repository `gitDir`. A name that starts with `refs/` is a full
 * ref and means only itself (so a branch oddly named `refs/heads/main` cannot stand in for main);
 * another name is tried as `refs/heads/X`, then `refs/tags/X` (an annotated tag peeled to its
 * commit); a hex name that no branch or tag has is a commit id, abbreviated ones unique among the
 * repository's commits. GIT_REF_NOT_FOUND (details.ref) when none matches, or when the ref names
 * something other than a commit; GIT_REF_INVALID for a bad name.
 */
export async function resolveRef(gitDir: string, ref: string, o: RefOptions = {}): Promise<ResolvedRef> {
  checkRefName(ref);
  const candidates = ref.startsWith('refs/') ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
  const found = await exactRefs(gitDir, candidates, o);
  for (const name of candidates) {
    const oid = found.get(name);
    if (oid === undefined) continue;
    const commit = await peelToCommit(gitDir, oid, o);
    if (!commit) throw notFound(ref, `${name} does not point at a commit`);
    return { commit, ref: name };
  }
  if (COMMIT_ID.test(ref)) {
    return { commit: await resolveCommitId(gitDir, ref, o), ref: null };
  }
  throw notFound(ref);
}

/** Whether git's last lines say that an object (the commit asked for) is not in the repository. */
export function isMissingObject(tail: readonly string[]): boolean {
  return tail.some((l) => /not a valid object name|not a tree object|bad revision|bad object/i.test(l));
}

/** A commit that the repository does not have, as GIT_REF_NOT_FOUND. */
export function commitNotFound(commit: string): BerthError {
  return new BerthError('GIT_REF_NOT_FOUND', `The commit ${commit} is not in the repository`, {
    ref: commit,
  });
}

/** Runs `fn`, turning git's "no such object" into GIT_REF_NOT_FOUND for `commit`. */
export async function orCommitNotFound<T>(commit: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GitCommandError && isMissingObject(err.tail)) throw commitNotFound(commit);
    throw err;
  }
}

function notFound(ref: string, why?: string, details: Record<string, unknown> = {}): BerthError {
  return new BerthError(
    'GIT_REF_NOT_FOUND',
    `No branch, tag or commit ${JSON.stringify(ref)} in the repository${why ? ` (${why})` : ''}`,
    { ref, ...details },
  );
}

/** Which of `names` exist, with the object each points at. for-each-ref matches its patterns by
 *  prefix too (`refs/heads/a` lists `refs/heads/a/b`), so only exact names are kept. */
async function exactRefs(gitDir: string, names: string[], o: RefOptions): Promise<Map<string, string>> {
  const { stdout } = await runGit(
    [`--git-dir=${gitDir}`, 'for-each-ref', '--format=%(objectname) %(refname)', '--', ...names],
    gitOptions(o),
  );
  const wanted = new Set(names);
  const found = new Map<string, string>();
  for (const line of stdout.toString('utf8').split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const name = line.slice(space + 1);
    if (wanted.has(name)) found.set(name, line.slice(0, space));
  }
  return found;
}

/** The commit an object is or points at (tags of tags too), or null when it is a tree or a blob. */
async function peelToCommit(gitDir: string, oid: string, o: RefOptions): Promise<string | null> {
  const [line] = await batchCheck(gitDir, [`${oid}^{commit}`], o);
  const [id, type] = (line ?? '').split(' ');
  return type === 'commit' && id ? id : null;
}

/** A commit by its full or abbreviated id (7 or more hex digits), ignoring ref names. Object ids are
 *  listed by prefix (`--disambiguate`), and only commits count: a tree or blob sharing the prefix
 *  does not make it ambiguous. GIT_REF_NOT_FOUND when none or several commits match. */
export async function resolveCommitId(gitDir: string, commitId: string, o: RefOptions = {}): Promise<string> {
  if (!COMMIT_ID.test(commitId)) checkRefName(commitId);
  if (!COMMIT_ID.test(commitId)) throw notFound(commitId, 'it is not a commit id');
  const id = commitId.toLowerCase();
  const { stdout } = await runGit([`--git-dir=${gitDir}`, 'rev-parse', `--disambiguate=${id}`], {
    ...gitOptions(o),
    okCodes: [128],
  });
  const objects = stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => OBJECT_ID.test(l));
  const lines = objects.length ? await batchCheck(gitDir, objects, o) : [];
  const commits = lines
    .map((l) => l.split(' '))
    .filter(([, type]) => type === 'commit')
    .map(([oid]) => oid as string);
  if (commits.length === 1) return commits[0] as string;
  if (commits.length > 1) {
    throw notFound(id, `the abbreviated id matches ${commits.length} commits; give more digits`, {
      candidates: commits.slice(0, 10),
    });
  }
  throw notFound(id);
}

/** `git cat-file --batch-check`: one "<oid> <type> <size>" (or "<name> missing") line per input. */
async function batchCheck(gitDir: string, names: string[], o: RefOptions): Promise<string[]> {
  const { stdout } = await runGit([`--git-dir=${gitDir}`, 'cat-file', '--batch-check'], {
    ...gitOptions(o),
    input: `${names.join('\n')}\n`,
  });
  return stdout.toString('utf8').split('\n').slice(0, names.length);
}

function gitOptions(o: RefOptions): {
  signal?: AbortSignal;
  env?: Record<string, string>;
  timeoutMs: number;
} {
  return { timeoutMs: 60_000, ...(o.signal ? { signal: o.signal } : {}), ...(o.env ? { env: o.env } : {}) };
}
