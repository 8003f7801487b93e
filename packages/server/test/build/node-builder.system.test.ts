// Node.js builds with the real /usr/bin/node and npm, and no registry: a vendored node_modules is used
// as it is; with a lockfile, npm ci installs a local file: dependency, the build command runs with dev
// dependencies, which are pruned afterwards.
import { spawnSync } from 'node:child_process';
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

const LOCKFILE = {
  name: 'napp',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': {
      name: 'napp',
      version: '1.0.0',
      dependencies: { greet: 'file:vendor/greet' },
      devDependencies: { tool: 'file:vendor/tool' },
    },
    'node_modules/greet': { resolved: 'vendor/greet', link: true },
    'node_modules/tool': { resolved: 'vendor/tool', link: true, dev: true },
    'vendor/greet': { version: '1.0.0' },
    'vendor/tool': { version: '1.0.0', dev: true, bin: { 'tool-build': 'build.js' } },
  },
};

describe('node builder', () => {
  it('uses a vendored node_modules as it is, without npm', async () => {
    src = tree({
      'package.json': JSON.stringify({
        name: 'v',
        dependencies: { shout: '1.0.0' },
        scripts: { start: 'node server.js' },
      }),
      'node_modules/shout/package.json': '{"name":"shout","version":"1.0.0","main":"index.js"}',
      'node_modules/shout/index.js': 'module.exports = (s) => s.toUpperCase();\n',
      'server.js': "console.log(require('shout')('vendored ok'));\n",
    });
    run = await prepareBuild(src.dir);
    const result = await run.build();
    expect(result).toEqual({
      artifactDir: run.outDir,
      runtime: 'node',
      processes: { web: { command: ['node', 'server.js'], count: 1 } },
      pathPrepend: ['node_modules/.bin'],
    });
    expect(run.lines).toContain('-----> Using the vendored node_modules');
    expect(run.lines.some((l) => l.startsWith('$ '))).toBe(false);
    const out = spawnSync('/usr/bin/node', ['server.js'], { cwd: result.artifactDir, encoding: 'utf8' });
    expect(out.stdout.trim()).toBe('VENDORED OK');
  });

  it('installs from the lockfile (a local file: dependency), builds with dev dependencies, then prunes them', async () => {
    src = tree({
      'package.json': JSON.stringify({
        name: 'napp',
        version: '1.0.0',
        scripts: { start: 'node server.js', build: 'tool-build' },
        dependencies: { greet: 'file:vendor/greet' },
        devDependencies: { tool: 'file:vendor/tool' },
      }),
      'package-lock.json': JSON.stringify(LOCKFILE, null, 2),
      'vendor/greet/package.json': '{"name":"greet","version":"1.0.0","main":"index.js"}',
      'vendor/greet/index.js': "module.exports = () => 'hello from greet';\n",
      'vendor/tool/package.json': '{"name":"tool","version":"1.0.0","bin":{"tool-build":"build.js"}}',
      'vendor/tool/build.js':
        "#!/usr/bin/env node\nrequire('node:fs').writeFileSync('dist.txt', require('greet')() + ' built by tool');\n",
      'berth.yaml': 'build: npm run build\n',
      'server.js': "console.log(require('greet')());\n",
    });
    fs.chmodSync(path.join(src.dir, 'vendor/tool/build.js'), 0o755);
    run = await prepareBuild(src.dir);
    const result = await run.build();

    expect(run.lines).toContain('$ /usr/bin/npm ci --no-audit --no-fund --include=dev');
    expect(run.lines).toContain('$ npm run build');
    expect(run.lines).toContain('$ /usr/bin/npm prune --omit=dev --no-audit --no-fund');
    expect(fs.readFileSync(path.join(result.artifactDir, 'dist.txt'), 'utf8')).toBe(
      'hello from greet built by tool',
    );
    expect(fs.existsSync(path.join(result.artifactDir, 'node_modules/greet/index.js'))).toBe(true);
    expect(fs.existsSync(path.join(result.artifactDir, 'node_modules/tool'))).toBe(false);
    // the uploaded tree is never written to
    expect(fs.existsSync(path.join(src.dir, 'node_modules'))).toBe(false);
    expect(fs.existsSync(path.join(src.dir, 'dist.txt'))).toBe(false);
    // npm's cache went to the scratch directory, not into the artifact
    expect(fs.existsSync(path.join(result.artifactDir, '.npm'))).toBe(false);
  });

  it('runs npm ci without dev dependencies when there is no build command', async () => {
    src = tree({
      'package.json': JSON.stringify({
        name: 'napp',
        version: '1.0.0',
        dependencies: { greet: 'file:vendor/greet' },
      }),
      'package-lock.json': JSON.stringify({
        ...LOCKFILE,
        packages: {
          '': { name: 'napp', version: '1.0.0', dependencies: { greet: 'file:vendor/greet' } },
          'node_modules/greet': { resolved: 'vendor/greet', link: true },
          'vendor/greet': { version: '1.0.0' },
        },
      }),
      'vendor/greet/package.json': '{"name":"greet","version":"1.0.0"}',
      'vendor/greet/index.js': '',
      'index.js': '',
    });
    run = await prepareBuild(src.dir);
    await run.build();
    expect(run.lines).toContain('$ /usr/bin/npm ci --no-audit --no-fund');
    expect(run.lines.some((l) => l.includes('prune'))).toBe(false);
  });

  it('refuses dependencies without a lockfile, and leaves no artifact behind', async () => {
    src = tree({ 'package.json': '{"dependencies":{"express":"^4"}}', 'index.js': '' });
    run = await prepareBuild(src.dir);
    const err = await expectCode(run.build(), 'BUILD_FAILED');
    expect(err.message).toContain('package-lock.json');
    expect(fs.existsSync(run.outDir)).toBe(false);
  });

  it("gives build steps a scrubbed environment: the app's variables, never berthd's", async () => {
    process.env['BERTH_TEST_BUILD_SENTINEL'] = 'berthd-secret';
    try {
      src = tree({
        'package.json': '{"name":"e"}',
        'index.js': '',
        'berth.yaml':
          'build: ["node", "-e", "require(\'fs\').writeFileSync(\'env.json\', JSON.stringify(process.env))"]\n' +
          'env: { FROM_MANIFEST: m, OVERRIDDEN: manifest }\n',
      });
      run = await prepareBuild(src.dir);
      const result = await run.build({ env: { OVERRIDDEN: 'config var', HOME: '/root', PATH: '/nowhere' } });
      const env = JSON.parse(fs.readFileSync(path.join(result.artifactDir, 'env.json'), 'utf8'));
      expect(env['BERTH_TEST_BUILD_SENTINEL']).toBeUndefined();
      expect(env['FROM_MANIFEST']).toBe('m');
      expect(env['OVERRIDDEN']).toBe('config var');
      expect(env['HOME']).toBe(result.artifactDir);
      // Then the directory of the Node.js berthd runs on (the one builds use), then the system's.
      expect(env['PATH'].split(':').slice(0, 3)).toEqual([
        path.join(result.artifactDir, 'node_modules/.bin'),
        path.dirname(process.execPath),
        '/usr/local/bin',
      ]);
      expect(env['LANG']).toBe('C.UTF-8');
      expect(Object.keys(env).filter((k) => /SECRET|DATABASE|TOKEN/i.test(k))).toEqual([]);
    } finally {
      delete process.env['BERTH_TEST_BUILD_SENTINEL'];
    }
  });
});
