// The checks every push passes before Berth's handlers see it: which refs may move, how git's
// update lines are read, and what reaches the pusher's terminal.
import { describe, expect, it } from 'vitest';
import {
  checkRefUpdates,
  MAX_REFS_PER_PUSH,
  parseRefUpdates,
  terminalLines,
} from '../../src/git/push-policy.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const update = (ref: string) => ({ ref, oldCommit: A, newCommit: B });

describe('push policy', () => {
  it('reads the update lines git gives the hooks', () => {
    expect(parseRefUpdates([`${A} ${B} refs/heads/main`, ''])).toEqual([update('refs/heads/main')]);
    for (const bad of [
      `${A} ${B}`,
      `${A} ${B} main`,
      `${A.slice(1)} ${B} refs/heads/x`,
      `${A} ${B} refs/heads/a b`,
    ])
      expect(() => parseRefUpdates([bad]), bad).toThrow(expect.objectContaining({ code: 'GIT_REF_INVALID' }));
  });

  it('keeps branches and tags only, with sane names', () => {
    expect(() =>
      checkRefUpdates([update('refs/heads/main'), update('refs/tags/v1.2.0'), update('refs/heads/feat/x')]),
    ).not.toThrow();
    for (const ref of [
      'refs/remotes/origin/main',
      'refs/notes/commits',
      'refs/heads/',
      'refs/tags/',
      'refs/stash',
      'refs/heads/-x',
      'refs/tags/--upload-pack=x',
      'refs/heads/HEAD',
      'refs/heads/a/HEAD',
      `refs/heads/${'x'.repeat(250)}`,
    ]) {
      expect(() => checkRefUpdates([update(ref)]), ref).toThrow(
        expect.objectContaining({ code: 'GIT_REF_INVALID' }),
      );
    }
  });

  it('refuses more refs than one push may move', () => {
    const many = Array.from({ length: MAX_REFS_PER_PUSH + 1 }, (_, i) => update(`refs/tags/t${i}`));
    expect(() => checkRefUpdates(many)).toThrow(expect.objectContaining({ code: 'GIT_REF_INVALID' }));
    expect(() => checkRefUpdates(many.slice(1))).not.toThrow();
  });

  it('removes control characters and bidi overrides from terminal lines, one per line', () => {
    expect(terminalLines('a\u001b[2Jb\tc\r\nnext\u202eevil\u0007')).toEqual(['a[2Jb\tc', 'nextevil']);
  });
});
