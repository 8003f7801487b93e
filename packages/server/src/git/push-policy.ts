// The checks every push passes before Berth's handlers see it, as pure functions: which refs a
// pusher may move, how the hook's report of them is read, and how a line shown at the pusher's
// terminal is cleaned. Git already refuses malformed ref names (check-ref-format); these narrow
// what a hosted repository holds to branches and tags.
import { BerthError } from '../errors.ts';
import type { RefUpdate } from './push-hooks.ts';

/** Most refs one push may move (a push of thousands of tags is a mistake or an attack). */
export const MAX_REFS_PER_PUSH = 1000;
/** Longest ref name (bytes) a hosted repository keeps: well within any file system's name limits. */
export const MAX_REF_BYTES = 255;

const UPDATE_LINE = /^([0-9a-f]{40}) ([0-9a-f]{40}) (refs\/\S+)$/;

/** The update lines git gives pre- and post-receive on stdin (`<old> <new> <ref>`). */
export function parseRefUpdates(lines: readonly string[]): RefUpdate[] {
  const updates: RefUpdate[] = [];
  for (const line of lines) {
    if (line === '') continue;
    const match = UPDATE_LINE.exec(line);
    if (!match) throw new BerthError('GIT_REF_INVALID', `Not a ref update: ${cleanLine(line).slice(0, 300)}`);
    updates.push({ oldCommit: match[1]!, newCommit: match[2]!, ref: match[3]! });
  }
  return updates;
}

/**
 * Refuses (GIT_REF_INVALID, message naming the ref) what a hosted repository does not keep: refs
 * other than branches and tags (refs/remotes/*, refs/notes/*, refs/changes/*…), names longer than
 * MAX_REF_BYTES, more than MAX_REFS_PER_PUSH refs at once.
 */
export function checkRefUpdates(updates: readonly RefUpdate[]): void {
  if (updates.length > MAX_REFS_PER_PUSH) {
    throw new BerthError(
      'GIT_REF_INVALID',
      `A push may move at most ${MAX_REFS_PER_PUSH} refs; this one moves ${updates.length}`,
    );
  }
  for (const { ref } of updates) {
    if (Buffer.byteLength(ref) > MAX_REF_BYTES) {
      throw new BerthError(
        'GIT_REF_INVALID',
        `Ref names are at most ${MAX_REF_BYTES} bytes long: ${ref.slice(0, 60)}… is ${Buffer.byteLength(ref)}`,
      );
    }
    const short = ref.startsWith('refs/heads/')
      ? ref.slice('refs/heads/'.length)
      : ref.startsWith('refs/tags/')
        ? ref.slice('refs/tags/'.length)
        : '';
    if (short === '') {
      throw new BerthError(
        'GIT_REF_INVALID',
        `Only branches (refs/heads/…) and tags (refs/tags/…) can be pushed, not ${cleanLine(ref)}`,
      );
    }
    // A name git commands would take for an option (`-x`), or one that shadows HEAD (`git push
    // origin main:HEAD` makes a branch called HEAD), is refused rather than kept to confuse later.
    if (short.startsWith('-') || short === 'HEAD' || short.split('/').includes('HEAD')) {
      throw new BerthError(
        'GIT_REF_INVALID',
        `${cleanLine(ref)}: branch and tag names may not start with "-" nor be called HEAD`,
      );
    }
  }
}

/**
 * A line for the pusher's terminal: without control characters (an app's build output must not
 * move the cursor, clear the screen or forge a line of git's), tabs kept; one entry per line.
 */
export function terminalLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).map(cleanLine);
}

function cleanLine(line: string): string {
  // C0 controls but tab, DEL, C1 controls (ESC sequences lose their introducer and show as text),
  // and the bidirectional overrides that make a line read other than it is.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '');
}
