// The console's package plan for a directory picked in the browser follows the CLI's rules: the
// same tree, walked by the CLI's packDirectory from a real temporary directory and planned by the
// console from its flat file list, gives the same entries.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packDirectory } from '../../cli/src/pack.ts';
import { isIgnoreFile, pathBelowRoot, planPackage } from '../src/features/apps/deploy/package-plan.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function makeTree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-console-plan-'));
  dirs.push(root);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.join(root, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

/** What a browser's directory picker lists: every file, none of the directories. */
function listFiles(root: string, rel = ''): string[] {
  return fs.readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((d) => {
    const child = rel === '' ? d.name : `${rel}/${d.name}`;
    return d.isDirectory() ? listFiles(root, child) : [child];
  });
}

function plan(root: string) {
  const files = new Map(listFiles(root).map((p) => [p, p] as const));
  const texts = new Map(
    [...files.keys()]
      .filter(isIgnoreFile)
      .map((p) => [p, fs.readFileSync(path.join(root, p), 'utf8')] as const),
  );
  return planPackage(files, texts);
}

const TREE = {
  Procfile: 'web: node server.js\n',
  'server.js': 'x',
  '.gitignore': 'node_modules/\n*.log\n/dist\nsecret*\n!secret-ok.txt\n',
  '.berthignore': 'docs/\n',
  'secret.key': 'k',
  'secret-ok.txt': 'ok',
  'debug.log': 'l',
  'dist/out.js': 'd',
  'lib/dist/kept.js': 'kept: /dist is anchored at the root',
  'lib/.gitignore': '*.tmp\n!keep.log\n',
  'lib/a.tmp': 't',
  'lib/keep.log': 'negated by the deeper file',
  'lib/mod.js': 'm',
  'node_modules/x/index.js': 'n',
  'docs/readme.md': 'r',
  '.git/HEAD': 'ref',
  '.berth/state': 's',
  'sub/.git/config': 'nested .git is left out too',
  'sub/ok.txt': 'o',
  '名字/文件.txt': 'u',
};

describe('planPackage', () => {
  it('picks the same entries as the CLI packer', async () => {
    const root = makeTree(TREE);
    const cli = await packDirectory(root);
    const mine = plan(root);
    expect(mine.entries.map((e) => e.path)).toEqual(cli.entries);
    expect(mine.fileCount).toBe(cli.fileCount);
  });

  it('leaves out ignored files and keeps negated ones', () => {
    const paths = plan(makeTree(TREE)).entries.map((e) => e.path);
    expect(paths).toContain('secret-ok.txt');
    expect(paths).toContain('lib/keep.log');
    expect(paths).toContain('lib/dist/kept.js');
    for (const gone of [
      'secret.key',
      'debug.log',
      'dist/',
      'lib/a.tmp',
      'node_modules/',
      'docs/',
      '.git/',
      '.berth/',
    ]) {
      expect(paths).not.toContain(gone);
    }
    expect(paths.some((p) => p.includes('.git/'))).toBe(false);
  });

  it('puts each directory before its contents', () => {
    const entries = plan(makeTree({ 'a/b/c.txt': 'c', 'a/d.txt': 'd' })).entries;
    expect(entries.map((e) => `${e.type}:${e.path}`)).toEqual([
      'directory:a/',
      'directory:a/b/',
      'file:a/b/c.txt',
      'file:a/d.txt',
    ]);
  });
});

describe('pathBelowRoot', () => {
  it("drops the picked directory's own name", () => {
    expect(pathBelowRoot('shop/src/app.js')).toBe('src/app.js');
    expect(pathBelowRoot('shop/Procfile')).toBe('Procfile');
  });
});
