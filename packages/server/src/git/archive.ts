// A commit's tree as a tar stream (`git archive`), for the build's source tree: the lead's Source
// feeds it to the package unpacker (sources/unpack-package.ts), which applies the same limits and
// path rules as to an uploaded package, so a repository gains no way around them.
//
// The repository's own .gitattributes are honoured, as by every git host's "download archive":
// `export-ignore` leaves files out and `export-subst` expands `$Format:...$` placeholders with the
// commit's own metadata. Both are the app author's choice about the author's own files, give no
// access to anything else, and git bounds the costly placeholder (`%(describe)`) to one per archive.
import { PassThrough, type Readable } from 'node:stream';
import { BerthError } from '../errors.ts';
import { commitNotFound, isMissingObject, OBJECT_ID } from './refs.ts';
import { spawnGit, stderrTail } from './run-git.ts';

export interface ArchiveOptions {
  signal: AbortSignal;
  /** The archive is cut off (and the stream fails) after this long. */
  timeoutMs: number;
  env?: Record<string, string>;
}

/**
 * `git archive --format=tar <commit>` as a stream. A failure (no such commit, git killed by the time
 * limit) destroys the stream with a BerthError: GIT_REF_NOT_FOUND when the commit is not in the
 * repository, BUILD_FAILED otherwise; an abort destroys it with the signal's reason. Destroying the
 * stream stops git.
 */
export function archiveCommit(gitDir: string, commit: string, o: ArchiveOptions): Readable {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  // git can fail before the reader attaches its listeners (the unpacker first creates its
  // directory): the error stays on the stream (`errored`, which pipeline, async iteration and the
  // unpacker check) instead of crashing the process as an unhandled 'error' event.
  out.on('error', () => {});
  if (!OBJECT_ID.test(commit)) {
    out.destroy(new BerthError('INTERNAL', `archiveCommit: ${commit} is not a full commit id`));
    return out;
  }
  if (o.signal.aborted) {
    out.destroy(o.signal.reason);
    return out;
  }
  const started = Date.now();
  const { child, kill } = spawnGit([`--git-dir=${gitDir}`, 'archive', '--format=tar', `${commit}^{commit}`], {
    signal: o.signal,
    timeoutMs: o.timeoutMs,
    ...(o.env ? { env: o.env } : {}),
  });
  child.stdin.end();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
  });
  child.stdout.pipe(out, { end: false });
  // The reader gave up (the unpacker refused the archive): git has no one left to write to.
  out.once('close', kill);
  child.once('error', (err) => out.destroy(err));
  child.once('close', (code, signal) => {
    if (out.destroyed) return;
    if (code === 0) {
      out.end();
      return;
    }
    if (o.signal.aborted) {
      out.destroy(o.signal.reason);
      return;
    }
    const tail = stderrTail(stderr);
    const missing = isMissingObject(tail);
    const timedOut = signal !== null && Date.now() - started >= o.timeoutMs;
    out.destroy(
      missing
        ? commitNotFound(commit)
        : new BerthError(
            'BUILD_FAILED',
            timedOut
              ? `git archive of ${commit} took longer than ${o.timeoutMs} ms`
              : `git archive of ${commit} failed (${code ?? signal})`,
            { commit, ...(tail.length ? { tail } : {}) },
          ),
    );
  });
  return out;
}
