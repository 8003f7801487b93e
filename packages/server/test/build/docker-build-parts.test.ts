// The parts of Docker-runtime builds that need no engine: .dockerignore rules, the build context,
// the FROM images a Dockerfile needs, when a source is a Dockerfile app (and where its processes
// come from), host paths rewritten for a build container, the build tools it gets and release
// image names.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { buildMounts, containerExecutor, mapPaths } from '../../src/build/container/container-exec.ts';
import {
  CONTAINER_NPM_DIR,
  containerTools,
  npmPackageDir,
} from '../../src/build/container/container-tools.ts';
import { contextTar } from '../../src/build/dockerfile/build-context.ts';
import { externalFromImages } from '../../src/build/dockerfile/dockerfile-from.ts';
import { detectDockerfileApp, processesFromImage } from '../../src/build/dockerfile/dockerfile-manifest.ts';
import { isIgnored, parseDockerignore } from '../../src/build/dockerfile/dockerignore.ts';
import { isReleaseImageOf, releaseImageTag } from '../../src/images/index.ts';
import { expectCode, type Tree, tree } from '../manifest/tree.ts';

let src: Tree | undefined;
afterEach(() => {
  src?.cleanup();
  src = undefined;
});

describe('.dockerignore', () => {
  const ignored = (rules: string, p: string) => isIgnored(parseDockerignore(rules), p);

  it('matches names, globs, ** and directories with everything below them', () => {
    const rules = '# comment\n\nnode_modules\n*.log\n/build/\ndocs/**/*.md\nsecret?.txt\n';
    expect(ignored(rules, 'node_modules')).toBe(true);
    expect(ignored(rules, 'node_modules/x/index.js')).toBe(true);
    expect(ignored(rules, 'app.log')).toBe(true);
    expect(ignored(rules, 'sub/app.log')).toBe(false); // `*` stays within one segment, as in Docker
    expect(ignored(rules, 'build/out.js')).toBe(true);
    expect(ignored(rules, 'docs/a/b/c.md')).toBe(true);
    expect(ignored(rules, 'docs/readme.md')).toBe(true);
    expect(ignored(rules, 'docs/readme.txt')).toBe(false);
    expect(ignored(rules, 'secret1.txt')).toBe(true);
    expect(ignored(rules, 'secret12.txt')).toBe(false);
    expect(ignored(rules, 'server.js')).toBe(false);
  });

  it('lets the last matching line win, re-includes with !, and always sends the Dockerfile', () => {
    const rules = '*\n!server.js\n!keep/**\nkeep/tmp\nDockerfile\n.dockerignore\n';
    expect(ignored(rules, 'anything')).toBe(true);
    expect(ignored(rules, 'server.js')).toBe(false);
    expect(ignored(rules, 'keep/a.txt')).toBe(false);
    expect(ignored(rules, 'keep/tmp/x')).toBe(true);
    expect(ignored(rules, 'Dockerfile')).toBe(false);
    expect(ignored(rules, '.dockerignore')).toBe(false);
  });

  it('makes the build context without what it leaves out', async () => {
    src = tree({
      Dockerfile: 'FROM berth/stack-node:24\n',
      '.dockerignore': 'secret.txt\nlogs\n**/*.tmp\n!keep.tmp\n',
      'server.js': '',
      'secret.txt': 'no',
      'logs/a.log': 'no',
      'lib/x.js': '',
      'lib/y.tmp': '',
      'keep.tmp': '',
    });
    const context = await contextTar(src.dir);
    const chunks: Buffer[] = [];
    for await (const chunk of context.stream) chunks.push(Buffer.from(chunk as Buffer));
    const file = path.join(src.dir, '..', `${path.basename(src.dir)}.tar`);
    fs.writeFileSync(file, Buffer.concat(chunks));
    const names: string[] = [];
    try {
      tar.t({ file, sync: true, onReadEntry: (entry) => names.push(entry.path.replace(/\/$/, '')) });
    } finally {
      fs.rmSync(file, { force: true });
    }
    expect(names.sort()).toEqual(['.dockerignore', 'Dockerfile', 'keep.tmp', 'lib', 'lib/x.js', 'server.js']);
    // secret.txt, logs, logs/a.log (a `!` rule makes ignored directories walked), lib/y.tmp
    expect(context.ignored).toBe(4);
  });
});

describe('FROM images', () => {
  it('lists the images a build needs from the host, not scratch, stages or ARG-made names', () => {
    const dockerfile = [
      '# syntax comment',
      'ARG BASE=berth/stack-node:24',
      'FROM --platform=linux/amd64 berth/stack-node:24 AS build',
      'RUN echo \\',
      '  FROM not-an-instruction',
      'from build as second',
      'FROM $BASE',
      'FROM scratch',
      'FROM berth/stack-python:3.11',
    ].join('\n');
    expect(externalFromImages(dockerfile)).toEqual([
      { ref: 'berth/stack-node:24', line: 3 },
      { ref: 'berth/stack-python:3.11', line: 9 },
    ]);
  });
});

describe('Dockerfile apps', () => {
  it('are sources with a Dockerfile at the root, unless berth.yaml names a runtime', async () => {
    src = tree({ 'package.json': '{}', 'server.js': '' });
    expect(await detectDockerfileApp(src.dir)).toBeUndefined();
    src.write({ Dockerfile: 'FROM berth/stack-node:24\n' });
    const app = await detectDockerfileApp(src.dir);
    expect(app?.processesFromImage).toBe(true);
    expect(app?.manifest.source).toBe('detected');
    src.write({ 'berth.yaml': 'runtime: node\n' });
    expect(await detectDockerfileApp(src.dir)).toBeUndefined();
  });

  it('take processes from berth.yaml, else a Procfile, else the image CMD; refuse build:', async () => {
    src = tree({
      Dockerfile: 'FROM berth/stack-node:24\n',
      Procfile: 'web: node /srv/web.js\nrelease: node /srv/migrate.js\n',
      'berth.yaml': 'health:\n  path: /up\nenv:\n  A: b\n',
    });
    let app = await detectDockerfileApp(src.dir);
    expect(app?.processesFromImage).toBe(false);
    expect(app?.manifest).toMatchObject({
      source: 'berth.yaml',
      processes: { web: { command: ['/bin/sh', '-c', 'node /srv/web.js'], count: 1 } },
      release: ['/bin/sh', '-c', 'node /srv/migrate.js'],
      health: { path: '/up' },
      env: { A: 'b' },
    });
    src.write({ 'berth.yaml': 'processes:\n  worker: node /srv/worker.js\n' });
    app = await detectDockerfileApp(src.dir);
    expect(app?.manifest.processes).toEqual({ worker: { command: ['node', '/srv/worker.js'], count: 1 } });
    src.write({ 'berth.yaml': 'build: make\n' });
    await expectCode(detectDockerfileApp(src.dir), 'MANIFEST_INVALID');
    expect(processesFromImage(['node', 'x.js'])).toEqual({ web: { command: ['node', 'x.js'], count: 1 } });
    expect(() => processesFromImage([])).toThrow(/no CMD/);
  });

  it('ignore a Dockerfile that is not a regular file', async () => {
    src = tree({ 'real/Dockerfile': 'FROM x\n', 'app.py': '' });
    fs.symlinkSync('real/Dockerfile', path.join(src.dir, 'Dockerfile'));
    expect(await detectDockerfileApp(src.dir)).toBeUndefined();
  });
});

describe('build containers', () => {
  it('see the build directories at /app, /workspace and /cache', () => {
    const out = '/data/releases/a/stag/v1';
    const mounts = buildMounts({ outDir: out, appDir: `${out}/src`, cacheDir: '/tmp/cache-1' });
    expect(mounts.map((m) => m.container).sort()).toEqual(['/app', '/cache', '/workspace']);
    expect(mapPaths(`${out}/src/venv/bin:${out}/pkgs:/usr/bin`, mounts)).toBe(
      '/app/venv/bin:/workspace/pkgs:/usr/bin',
    );
    expect(mapPaths(`--find-links=${out}/pkgs`, mounts)).toBe('--find-links=/workspace/pkgs');
    expect(mapPaths('/tmp/cache-1/npm', mounts)).toBe('/cache/npm');
    // Only whole path components: a sibling with a longer name is not a mounted directory.
    expect(mapPaths(`${out}0/x /tmp/cache-10`, mounts)).toBe(`${out}0/x /tmp/cache-10`);
    const flat = buildMounts({ outDir: out, appDir: out, cacheDir: undefined });
    expect(flat).toEqual([{ host: out, container: '/app' }]);
  });

  it('never run as root', () => {
    const docker = {} as never;
    expect(() => containerExecutor({ docker, image: 'x', uid: 0, gid: 0 })).toThrow(/non-root/);
    expect(() => containerExecutor({ docker, image: 'x', uid: 10_000, gid: 10_000 })).not.toThrow();
  });

  it('get the host npm mounted read-only and the host CA bundle', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-npm-'));
    try {
      const pkg = path.join(work, 'lib/node_modules/npm');
      fs.mkdirSync(path.join(pkg, 'bin'), { recursive: true });
      fs.writeFileSync(path.join(pkg, 'bin/npm-cli.js'), '');
      fs.mkdirSync(path.join(work, 'bin'));
      fs.symlinkSync(path.join(pkg, 'bin/npm-cli.js'), path.join(work, 'bin/npm'));
      fs.writeFileSync(path.join(work, 'ca.crt'), 'cert');
      expect(npmPackageDir(path.join(work, 'bin/npm'))).toBe(pkg);
      expect(npmPackageDir(path.join(work, 'missing'))).toBeUndefined();
      const tools = containerTools(path.join(work, 'bin/npm'), path.join(work, 'ca.crt'));
      expect(tools.tools).toEqual({
        node: '/usr/local/bin/node',
        npm: `${CONTAINER_NPM_DIR}/bin/npm-cli.js`,
        python: '/usr/bin/python3',
      });
      expect(tools.mounts).toContainEqual({ source: pkg, target: CONTAINER_NPM_DIR });
      expect(tools.mounts).toContainEqual({
        source: path.join(work, 'ca.crt'),
        target: '/etc/ssl/certs/ca-certificates.crt',
      });
      expect(tools.env['NODE_EXTRA_CA_CERTS']).toBe('/etc/ssl/certs/ca-certificates.crt');
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('release images', () => {
  it("are berth-{installation}/{code}:{env}-v{n}, and only those count as an app's", () => {
    expect(releaseImageTag('k3x9q2', 'hello', 'stag', 3)).toBe('berth-k3x9q2/hello:stag-v3');
    expect(isReleaseImageOf('k3x9q2', 'hello', 'berth-k3x9q2/hello:prod-v12')).toBe(true);
    expect(isReleaseImageOf('k3x9q2', 'hello', 'berth-k3x9q2/hello2:prod-v1')).toBe(false);
    // Another installation's image of an app with the same code is not this one's.
    expect(isReleaseImageOf('k3x9q2', 'hello', 'berth-zz0000/hello:prod-v1')).toBe(false);
    expect(isReleaseImageOf('k3x9q2', 'stack-node', 'berth/stack-node:24')).toBe(false);
    expect(isReleaseImageOf('k3x9q2', 'hello', undefined)).toBe(false);
    expect(() => releaseImageTag('k3x9q2', 'bad-', 'stag', 1)).toThrow(/cannot name a Docker image/);
  });
});
