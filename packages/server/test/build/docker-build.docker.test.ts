// Builds on the Docker runtime (engine/build-release.ts with `containers` set), against a real
// dockerd: a Dockerfile app becomes the release image berth-{installation}/{code}:{env}-v{n} with its
// build output
// in the log; a broken Dockerfile, a FROM image that is not on the host and an image without CMD
// fail with BUILD_IMAGE_FAILED and leave no tag; apps without a Dockerfile are built by the Berth
// builder in one-off containers of the stack image, as the environment's build uid (node with a
// package-lock, python with vendored wheels in pkgs/). No network is needed: npm ci installs a
// file: dependency and pip installs offline. Needs BERTH_TEST_DOCKER=1 and builds the stack images
// on first use (a few minutes).

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerBuildPlace } from '../../src/engine/build-places.ts';
import { buildRelease, packagePath } from '../../src/engine/build-release.ts';
import type { EngineContext } from '../../src/engine/engine-deps.ts';
import { demuxBuffer, imageExists } from '../../src/images/engine.ts';
import { ensureStackImage, listAppImages, STACK_IMAGES } from '../../src/images/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { ALL_MIGRATIONS } from '../../src/migrations.ts';
import { createEngineContainers } from '../../src/runtime/docker/engine-containers.ts';
import { packageSource } from '../../src/sources/package-source.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createTenants, type Tenants } from '../../src/tenants/index.ts';
import { expectCode } from '../manifest/tree.ts';
import { DOCKER_SKIP_REASON, dockerEnabled } from '../runtime/docker-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { buildWheel } from './support.ts';

/** App codes of this file: unique per run, so parallel files and earlier runs never collide. */
const RUN = crypto.randomBytes(3).toString('hex');
const code = (name: string) => `h2${name}${RUN}`;

const SERVER = `require('node:http').createServer((q, s) => s.end('hi')).listen(Number(process.env.PORT), '0.0.0.0');\n`;

if (!dockerEnabled) {
  process.stdout.write(`docker build tests skipped: ${DOCKER_SKIP_REASON}\n`);
  describe('builds on the Docker runtime', () => {
    it.skip(`Dockerfile and stack-image builds (skipped: ${DOCKER_SKIP_REASON})`, () => {});
  });
} else {
  const docker = new Docker();
  const codes = new Set<string>();
  let dataDir: string;
  let ctx: EngineContext;
  let db: TestDatabase;
  let store: Store;
  let tenants: Tenants;
  let installation: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-docker-build-'));
    db = await createTestDatabase('sqlite');
    store = openStore(db.config);
    await migrateToLatest(store, [...ALL_MIGRATIONS], silentLogger());
    tenants = await createTenants({
      store,
      logger: silentLogger(),
      dataDir,
      hostUsers: false,
      uidBase: 870_000 + crypto.randomInt(0, 9_000) * 10,
    });
    installation = tenants.installation;
    const images = path.join(dataDir, 'stack');
    const stackImage = (runtime: string) =>
      ensureStackImage({
        docker,
        logger: silentLogger(),
        dataDir: images,
        name: runtime === 'python' ? 'python' : 'node',
      });
    await stackImage('node');
    await stackImage('python');
    const containers = createEngineContainers({ docker, installation, stackImage, logger: silentLogger() });
    ctx = {
      settings: { dataDir, maxPackageBytes: 50 * 1024 * 1024, keepReleases: 2, drainMs: 0 },
      logger: silentLogger(),
      containers,
      buildPlace: containerBuildPlace({ containers, logger: silentLogger() }),
      installation,
      tenants,
    } as unknown as EngineContext;
  }, 900_000);

  afterAll(async () => {
    for (const app of codes) {
      const left = await docker.listContainers({
        all: true,
        filters: { label: [`berth.build-step=${app}`] },
      });
      await Promise.all(
        left.map((c) =>
          docker
            .getContainer(c.Id)
            .remove({ force: true })
            .catch(() => {}),
        ),
      );
      for (const ref of await listAppImages(docker, installation, app)) {
        await docker
          .getImage(ref)
          .remove({ force: true })
          .catch(() => {});
      }
    }
    await store?.close();
    await db?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  /** Packs `files` as an uploaded package and runs buildRelease on it. */
  async function build(app: string, files: Record<string, string | Buffer>, version = 1) {
    codes.add(app);
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-docker-src-'));
    const deployId = `dep-${crypto.randomBytes(4).toString('hex')}`;
    try {
      for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(src, name)), { recursive: true });
        fs.writeFileSync(path.join(src, name), content);
      }
      const pkg = packagePath(dataDir, deployId);
      fs.mkdirSync(path.dirname(pkg), { recursive: true });
      await tar.c({ gzip: true, cwd: src, portable: true, file: pkg }, fs.readdirSync(src));
    } finally {
      fs.rmSync(src, { recursive: true, force: true });
    }
    const lines: string[] = [];
    const packages = packageSource(dataDir);
    const run = (signal = new AbortController().signal) =>
      buildRelease(ctx, {
        materialize: (workDir) =>
          packages.materialize(
            app,
            { type: 'package', id: deployId },
            { type: 'package', sha256: 'unused' },
            workDir,
            { signal, log: (line) => lines.push(line) },
          ),
        deployId,
        app,
        env: 'stag',
        version,
        config: {},
        log: (line) => lines.push(line),
        signal,
      });
    return { lines, run };
  }

  /** Runs `cmd` in `image` with the artifact mounted at /app as `uid`, like an instance would. */
  async function runWithArtifact(image: string, artifactDir: string, uid: number, cmd: string[]) {
    const container = await docker.createContainer({
      Image: image,
      Cmd: cmd,
      User: `${uid}:${uid}`,
      WorkingDir: '/app',
      Labels: { 'berth.build-step': 'test' },
      HostConfig: {
        NetworkMode: 'none',
        ReadonlyRootfs: true,
        Mounts: [{ Type: 'bind', Source: artifactDir, Target: '/app', ReadOnly: true }],
      },
    });
    try {
      await container.start();
      const result = (await container.wait()) as { StatusCode: number };
      const raw = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
      return { code: result.StatusCode, output: demuxBuffer(raw).trim() };
    } finally {
      await container.remove({ force: true }).catch(() => {});
    }
  }

  /** The uid the app's stag builds run as, and the one its instances run as (who may read them). */
  const buildUid = async (app: string) => (await tenants.build(app, 'stag')).uid;
  const runUid = async (app: string) => (await tenants.run(app, 'stag')).uid;

  describe('Dockerfile apps', () => {
    it('build into berth/{code}:{env}-v{n}, with the build output in the log and .dockerignore honoured', async () => {
      const app = code('df');
      const { lines, run } = await build(app, {
        Dockerfile: [
          'FROM berth/stack-node:24',
          'WORKDIR /srv/app',
          'COPY . /srv/app/',
          `RUN ["node", "-e", "console.log('build marker ' + 6 * 7)"]`,
          'CMD ["node", "/srv/app/server.js"]',
          '',
        ].join('\n'),
        '.dockerignore': '# comment\nsecret.txt\n*.log\n!keep.log\n',
        'server.js': SERVER,
        'secret.txt': 'not for the image',
        'debug.log': 'no',
        'keep.log': 'yes',
        // New content every run: the RUN step after COPY is never a layer an earlier run (one
        // stopped before it removed its images) left in the engine's cache, so its output shows.
        'run.txt': crypto.randomUUID(),
      });
      const built = await run();
      const tag = `berth-${installation}/${app}:stag-v1`;
      expect(built.build.image).toBe(tag);
      expect(built.build.runtime).toBe('dockerfile');
      expect(built.build.processes).toEqual({ web: { command: ['node', '/srv/app/server.js'], count: 1 } });
      expect(lines).toContain('build marker 42');
      expect(lines.some((l) => /^Step 1\/\d+ : FROM berth\/stack-node:24$/.test(l))).toBe(true);
      expect(lines.some((l) => l.includes('left out by .dockerignore'))).toBe(true);
      const info = await docker.getImage(tag).inspect();
      expect(info.Config.Labels).toMatchObject({
        'berth.app': app,
        'berth.env': 'stag',
        'berth.release': '1',
      });
      expect(fs.readdirSync(built.outDir)).toEqual([]);
      const probe = await runWithArtifact(tag, built.artifactDir, await runUid(app), [
        'node',
        '-e',
        "const fs = require('fs'); console.log(['server.js', 'secret.txt', 'debug.log', 'keep.log', 'Dockerfile'].map((f) => f + '=' + fs.existsSync('/srv/app/' + f)).join(' '))",
      ]);
      expect(probe).toEqual({
        code: 0,
        output: 'server.js=true secret.txt=false debug.log=false keep.log=true Dockerfile=true',
      });
    }, 300_000);

    it('take their processes from a Procfile over the CMD, and health from berth.yaml', async () => {
      const app = code('pf');
      const { run } = await build(app, {
        Dockerfile: 'FROM berth/stack-node:24\nCOPY server.js /srv/\nCMD ["node", "/srv/server.js"]\n',
        Procfile: 'web: node /srv/server.js --from-procfile\nworker: node /srv/server.js --worker\n',
        'berth.yaml': 'health:\n  path: /up\n',
        'server.js': SERVER,
      });
      const built = await run();
      expect(built.build.processes['web']?.command).toEqual([
        '/bin/sh',
        '-c',
        'node /srv/server.js --from-procfile',
      ]);
      expect(Object.keys(built.build.processes).sort()).toEqual(['web', 'worker']);
      expect(built.build.health.path).toBe('/up');
    }, 300_000);

    it('fail with BUILD_IMAGE_FAILED and the failing output, leaving no tag', async () => {
      const app = code('bad');
      const { lines, run } = await build(app, {
        Dockerfile:
          'FROM berth/stack-node:24\nRUN ["sh", "-c", "echo about to fail; exit 3"]\nCMD ["true"]\n',
      });
      const err = await expectCode(run(), 'BUILD_IMAGE_FAILED');
      expect(err.message).toMatch(/returned a non-zero code: 3/);
      expect((err.details as { tail: string[] }).tail).toContain('about to fail');
      expect(lines).toContain('about to fail');
      expect(await imageExists(docker, `berth-${installation}/${app}:stag-v1`)).toBe(false);
      expect(await listAppImages(docker, installation, app)).toEqual([]);
    }, 300_000);

    it('fail at once when a FROM image is not on this host (nothing is pulled)', async () => {
      const app = code('from');
      const { run } = await build(app, {
        Dockerfile: `FROM berth/stack-node:24 AS base\nFROM base\nFROM berth/not-here-${RUN}:1\nCMD ["true"]\n`,
      });
      const err = await expectCode(run(), 'BUILD_IMAGE_FAILED');
      expect(err.message).toContain(`line 3: the image berth/not-here-${RUN}:1 is not on this host`);
      expect(await listAppImages(docker, installation, app)).toEqual([]);
    }, 120_000);

    it('fail when the image has no CMD and no processes are declared, leaving no tag', async () => {
      const app = code('nocmd');
      const { run } = await build(app, { Dockerfile: 'FROM berth/stack-python:3.11\nRUN ["true"]\n' });
      const err = await expectCode(run(), 'BUILD_IMAGE_FAILED');
      expect(err.message).toContain('no CMD');
      expect(await listAppImages(docker, installation, app)).toEqual([]);
    }, 300_000);
  });

  describe('the Berth builder in the stack image', () => {
    it('builds a node app with a package-lock in berth/stack-node as the app uid (runtime: wins over a Dockerfile)', async () => {
      const app = code('node');
      const { lines, run } = await build(app, {
        // Ignored: berth.yaml names a runtime (this FROM would fail the build otherwise).
        Dockerfile: `FROM berth/not-here-${RUN}:1\n`,
        'berth.yaml': [
          'runtime: node',
          "build: [\"node\", \"-e\", \"require('fs').writeFileSync('built.txt', [process.getuid(), process.cwd(), process.env.HOME, require('local-dep')].join(' '))\"]",
          'processes:',
          '  web: node server.js',
          '',
        ].join('\n'),
        'package.json': JSON.stringify({
          name: 'nodeapp',
          version: '1.0.0',
          dependencies: { 'local-dep': 'file:local-dep' },
        }),
        'package-lock.json': JSON.stringify({
          name: 'nodeapp',
          version: '1.0.0',
          lockfileVersion: 3,
          requires: true,
          packages: {
            '': { name: 'nodeapp', version: '1.0.0', dependencies: { 'local-dep': 'file:local-dep' } },
            'local-dep': { version: '1.0.0' },
            'node_modules/local-dep': { resolved: 'local-dep', link: true },
          },
        }),
        'local-dep/package.json': JSON.stringify({ name: 'local-dep', version: '1.0.0', main: 'index.js' }),
        'local-dep/index.js': "module.exports = 'from-local-dep';\n",
        'server.js': SERVER,
      });
      const built = await run();
      expect(built.build.image).toBe(STACK_IMAGES.node);
      expect(built.build.runtime).toBe('node');
      const uid = await buildUid(app);
      expect(uid).toBeGreaterThanOrEqual(870_000);
      expect(lines).toContain(`-----> Building in ${STACK_IMAGES.node} as uid ${uid}`);
      expect(lines.some((l) => /^\$ \/usr\/local\/lib\/berth-npm\/bin\/npm-cli\.js ci\b/.test(l))).toBe(true);
      // The build command ran in the container: as the app uid, in /app, with HOME=/app.
      expect(fs.readFileSync(path.join(built.artifactDir, 'built.txt'), 'utf8')).toBe(
        `${uid} /app /app from-local-dep`,
      );
      // Sealed: root's and read-only, open to the run identity's group only.
      expect(fs.lstatSync(path.join(built.artifactDir, 'node_modules')).uid).toBe(0);
      expect(fs.lstatSync(path.join(built.artifactDir, 'built.txt')).uid).toBe(0);
      const top = fs.statSync(built.outDir);
      expect([top.uid, top.gid, top.mode & 0o777]).toEqual([0, await runUid(app), 0o750]);
      const probe = await runWithArtifact(built.build.image!, built.artifactDir, await runUid(app), [
        'node',
        '-e',
        "console.log(require('local-dep'))",
      ]);
      expect(probe).toEqual({ code: 0, output: 'from-local-dep' });
      expect(
        await docker.listContainers({ all: true, filters: { label: [`berth.build-step=${app}`] } }),
      ).toEqual([]);
    }, 300_000);

    it('builds a python app with vendored wheels in pkgs/ in berth/stack-python', async () => {
      const app = code('py');
      const wheel = buildWheel();
      const { lines, run } = await build(app, {
        'requirements.txt': 'greet\n',
        'app.py': 'import greet\nprint(greet.hello())\n',
        [`pkgs/${wheel.name}`]: wheel.content,
      });
      const built = await run();
      expect(built.build.image).toBe(STACK_IMAGES.python);
      expect(built.build.runtime).toBe('python');
      expect(
        lines.some((l) =>
          l.startsWith('$ /app/venv/bin/python -m pip install --no-index --find-links /app/pkgs'),
        ),
      ).toBe(true);
      expect(fs.readFileSync(path.join(built.artifactDir, 'venv/pyvenv.cfg'), 'utf8')).toContain(
        'home = /usr/bin',
      );
      const probe = await runWithArtifact(built.build.image!, built.artifactDir, await runUid(app), [
        '/app/venv/bin/python',
        'app.py',
      ]);
      expect(probe).toEqual({ code: 0, output: 'hello from a vendored wheel' });
    }, 300_000);

    it('fails a step that fails in its container with BUILD_FAILED, its exit code and output', async () => {
      const app = code('fail');
      const { run } = await build(app, {
        'berth.yaml':
          'runtime: custom\nbuild: ["sh", "-c", "echo boom-output; exit 4"]\nprocesses:\n  web: sh -c true\n',
      });
      const err = await expectCode(run(), 'BUILD_FAILED');
      expect(err.details).toMatchObject({ exitCode: 4, tail: ['boom-output'] });
      expect(fs.existsSync(path.join(dataDir, 'releases', app, 'stag', 'v1'))).toBe(false);
      expect(
        await docker.listContainers({ all: true, filters: { label: [`berth.build-step=${app}`] } }),
      ).toEqual([]);
    }, 300_000);

    it('fails a step whose program is not in the image with BUILD_FAILED naming it', async () => {
      const app = code('missing');
      const { run } = await build(app, {
        'berth.yaml':
          'runtime: custom\nbuild: ["no-such-program-here", "x"]\nprocesses:\n  web: sh -c true\n',
      });
      const err = await expectCode(run(), 'BUILD_FAILED');
      expect(err.message).toContain('Cannot run "no-such-program-here": not found in the build image');
      expect(err.details).toMatchObject({ exitCode: 127 });
      expect(
        await docker.listContainers({ all: true, filters: { label: [`berth.build-step=${app}`] } }),
      ).toEqual([]);
    }, 300_000);

    it('stops a running step when the build is aborted and removes its container', async () => {
      const app = code('abort');
      const { lines, run } = await build(app, {
        'berth.yaml':
          'runtime: custom\nbuild: ["sh", "-c", "echo step-started; sleep 120"]\nprocesses:\n  web: sh -c true\n',
      });
      const abort = new AbortController();
      const building = run(abort.signal);
      const outcome = building.then(
        () => 'resolved',
        (err: unknown) => err,
      );
      const until = Date.now() + 120_000;
      while (!lines.includes('step-started')) {
        if (Date.now() > until) throw new Error(`the step never started:\n${lines.join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const reason = new Error('cancelled by the test');
      abort.abort(reason);
      expect(await outcome).toBe(reason);
      expect(fs.existsSync(path.join(dataDir, 'releases', app, 'stag', 'v1'))).toBe(false);
      expect(
        await docker.listContainers({ all: true, filters: { label: [`berth.build-step=${app}`] } }),
      ).toEqual([]);
    }, 300_000);
  });
}
