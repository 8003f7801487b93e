// What a commit's tree may hold that Berth cannot build from: submodules (Berth fetches no other
// repository for a build) and Git LFS files (Berth does not talk to LFS servers, so the build would
// see the small pointer files instead of the content). Checked before the archive is made, so that
// the user hears why rather than meeting a broken build.
import { BerthError } from '../errors.ts';
import { parseLongEntry, type TreeEntry } from './read-file.ts';
import { OBJECT_ID, orCommitNotFound } from './refs.ts';
import { runGit } from './run-git.ts';

/** How every LFS pointer file starts (the Git LFS specification, v1). */
const LFS_POINTER_START = 'version https://git-lfs.github.com/spec/v1';
/** Pointer files are under 1024 bytes by the specification; real ones are about 130. */
const LFS_POINTER_MAX = 1024;
/** Most .gitattributes bytes read per file (they are short; a huge one is not worth reading). */
const ATTRIBUTES_MAX = 64 * 1024;
/** Paths named in an error's details. */
const PATHS_SHOWN = 20;

export interface TreeCheckOptions {
  signal?: AbortSignal;
  env?: Record<string, string>;
}

/**
 * Refuses a commit whose tree Berth cannot build: SOURCE_SUBMODULES_UNSUPPORTED (details.paths) for
 * gitlinks (mode 160000) or a top-level .gitmodules; SOURCE_LFS_UNSUPPORTED (details.paths) for
 * `filter=lfs` in any .gitattributes or for blobs that are LFS pointers; GIT_REF_NOT_FOUND when the
 * repository has no such commit.
 */
export async function checkTree(gitDir: string, commit: string, o: TreeCheckOptions = {}): Promise<void> {
  if (!OBJECT_ID.test(commit))
    throw new BerthError('INTERNAL', `checkTree: ${commit} is not a full commit id`);
  const options = {
    timeoutMs: 5 * 60_000,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.env ? { env: o.env } : {}),
  };
  const listing = await orCommitNotFound(commit, () =>
    runGit([`--git-dir=${gitDir}`, 'ls-tree', '-r', '-z', '--long', '--full-tree', `${commit}^{commit}`], {
      ...options,
      maxOutputBytes: 256 * 1024 * 1024,
    }),
  );
  const entries = listing.stdout
    .toString('utf8')
    .split('\0')
    .map(parseLongEntry)
    .filter((e): e is TreeEntry => e !== null);

  const submodules = entries
    .filter((e) => e.mode === '160000' || e.path === '.gitmodules')
    .map((e) => e.path);
  if (submodules.length) {
    throw new BerthError(
      'SOURCE_SUBMODULES_UNSUPPORTED',
      `The commit uses git submodules (${shown(submodules)}); vendor their files into the repository instead`,
      { paths: submodules.slice(0, PATHS_SHOWN), count: submodules.length },
    );
  }

  const blobs = entries.filter((e) => e.mode === '100644' || e.mode === '100755');
  const attributes = blobs.filter((e) => e.path === '.gitattributes' || e.path.endsWith('/.gitattributes'));
  const candidates = blobs.filter((e) => e.size >= LFS_POINTER_START.length && e.size < LFS_POINTER_MAX);
  const contents = await readBlobs(
    gitDir,
    [...attributes.filter((e) => e.size <= ATTRIBUTES_MAX), ...candidates].map((e) => e.oid),
    options,
  );
  const lfs = [
    ...attributes.filter((e) => usesLfsFilter(contents.get(e.oid))),
    ...candidates.filter((e) => contents.get(e.oid)?.startsWith(LFS_POINTER_START)),
  ].map((e) => e.path);
  if (lfs.length) {
    throw new BerthError(
      'SOURCE_LFS_UNSUPPORTED',
      `The commit uses Git LFS (${shown(lfs)}); commit the files themselves instead of LFS pointers`,
      { paths: [...new Set(lfs)].slice(0, PATHS_SHOWN), count: lfs.length },
    );
  }
}

function shown(paths: string[]): string {
  const head = paths.slice(0, 3).join(', ');
  return paths.length > 3 ? `${head} and ${paths.length - 3} more` : head;
}

/** A .gitattributes line that sets `filter=lfs` for some pattern (comments and macros aside). */
function usesLfsFilter(text: string | undefined): boolean {
  if (!text) return false;
  return text.split(/\r?\n/).some((line) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return false;
    return trimmed.split(/\s+/).slice(1).includes('filter=lfs');
  });
}

/** The contents of the given blobs (as latin1 text, enough for prefixes and ASCII attributes), in
 *  one `git cat-file --batch` for all of them. */
async function readBlobs(
  gitDir: string,
  oids: string[],
  options: { signal?: AbortSignal; env?: Record<string, string>; timeoutMs: number },
): Promise<Map<string, string>> {
  const unique = [...new Set(oids)];
  const contents = new Map<string, string>();
  if (unique.length === 0) return contents;
  const { stdout } = await runGit([`--git-dir=${gitDir}`, 'cat-file', '--batch'], {
    ...options,
    input: `${unique.join('\n')}\n`,
    maxOutputBytes: 256 * 1024 * 1024,
  });
  // Each answer: "<oid> <type> <size>\n<size bytes>\n".
  let at = 0;
  while (at < stdout.length) {
    const eol = stdout.indexOf(0x0a, at);
    if (eol < 0) break;
    const [oid, type, size] = stdout.subarray(at, eol).toString('latin1').split(' ');
    if (type === 'missing') {
      at = eol + 1;
      continue;
    }
    const bytes = Number(size);
    if (!oid || !Number.isInteger(bytes)) break;
    contents.set(oid, stdout.subarray(eol + 1, eol + 1 + bytes).toString('latin1'));
    at = eol + 1 + bytes + 1;
  }
  return contents;
}
