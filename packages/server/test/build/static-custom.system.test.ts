// Static sites (no processes; the root and index must be inside the artifact) and custom builds (the
// manifest's build command alone).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectCode, type Tree, tree } from '../manifest/tree.ts';
import { type BuildRun, prepareBuild } from './support.ts';

let src: Tree | undefined;
let run: BuildRun | undefined;
afterEach(() => {
  src?.cleanup();
  run?.cleanup();
  src = run = undefined;
});

describe('static builder', () => {
  it('serves the detected index.html with no processes', async () => {
    src = tree({ 'index.html': '<h1>hi</h1>', 'css/site.css': 'h1{}' });
    run = await prepareBuild(src.dir);
    const result = await run.build();
    expect(result).toEqual({
      artifactDir: run.outDir,
      runtime: 'static',
      processes: {},
      static: { root: '.', index: 'index.html', spa: false, dotfiles: false },
    });
    expect(fs.readFileSync(path.join(result.artifactDir, 'css/site.css'), 'utf8')).toBe('h1{}');
  });

  it('runs a build command that generates the site, then checks the root it made', async () => {
    src = tree({
      'berth.yaml':
        'runtime: static\nbuild: ["node", "gen.js"]\nstatic: { root: dist, index: home.html, spa: true }\n',
      'gen.js':
        "const fs = require('fs'); fs.mkdirSync('dist'); fs.writeFileSync('dist/home.html', 'generated');\n",
    });
    run = await prepareBuild(src.dir);
    const result = await run.build();
    expect(result.static).toEqual({ root: 'dist', index: 'home.html', spa: true, dotfiles: false });
    expect(fs.readFileSync(path.join(result.artifactDir, 'dist/home.html'), 'utf8')).toBe('generated');
  });

  it.each([
    [
      'a missing root',
      { 'berth.yaml': 'runtime: static\nstatic: { root: public }\n', 'index.html': '' },
      'static.root',
    ],
    [
      'a missing index',
      { 'berth.yaml': 'runtime: static\nstatic: { root: public }\n', 'public/main.html': '' },
      'static.index',
    ],
    [
      'a root that is a file',
      { 'berth.yaml': 'runtime: static\nstatic: { root: public }\n', public: '' },
      'static.root',
    ],
  ])('refuses %s', async (_what, files, field) => {
    src = tree(files);
    run = await prepareBuild(src.dir);
    const err = await expectCode(run.build(), 'MANIFEST_INVALID');
    expect(err.details).toMatchObject({ path: field });
    expect(fs.existsSync(run.outDir)).toBe(false);
  });

  it('refuses a root or index that leads out of the artifact through a link', async () => {
    src = tree({ 'berth.yaml': 'runtime: static\nstatic: { root: public }\n' });
    fs.symlinkSync('/etc', path.join(src.dir, 'public'));
    run = await prepareBuild(src.dir);
    await expectCode(run.build(), 'MANIFEST_INVALID');
    run.cleanup();
    src.cleanup();

    src = tree({ 'berth.yaml': 'runtime: static\nstatic: { index: passwd }\n' });
    fs.symlinkSync('/etc/passwd', path.join(src.dir, 'passwd'));
    run = await prepareBuild(src.dir);
    const err = await expectCode(run.build(), 'MANIFEST_INVALID');
    expect(err.details).toMatchObject({ path: 'static.index' });
  });
});

describe('custom builder', () => {
  it('runs the build command alone, in the artifact, and keeps the declared processes', async () => {
    src = tree({
      'berth.yaml':
        'runtime: custom\n' +
        'build: ["sh", "-c", "mkdir -p bin && printf \'#!/bin/sh\\necho served\\n\' > bin/server && chmod +x bin/server"]\n' +
        'processes:\n  web: ./bin/server\nrelease: ["./bin/server", "--migrate"]\n',
    });
    run = await prepareBuild(src.dir);
    const result = await run.build();
    expect(result).toEqual({
      artifactDir: run.outDir,
      runtime: 'custom',
      processes: { web: { command: ['./bin/server'], count: 1 } },
      release: ['./bin/server', '--migrate'],
      pathPrepend: [],
    });
    expect(fs.readFileSync(path.join(result.artifactDir, 'bin/server'), 'utf8')).toBe(
      '#!/bin/sh\necho served\n',
    );
    expect(fs.existsSync(path.join(src.dir, 'bin'))).toBe(false);
  });

  it('copies a tree with no build command as it is, links included', async () => {
    src = tree({ Procfile: 'web: ./server\n', server: '#!/bin/sh\n', 'data/a.txt': 'a' });
    fs.symlinkSync('data/a.txt', path.join(src.dir, 'link.txt'));
    run = await prepareBuild(src.dir);
    const result = await run.build();
    expect(result.runtime).toBe('custom');
    expect(fs.readlinkSync(path.join(result.artifactDir, 'link.txt'))).toBe('data/a.txt');
    expect(run.lines).toContain('-----> No build command: the artifact is the source as uploaded');
  });
});
