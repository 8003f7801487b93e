// What a verified delivery leads to, decided without a store or a server: pushes and tags are handed
// on with their commit, everything else is ignored with a reason that says why, and a ref git would
// refuse (a path, an option, control characters) never reaches the deploy trigger.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/webhooks/decide.ts';

const A = 'a'.repeat(40);
const ZERO = '0'.repeat(40);

describe('decide', () => {
  it('hands branches and tags on, with who pushed and from where', () => {
    expect(decide({ kind: 'push', ref: 'refs/heads/main', commit: A, pusher: 'alice' })).toEqual({
      action: 'hand',
      kind: 'push',
      ref: 'refs/heads/main',
      commit: A,
      pusher: 'alice',
    });
    expect(
      decide({
        kind: 'push',
        ref: 'refs/tags/v1.0.0',
        commit: A,
        repositoryUrl: 'https://git.example/x.git',
      }),
    ).toEqual({
      action: 'hand',
      kind: 'tag',
      ref: 'refs/tags/v1.0.0',
      commit: A,
      repositoryUrl: 'https://git.example/x.git',
    });
  });

  it('ignores pings (200), other events, deletions and refs that are no branch or tag (202)', () => {
    expect(decide({ kind: 'ping' })).toEqual({ action: 'ignore', reason: 'ping', status: 200 });
    expect(decide({ kind: 'other', reason: 'event "star" is not a push' })).toMatchObject({ status: 202 });
    expect(decide({ kind: 'push', ref: 'refs/heads/old', commit: ZERO })).toEqual({
      action: 'ignore',
      reason: 'branch refs/heads/old was deleted',
      status: 202,
      ref: 'refs/heads/old',
      commit: ZERO,
    });
    expect(decide({ kind: 'push', ref: 'refs/tags/v0', commit: ZERO })).toMatchObject({
      reason: 'tag refs/tags/v0 was deleted',
    });
    expect(decide({ kind: 'push', ref: 'refs/pull/1/head', commit: A })).toMatchObject({
      action: 'ignore',
      reason: 'ref refs/pull/1/head is neither a branch nor a tag',
    });
  });

  it('refuses refs git would refuse, and keeps what the log shows printable', () => {
    for (const ref of ['refs/heads/--upload-pack=evil', 'refs/heads/a/../b', 'refs/tags/x\u0007y']) {
      expect(() => decide({ kind: 'push', ref, commit: A }), ref).toThrow(
        expect.objectContaining({ code: 'GIT_REF_INVALID' }),
      );
    }
    expect(() => decide({ kind: 'push', ref: 'refs/tags/x\ny', commit: A })).toThrow(/refs\/tags\/x y/);
    const long = decide({
      kind: 'push',
      ref: 'refs/heads/main',
      commit: A,
      pusher: `${'p'.repeat(300)}\r\n`,
    });
    expect(long.action === 'hand' && long.pusher).toHaveLength(255);
  });
});
