// The static file handler of `runtime: static` releases: files inside the root only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveStaticFile } from '../../src/engine/static-site.ts';

describe('resolveStaticFile', () => {
  let dir: string;
  let root: string;
  beforeAll(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-static-')));
    root = path.join(dir, 'site');
    fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
    fs.writeFileSync(path.join(root, 'index.html'), '<html>home</html>');
    fs.writeFileSync(path.join(root, 'docs', 'index.html'), '<html>docs</html>');
    fs.writeFileSync(path.join(root, 'a b.txt'), 'spaced');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside');
    fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(root, 'leak.txt'));
    fs.symlinkSync(path.join(root, 'a b.txt'), path.join(root, 'inside.txt'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const site = () => ({ root, index: 'index.html', spa: false });

  it('serves files and directory indexes', async () => {
    expect(await resolveStaticFile(site(), '/')).toBe(path.join(root, 'index.html'));
    expect(await resolveStaticFile(site(), '/docs/')).toBe(path.join(root, 'docs', 'index.html'));
    expect(await resolveStaticFile(site(), '/docs?x=1')).toBe(path.join(root, 'docs', 'index.html'));
    expect(await resolveStaticFile(site(), '/a%20b.txt')).toBe(path.join(root, 'a b.txt'));
    expect(await resolveStaticFile(site(), '/inside.txt')).toBe(path.join(root, 'a b.txt'));
  });

  it('never leaves the root', async () => {
    for (const p of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/docs/../../secret.txt',
      '/leak.txt',
      '/%00',
      '/%zz',
    ]) {
      expect(await resolveStaticFile(site(), p), p).toBeUndefined();
    }
    expect(await resolveStaticFile(site(), '/missing.html')).toBeUndefined();
  });
});
