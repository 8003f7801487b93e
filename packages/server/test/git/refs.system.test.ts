// resolveRef and readFileAt against real repositories made by the real git client: which commit a
// branch, tag, full ref or commit id names, what is refused, and what one file reads as.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileAt, resolveCommitId, resolveRef } from '../../src/git/index.ts';
import { refusal } from './sources-support/refusal.ts';
import { TestRepo } from './sources-support/test-repo.ts';

let repo: TestRepo;
let first: string;
let second: string;
let onFeature: string;

beforeAll(() => {
  repo = TestRepo.temp();
  first = repo.commit({ 'a.txt': 'one' });
  second = repo.commit({ 'a.txt': 'two' });
  onFeature = repo.commit({ 'b.txt': 'feature' }, 'feature/x');
  repo.tag('v1', first, true);
  repo.tag('light', second);
  // A tag of a tag: peeled all the way to the commit.
  repo.git(['tag', '-a', '-m', 'outer', 'v1-outer', 'refs/tags/v1']);
  // A tag that names a tree, not a commit.
  repo.git(['tag', 'tree-tag', `${second}^{tree}`]);
  // A branch and a tag of the same name: the branch wins.
  repo.branch('same', first);
  repo.tag('same', second);
  // A branch whose name looks like a commit id of another commit.
  repo.branch(second.slice(0, 10), first);
  // A branch oddly named like a full ref.
  repo.branch('refs/heads/main', onFeature);
});
afterAll(() => repo.cleanup());

describe('resolveRef', () => {
  it('resolves a branch to its head and names the full ref', async () => {
    expect(await resolveRef(repo.gitDir, 'main')).toEqual({ commit: second, ref: 'refs/heads/main' });
    expect(await resolveRef(repo.gitDir, 'feature/x')).toEqual({
      commit: onFeature,
      ref: 'refs/heads/feature/x',
    });
  });

  it('peels an annotated tag (and a tag of a tag) to its commit; a light tag too', async () => {
    expect(await resolveRef(repo.gitDir, 'v1')).toEqual({ commit: first, ref: 'refs/tags/v1' });
    expect(await resolveRef(repo.gitDir, 'v1-outer')).toEqual({ commit: first, ref: 'refs/tags/v1-outer' });
    expect(await resolveRef(repo.gitDir, 'light')).toEqual({ commit: second, ref: 'refs/tags/light' });
  });

  it('tries the branch before the tag of the same name', async () => {
    expect(await resolveRef(repo.gitDir, 'same')).toEqual({ commit: first, ref: 'refs/heads/same' });
    expect(await resolveRef(repo.gitDir, 'refs/tags/same')).toEqual({
      commit: second,
      ref: 'refs/tags/same',
    });
  });

  it('takes a full ref as itself only: a branch named like it does not stand in', async () => {
    expect(await resolveRef(repo.gitDir, 'refs/heads/main')).toEqual({
      commit: second,
      ref: 'refs/heads/main',
    });
    expect(await resolveRef(repo.gitDir, 'refs/heads/refs/heads/main')).toEqual({
      commit: onFeature,
      ref: 'refs/heads/refs/heads/main',
    });
  });

  it('resolves full and abbreviated commit ids, in either case', async () => {
    expect(await resolveRef(repo.gitDir, first)).toEqual({ commit: first, ref: null });
    expect(await resolveRef(repo.gitDir, first.slice(0, 7))).toEqual({ commit: first, ref: null });
    expect(await resolveRef(repo.gitDir, first.slice(0, 12).toUpperCase())).toEqual({
      commit: first,
      ref: null,
    });
  });

  it('a branch named like a commit id wins over the commit; resolveCommitId ignores names', async () => {
    const name = second.slice(0, 10);
    expect(await resolveRef(repo.gitDir, name)).toEqual({ commit: first, ref: `refs/heads/${name}` });
    expect(await resolveCommitId(repo.gitDir, name)).toBe(second);
  });

  it('GIT_REF_NOT_FOUND for a missing branch, tag or commit, with details.ref', async () => {
    for (const ref of ['nope', 'refs/heads/nope', 'refs/tags/v2', 'deadbeefdeadbeef', '0'.repeat(40)]) {
      const e = await refusal(resolveRef(repo.gitDir, ref));
      expect(e.code, ref).toBe('GIT_REF_NOT_FOUND');
      expect(e.details).toMatchObject({ ref });
    }
  });

  it('GIT_REF_NOT_FOUND for a tag that names a tree', async () => {
    const e = await refusal(resolveRef(repo.gitDir, 'tree-tag'));
    expect(e.code).toBe('GIT_REF_NOT_FOUND');
    expect(e.message).toMatch(/does not point at a commit/);
  });

  it('an abbreviated id that several commits share is refused with the candidates', async () => {
    // Two commit objects whose ids share 7 hex digits: found by hashing candidate commits here
    // (about 2^14 tries), then written into a real repository by git.
    const many = TestRepo.temp();
    try {
      const tree = many.git(['hash-object', '-t', 'tree', '-w', '--stdin'], '');
      const body = (i: number) =>
        `tree ${tree}\nauthor T <t@example.com> 1767225600 +0000\ncommitter T <t@example.com> 1767225600 +0000\n\nc${i}\n`;
      const seen = new Map<string, number>();
      let pair: [number, number] | undefined;
      for (let i = 0; !pair; i++) {
        const text = body(i);
        const id = crypto
          .createHash('sha1')
          .update(`commit ${Buffer.byteLength(text)}\0${text}`)
          .digest('hex');
        const other = seen.get(id.slice(0, 7));
        if (other !== undefined) pair = [other, i];
        seen.set(id.slice(0, 7), i);
      }
      const ids = pair.map((i) => many.git(['hash-object', '-t', 'commit', '-w', '--stdin'], body(i)));
      const [a, b] = ids as [string, string];
      expect(a.slice(0, 7)).toBe(b.slice(0, 7));
      const e = await refusal(resolveRef(many.gitDir, a.slice(0, 7)));
      expect(e.code).toBe('GIT_REF_NOT_FOUND');
      expect(e.message).toMatch(/matches 2 commits/);
      expect((e.details as { candidates: string[] }).candidates.sort()).toEqual([a, b].sort());
      // Enough digits to tell them apart resolve.
      const differ = [...a].findIndex((c, i) => c !== b[i]);
      expect(await resolveRef(many.gitDir, a.slice(0, differ + 1))).toEqual({ commit: a, ref: null });
    } finally {
      many.cleanup();
    }
  });

  it('GIT_REF_INVALID for names git refuses, revision syntax and option-like names', async () => {
    const bad = [
      '',
      '-upload-pack=x',
      '--output=/tmp/x',
      'main^',
      'main~1',
      'HEAD@{1}',
      '@',
      'a..b',
      'a b',
      'a:b',
      'a*',
      'a?',
      'a[1]',
      'a\\b',
      '/main',
      'main/',
      'a//b',
      'main.',
      '.hidden',
      'x/.y',
      'main.lock',
      'a\nb',
      'a\u0000b',
      'x'.repeat(256),
    ];
    for (const ref of bad) {
      const e = await refusal(resolveRef(repo.gitDir, ref));
      expect(e.code, JSON.stringify(ref)).toBe('GIT_REF_INVALID');
    }
  });
});

describe('readFileAt', () => {
  let files: TestRepo;
  let commit: string;
  beforeAll(() => {
    files = TestRepo.temp();
    commit = files.commit({
      'berth.yaml': 'name: app\n',
      'dir/inner.txt': 'inner',
      'run.sh': { content: '#!/bin/sh\n', mode: 0o755 },
      'link.yaml': { symlink: 'berth.yaml' },
      'outside.yaml': { symlink: '/etc/passwd' },
      linkdir: { symlink: 'dir' },
      'big.txt': 'x'.repeat(5000),
      '[glob].txt': 'literal',
    });
  });
  afterAll(() => files.cleanup());

  it('reads a regular file, executable or not, at the commit', async () => {
    expect((await readFileAt(files.gitDir, commit, 'berth.yaml', 1024))?.toString()).toBe('name: app\n');
    expect((await readFileAt(files.gitDir, commit, 'dir/inner.txt', 1024))?.toString()).toBe('inner');
    expect((await readFileAt(files.gitDir, commit, 'run.sh', 1024))?.toString()).toBe('#!/bin/sh\n');
    expect((await readFileAt(files.gitDir, commit, '[glob].txt', 1024))?.toString()).toBe('literal');
  });

  it('null for a missing file, a directory, a symlink and a path through a symlinked directory', async () => {
    for (const p of [
      'missing.yaml',
      'dir',
      'link.yaml',
      'outside.yaml',
      'linkdir/inner.txt',
      'dir/missing',
    ]) {
      expect(await readFileAt(files.gitDir, commit, p, 1024), p).toBeNull();
    }
  });

  it('a pathspec pattern matches nothing but its literal name', async () => {
    expect(await readFileAt(files.gitDir, commit, '*.yaml', 1024)).toBeNull();
    expect(await readFileAt(files.gitDir, commit, ':(glob)**/inner.txt', 1024)).toBeNull();
  });

  it('PAYLOAD_TOO_LARGE above maxBytes', async () => {
    expect((await refusal(readFileAt(files.gitDir, commit, 'big.txt', 4999))).code).toBe('PAYLOAD_TOO_LARGE');
    expect((await readFileAt(files.gitDir, commit, 'big.txt', 5000))?.length).toBe(5000);
  });

  it('VALIDATION_FAILED for paths that are not plain relative ones', async () => {
    for (const p of ['/etc/passwd', '../x', 'a/../b', './berth.yaml', 'dir/', '', 'a\nb']) {
      expect((await refusal(readFileAt(files.gitDir, commit, p, 1024))).code, p).toBe('VALIDATION_FAILED');
    }
  });

  it('GIT_REF_NOT_FOUND for a commit the repository does not have', async () => {
    const e = await refusal(readFileAt(files.gitDir, 'f'.repeat(40), 'berth.yaml', 1024));
    expect(e.code).toBe('GIT_REF_NOT_FOUND');
  });

  it('reads a gitlink path as absent', async () => {
    const withLink = files.commitGitlink('sub', commit, 'with-sub');
    expect(await readFileAt(files.gitDir, withLink, 'sub', 1024)).toBeNull();
  });
});
