// archiveCommit through the package unpacker (what the build gets), and checkTree's refusals of
// submodules and Git LFS, on repositories made by the real git client.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { archiveCommit, checkTree } from '../../src/git/index.ts';
import { unpackPackage } from '../../src/sources/index.ts';
import { refusal } from './sources-support/refusal.ts';
import { type FileSpec, TestRepo } from './sources-support/test-repo.ts';

const LFS_POINTER =
  'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n';

let repo: TestRepo;
let out: string;
beforeEach(() => {
  repo = TestRepo.temp();
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-archive-out-'));
});
afterEach(() => {
  repo.cleanup();
  fs.rmSync(out, { recursive: true, force: true });
});

const signal = () => AbortSignal.timeout(30_000);

describe('archiveCommit', () => {
  it('streams the commit as a tar that unpacks to the same files, symlinks and exec bits', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
    const files: Record<string, FileSpec> = {
      'package.json': '{"name":"app"}',
      'bin/start': { content: '#!/bin/sh\necho hi\n', mode: 0o755 },
      'lib/deep/data.bin': big,
      'lib/link.js': { symlink: '../package.json' },
      'docs/readme.md': '# app\n',
    };
    const commit = repo.commit(files);
    repo.commit({ 'package.json': '{"name":"later"}', 'docs/readme.md': null });
    const dest = path.join(out, 'tree');
    const result = await unpackPackage(
      archiveCommit(repo.gitDir, commit, { signal: signal(), timeoutMs: 30_000 }),
      dest,
    );
    expect(result.root).toBe(dest);
    expect(fs.readFileSync(path.join(dest, 'package.json'), 'utf8')).toBe('{"name":"app"}');
    expect(fs.readFileSync(path.join(dest, 'docs/readme.md'), 'utf8')).toBe('# app\n');
    expect(fs.readFileSync(path.join(dest, 'lib/deep/data.bin')).equals(big)).toBe(true);
    expect(fs.statSync(path.join(dest, 'bin/start')).mode & 0o111).not.toBe(0);
    expect(fs.statSync(path.join(dest, 'package.json')).mode & 0o111).toBe(0);
    expect(fs.lstatSync(path.join(dest, 'lib/link.js')).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(path.join(dest, 'lib/link.js'))).toBe('../package.json');
    expect(result.files).toBe(4);
  });

  it('a symlink out of the tree in the commit is refused by the unpacker, as in an uploaded package', async () => {
    const commit = repo.commit({ 'a.txt': 'a', escape: { symlink: '../../../etc/passwd' } });
    const e = await refusal(
      unpackPackage(
        archiveCommit(repo.gitDir, commit, { signal: signal(), timeoutMs: 30_000 }),
        path.join(out, 't'),
      ),
    );
    expect(e.code).toMatch(/^PACKAGE_/);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('a pushed tree with `..` or `.git` entries (git mktree takes them) yields no archive', async () => {
    const blob = repo.git(['hash-object', '-w', '--stdin'], 'pwned\n');
    const inner = repo.git(['mktree'], `100644 blob ${blob}\tconfig\n`);
    for (const name of ['..', '.git', '.GIT']) {
      const tree = repo.git(['mktree'], `040000 tree ${inner}\t${name}\n100644 blob ${blob}\tok.txt\n`);
      const commit = repo.git(['commit-tree', tree, '-m', `hostile ${name}`]);
      const stream = archiveCommit(repo.gitDir, commit, { signal: signal(), timeoutMs: 30_000 });
      const e = await refusal(unpackPackage(stream, path.join(out, 't')));
      expect(e.code, name).toBe('BUILD_FAILED');
      expect(String(e.details['tail']), name).toMatch(/invalid path/);
      expect(fs.readdirSync(out)).toEqual([]);
    }
  });

  it("honours the repository's export-ignore and export-subst, as git hosts' archives do", async () => {
    const commit = repo.commit({
      '.gitattributes': 'secret.txt export-ignore\nversion.txt export-subst\n',
      'secret.txt': 'left out',
      'version.txt': '$Format:%H$',
    });
    const dest = path.join(out, 'tree');
    await unpackPackage(archiveCommit(repo.gitDir, commit, { signal: signal(), timeoutMs: 30_000 }), dest);
    expect(fs.existsSync(path.join(dest, 'secret.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(dest, 'version.txt'), 'utf8')).toBe(commit);
  });

  it('fails the stream with GIT_REF_NOT_FOUND for a commit the repository does not have', async () => {
    repo.commit({ 'a.txt': 'a' });
    const stream = archiveCommit(repo.gitDir, 'f'.repeat(40), { signal: signal(), timeoutMs: 30_000 });
    const e = await refusal(unpackPackage(stream, path.join(out, 't')));
    expect(e.code).toBe('GIT_REF_NOT_FOUND');
    expect(fs.readdirSync(out)).toEqual([]);
    // Read only after git has long failed: the error waits on the stream.
    const late = archiveCommit(repo.gitDir, 'e'.repeat(40), { signal: signal(), timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect((await refusal(unpackPackage(late, path.join(out, 't')))).code).toBe('GIT_REF_NOT_FOUND');
  });

  it('an abort ends the stream with the signal’s reason', async () => {
    const commit = repo.commit({ 'a.bin': Buffer.alloc(8 * 1024 * 1024, 1) });
    const controller = new AbortController();
    const stream = archiveCommit(repo.gitDir, commit, { signal: controller.signal, timeoutMs: 30_000 });
    const reason = new Error('stop');
    stream.once('data', () => controller.abort(reason));
    await expect(
      (async () => {
        for await (const _ of stream) {
          // reading until the abort
        }
      })(),
    ).rejects.toBe(reason);
  });

  it('refuses a ref name or anything but a full commit id', async () => {
    const stream = archiveCommit(repo.gitDir, '--output=/tmp/x', { signal: signal(), timeoutMs: 30_000 });
    await expect(stream.toArray()).rejects.toThrow(/not a full commit id/);
  });
});

describe('checkTree', () => {
  it('passes an ordinary tree, including a .gitattributes without lfs and small files', async () => {
    const commit = repo.commit({
      '.gitattributes': '*.sh text eol=lf\n# filter=lfs in a comment\n',
      'small.txt': 'version 1\n',
      'note.txt': 'version https://example.com is not an LFS pointer\n',
    });
    await expect(checkTree(repo.gitDir, commit)).resolves.toBeUndefined();
  });

  it('SOURCE_SUBMODULES_UNSUPPORTED for a gitlink, with its path', async () => {
    const base = repo.commit({ 'a.txt': 'a' });
    const commit = repo.commitGitlink('vendor/lib', base, 'main');
    const e = await refusal(checkTree(repo.gitDir, commit));
    expect(e.code).toBe('SOURCE_SUBMODULES_UNSUPPORTED');
    expect(e.details['paths']).toEqual(['vendor/lib']);
  });

  it('SOURCE_SUBMODULES_UNSUPPORTED for a .gitmodules file', async () => {
    const commit = repo.commit({
      '.gitmodules': '[submodule "x"]\n\tpath = x\n\turl = https://example.com/x.git\n',
    });
    const e = await refusal(checkTree(repo.gitDir, commit));
    expect(e.code).toBe('SOURCE_SUBMODULES_UNSUPPORTED');
    expect(e.details['paths']).toEqual(['.gitmodules']);
  });

  it('SOURCE_LFS_UNSUPPORTED for an LFS pointer blob', async () => {
    const commit = repo.commit({ 'assets/big.psd': LFS_POINTER, 'a.txt': 'a' });
    const e = await refusal(checkTree(repo.gitDir, commit));
    expect(e.code).toBe('SOURCE_LFS_UNSUPPORTED');
    expect(e.details['paths']).toEqual(['assets/big.psd']);
  });

  it('SOURCE_LFS_UNSUPPORTED for filter=lfs in a nested .gitattributes', async () => {
    const commit = repo.commit({ 'media/.gitattributes': '*.mp4 filter=lfs diff=lfs merge=lfs -text\n' });
    const e = await refusal(checkTree(repo.gitDir, commit));
    expect(e.code).toBe('SOURCE_LFS_UNSUPPORTED');
    expect(e.details['paths']).toEqual(['media/.gitattributes']);
  });

  it('GIT_REF_NOT_FOUND for a commit the repository does not have', async () => {
    repo.commit({ 'a.txt': 'a' });
    expect((await refusal(checkTree(repo.gitDir, 'f'.repeat(40)))).code).toBe('GIT_REF_NOT_FOUND');
  });

  it('looks only at the commit asked for', async () => {
    const clean = repo.commit({ 'a.txt': 'a' });
    const later = repo.commit({ 'b.bin': LFS_POINTER });
    await expect(checkTree(repo.gitDir, clean)).resolves.toBeUndefined();
    expect((await refusal(checkTree(repo.gitDir, later))).code).toBe('SOURCE_LFS_UNSUPPORTED');
  });
});
