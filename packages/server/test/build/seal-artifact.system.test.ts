// Sealing a build's output (build/seal-artifact.ts): root's and read-only inside, open to one group
// at the top; links are sealed as links and never followed; FIFOs go; setuid bits go; a file with
// another name outside the tree gets a copy of its own. Cloning shares files but not directories.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cloneArtifact, sealArtifact } from '../../src/build/index.ts';

const isRoot = process.getuid?.() === 0;

describe.runIf(isRoot)('sealing a release tree', () => {
  let work: string;
  let tree: string;
  let outside: string;
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-seal-'));
    tree = path.join(work, 'v1');
    outside = path.join(work, 'outside');
    fs.mkdirSync(outside, { mode: 0o700 });
    fs.writeFileSync(path.join(outside, 'secret'), 'secret', { mode: 0o600 });
    fs.mkdirSync(path.join(tree, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'app.js'), 'app', { mode: 0o666 });
    fs.writeFileSync(path.join(tree, 'bin', 'run'), '#!/bin/sh\n', { mode: 0o4777 });
    fs.symlinkSync(path.join(outside, 'secret'), path.join(tree, 'link-to-secret'));
    fs.symlinkSync(outside, path.join(tree, 'link-to-dir'));
    fs.linkSync(path.join(outside, 'secret'), path.join(tree, 'hardlink'));
    execFileSync('mkfifo', [path.join(tree, 'fifo')]);
    // As a build identity would leave it: everything its own.
    execFileSync('chown', ['-R', '-h', '12345:12345', tree]);
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  it("makes everything root's and read-only, the top 0750 to one group, without following links", async () => {
    const before = fs.statSync(outside);
    const secretBefore = fs.statSync(path.join(outside, 'secret'));
    await sealArtifact(tree, 4242);
    const st = (p: string) => fs.lstatSync(path.join(tree, p));
    expect([st('.').uid, st('.').gid, st('.').mode & 0o7777]).toEqual([0, 4242, 0o750]);
    expect([st('app.js').uid, st('app.js').mode & 0o7777]).toEqual([0, 0o644]);
    expect([st('bin').uid, st('bin').mode & 0o7777]).toEqual([0, 0o755]);
    expect([st('bin/run').uid, st('bin/run').mode & 0o7777]).toEqual([0, 0o755]);
    expect(st('link-to-secret').isSymbolicLink()).toBe(true);
    expect(st('link-to-secret').uid).toBe(0);
    expect(fs.existsSync(path.join(tree, 'fifo'))).toBe(false);
    // The hard link became a copy: the original keeps its owner and mode.
    expect(st('hardlink').ino).not.toBe(secretBefore.ino);
    expect(fs.readFileSync(path.join(tree, 'hardlink'), 'utf8')).toBe('secret');
    const secretAfter = fs.statSync(path.join(outside, 'secret'));
    expect([secretAfter.uid, secretAfter.mode]).toEqual([secretBefore.uid, secretBefore.mode]);
    const after = fs.statSync(outside);
    expect([after.uid, after.mode]).toEqual([before.uid, before.mode]);
  });

  it('clones a sealed tree for another group: shared files, own directories', async () => {
    fs.rmSync(path.join(tree, 'fifo'));
    await sealArtifact(tree, 4242);
    const copy = path.join(work, 'v2');
    await cloneArtifact(tree, copy, 4343);
    const top = fs.statSync(copy);
    expect([top.uid, top.gid, top.mode & 0o777]).toEqual([0, 4343, 0o750]);
    expect(fs.statSync(path.join(copy, 'app.js')).ino).toBe(fs.statSync(path.join(tree, 'app.js')).ino);
    expect(fs.statSync(path.join(copy, 'bin')).ino).not.toBe(fs.statSync(path.join(tree, 'bin')).ino);
    expect(fs.readlinkSync(path.join(copy, 'link-to-dir'))).toBe(outside);
    expect(fs.statSync(tree).gid).toBe(4242);
  });
});
