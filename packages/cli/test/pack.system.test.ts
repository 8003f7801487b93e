// Packing an app directory for `berth deploy`: real temporary trees, the archive read back with
// node-tar and unpacked with the system's tar.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { list } from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { tree as sourceTree } from '../../server/test/manifest/tree.ts';
import { CliError } from '../src/errors.ts';
import { formatSize } from '../src/output.ts';
import { packDirectory } from '../src/pack.ts';

interface Entry {
  path: string;
  type: string;
  mode: number;
  linkpath: string;
  mtime: number;
}

const roots: string[] = [];

/** A temporary tree of `files` (the server tests' `tree`), removed after each test. */
function tree(files: Record<string, string>): string {
  const root = sourceTree(files).dir;
  roots.push(root);
  return root;
}

/** Reads the archive back: every entry with its type, mode and link target, `./` dropped. */
async function entries(data: Uint8Array): Promise<Entry[]> {
  const file = path.join(tree({}), 'app.tar.gz');
  fs.writeFileSync(file, data);
  const found: Entry[] = [];
  await list({
    file,
    onReadEntry: (e) => {
      found.push({
        path: e.path.replace(/^\.\//, ''),
        type: e.type,
        mode: (e.mode ?? 0) & 0o777,
        linkpath: e.linkpath ?? '',
        mtime: e.mtime?.getTime() ?? 0,
      });
    },
  });
  return found;
}

async function packedPaths(root: string): Promise<string[]> {
  return (await entries((await packDirectory(root)).data)).map((e) => e.path);
}

async function refusal(promise: Promise<unknown>): Promise<CliError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CliError);
  return err as CliError;
}

afterEach(() => {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

describe('packDirectory', () => {
  it('honours the root .gitignore, nested ones relative to their directory, and negation', async () => {
    const root = tree({
      '.gitignore': 'node_modules/\n*.log\n!keep.log\n/build\n',
      'server.js': 'x',
      'debug.log': 'x',
      'keep.log': 'x',
      'node_modules/dep/index.js': 'x',
      'build/out.js': 'x',
      'src/build/kept.js': 'x',
      'src/.gitignore': 'secret.txt\n!important.log\n/local-only\n',
      'src/secret.txt': 'x',
      'src/important.log': 'x',
      'src/other.log': 'x',
      'src/local-only/a': 'x',
      'src/deeper/local-only/b': 'x',
      'secret.txt': 'x',
    });
    expect(await packedPaths(root)).toEqual([
      '.gitignore',
      'keep.log',
      'secret.txt',
      'server.js',
      'src/',
      'src/.gitignore',
      'src/build/',
      'src/build/kept.js',
      'src/deeper/',
      'src/deeper/local-only/',
      'src/deeper/local-only/b',
      'src/important.log',
    ]);
  });

  it('honours a root .berthignore (and only the root one), and always leaves out .git/ and .berth/', async () => {
    const root = tree({
      '.berthignore': 'tests/\n*.md\n',
      '.gitignore': '!.git\n!.berth\n',
      'README.md': 'x',
      'app.py': 'x',
      'tests/test_app.py': 'x',
      'lib/.berthignore': 'util.py\n',
      'lib/util.py': 'x',
      '.git/HEAD': 'ref: refs/heads/main',
      '.berth/berth.db': 'x',
      'lib/vendored/.git/HEAD': 'x',
    });
    const packed = await packDirectory(root);
    expect(packed.entries).toEqual([
      '.berthignore',
      '.gitignore',
      'app.py',
      'lib/',
      'lib/.berthignore',
      'lib/util.py',
      'lib/vendored/',
    ]);
    expect(packed.fileCount).toBe(5);
    expect((await entries(packed.data)).map((e) => e.path)).toEqual(packed.entries);
  });

  it('keeps a symlink that stays inside, as a link', async () => {
    const root = tree({ 'public/index.html': '<h1>hi</h1>', 'config/app.yml': 'a: 1' });
    fs.symlinkSync('public/index.html', path.join(root, 'index.html'));
    fs.symlinkSync('../config', path.join(root, 'public', 'config'));
    const found = await entries((await packDirectory(root)).data);
    expect(found.find((e) => e.path === 'index.html')).toMatchObject({
      type: 'SymbolicLink',
      linkpath: 'public/index.html',
    });
    expect(found.find((e) => e.path === 'public/config')).toMatchObject({
      type: 'SymbolicLink',
      linkpath: '../config',
    });
  });

  it('refuses symlinks that point outside the directory', async () => {
    const outside = tree({ passwd: 'x' });
    const cases: Array<[string, string]> = [
      ['up', '../x'],
      ['deep', 'a/../../../etc'],
      ['absolute', path.join(outside, 'passwd')],
    ];
    for (const [name, target] of cases) {
      const root = tree({ 'app.js': 'x' });
      fs.symlinkSync(target, path.join(root, name));
      const err = await refusal(packDirectory(root));
      expect(err.code).toBe('PACK_REFUSED');
      expect(err.message).toContain(`symlink ${name} points outside`);
    }
    // An inside link to an outside link is caught through the real path.
    const root = tree({ 'app.js': 'x', '.gitignore': 'hidden\n' });
    fs.symlinkSync(outside, path.join(root, 'hidden'));
    fs.symlinkSync('hidden/passwd', path.join(root, 'innocent'));
    expect((await refusal(packDirectory(root))).message).toContain('symlink innocent points outside');
    // An ignored escaping link is never looked at.
    const ignored = tree({ 'app.js': 'x', '.gitignore': 'escape\n' });
    fs.symlinkSync('/etc', path.join(ignored, 'escape'));
    expect(await packedPaths(ignored)).toEqual(['.gitignore', 'app.js']);
  });

  it('keeps file modes, and unpacks with the system tar', async () => {
    const root = tree({ 'bin/start.sh': '#!/bin/sh\necho hi\n', 'data.txt': 'plain', 'private.key': 'k' });
    fs.chmodSync(path.join(root, 'bin/start.sh'), 0o755);
    fs.chmodSync(path.join(root, 'data.txt'), 0o644);
    fs.chmodSync(path.join(root, 'private.key'), 0o600);
    const packed = await packDirectory(root);
    const modes = Object.fromEntries((await entries(packed.data)).map((e) => [e.path, e.mode]));
    expect(modes).toMatchObject({ 'bin/start.sh': 0o755, 'data.txt': 0o644, 'private.key': 0o600 });

    const out = tree({});
    const file = path.join(tree({}), 'app.tar.gz');
    fs.writeFileSync(file, packed.data);
    execFileSync('tar', ['-xzf', file, '-C', out]);
    expect(fs.readFileSync(path.join(out, 'bin/start.sh'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(fs.statSync(path.join(out, 'bin/start.sh')).mode & 0o111).not.toBe(0);
    const listing = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).trim().split('\n');
    expect(listing.map((l) => l.replace(/^\.\//, '')).sort()).toEqual(
      ['bin/', 'bin/start.sh', 'data.txt', 'private.key'].sort(),
    );
  });

  it('gives the same bytes for the same tree, whatever the file times or creation order', async () => {
    const files = { 'b.js': 'b', 'a/z.txt': 'z', 'a/y.txt': 'y', '@scope.txt': 'at' };
    const first = tree(files);
    const reversed = Object.fromEntries(Object.entries(files).reverse());
    const second = tree(reversed);
    fs.utimesSync(path.join(second, 'b.js'), new Date('2020-05-05'), new Date('2020-05-05'));
    const one = await packDirectory(first);
    const two = await packDirectory(second);
    expect(one.entries).toEqual(['@scope.txt', 'a/', 'a/y.txt', 'a/z.txt', 'b.js']);
    expect(Buffer.from(one.data).equals(Buffer.from(two.data))).toBe(true);
    const times = new Set((await entries(one.data)).filter((e) => e.type === 'File').map((e) => e.mtime));
    expect(times.size).toBe(1);
  });

  it('refuses what is not a directory or has nothing to pack, and formats sizes', async () => {
    const root = tree({ 'file.txt': 'x' });
    expect((await refusal(packDirectory(path.join(root, 'file.txt')))).code).toBe('PACK_REFUSED');
    expect((await refusal(packDirectory(path.join(root, 'missing')))).code).toBe('PACK_REFUSED');
    const empty = tree({ '.gitignore': '*\n', 'app.js': 'x', 'lib/a.js': 'x' });
    expect((await refusal(packDirectory(empty))).message).toContain('nothing to deploy');
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(3482)).toBe('3.4 KiB');
    expect(formatSize(12 * 1024 * 1024)).toBe('12.0 MiB');
  });
});
