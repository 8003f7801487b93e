// berth.yaml: a full manifest normalised, defaults filled in, and every kind of invalid field
// refused with MANIFEST_INVALID naming the field (and its line).
import { afterEach, describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/index.ts';
import { expectCode, type Tree, tree } from './tree.ts';

let t: Tree | undefined;
afterEach(() => {
  t?.cleanup();
  t = undefined;
});

function app(berthYaml: string, files: Record<string, string> = {}): string {
  t = tree({ 'berth.yaml': berthYaml, ...files });
  return t.dir;
}

describe('berth.yaml', () => {
  it('normalises a full manifest', async () => {
    const dir = app(`
runtime: node
build: "npm run build -- --mode 'prod build'"
processes:
  web: { command: "node server.js", count: 2 }
  worker: { command: ["python", "worker.py"], count: 1 }
  clock: node clock.js
release: node migrate.js
health: { path: /healthz, status: 200, startTimeout: 30s, interval: 5s, timeout: 1500ms }
env: { NODE_ENV: production, RATIO: 1.10, ENABLED: true, EMPTY: "" }
resources: { memory: 256M, cpu: 0.5, pids: 256 }
`);
    const m = await loadManifest(dir);
    expect(m).toEqual({
      source: 'berth.yaml',
      runtime: 'node',
      appDir: '.',
      vendorDir: undefined,
      build: ['npm', 'run', 'build', '--', '--mode', 'prod build'],
      processes: {
        web: { command: ['node', 'server.js'], count: 2 },
        worker: { command: ['python', 'worker.py'], count: 1 },
        clock: { command: ['node', 'clock.js'], count: 1 },
      },
      release: ['node', 'migrate.js'],
      health: { path: '/healthz', status: 200, startTimeoutMs: 30_000, intervalMs: 5_000, timeoutMs: 1_500 },
      env: { NODE_ENV: 'production', RATIO: '1.10', ENABLED: 'true', EMPTY: '' },
      resources: { memoryBytes: 256 * 1024 * 1024, cpu: 0.5, pids: 256 },
      static: undefined,
      blueking: undefined,
    });
  });

  it('fills in defaults and detects the runtime when it is not named', async () => {
    const dir = app('processes:\n  web: ["node", "index.js"]\n', { 'package.json': '{}' });
    const m = await loadManifest(dir);
    expect(m.runtime).toBe('node');
    expect(m.processes).toEqual({ web: { command: ['node', 'index.js'], count: 1 } });
    expect(m.health).toEqual({
      path: '/',
      status: undefined,
      startTimeoutMs: 60_000,
      intervalMs: 10_000,
      timeoutMs: 2_000,
    });
    expect(m.env).toEqual({});
    expect(m.resources).toEqual({});
  });

  it('takes the processes from the Procfile, then from detection, when berth.yaml has none', async () => {
    let dir = app('env: { A: "1" }\n', {
      'package.json': '{"scripts":{"start":"node main.js"}}',
      Procfile: 'web: node web.js\nrelease: node migrate.js\n',
    });
    let m = await loadManifest(dir);
    expect(m).toMatchObject({
      source: 'berth.yaml',
      runtime: 'node',
      processes: { web: { command: ['/bin/sh', '-c', 'node web.js'], count: 1 } },
      release: ['/bin/sh', '-c', 'node migrate.js'],
      env: { A: '1' },
    });
    t?.cleanup();
    dir = app('env: { A: "1" }\n', {
      'package.json': '{"scripts":{"start":"NODE_ENV=production node main.js"}}',
    });
    m = await loadManifest(dir);
    expect(m.processes).toEqual({ web: { command: ['node', 'main.js'], count: 1 } });
    expect(m.env).toEqual({ NODE_ENV: 'production', A: '1' });
  });

  it('keeps env names that are Object.prototype members as plain variables', async () => {
    const dir = app('env: { __proto__: "a", constructor: "b", toString: "c" }\n', { 'app.py': 'print(1)\n' });
    const m = await loadManifest(dir);
    expect(Object.entries(m.env).sort()).toEqual([
      ['PYTHONUNBUFFERED', '1'],
      ['__proto__', 'a'],
      ['constructor', 'b'],
      ['toString', 'c'],
    ]);
  });

  it('an empty berth.yaml means "detect everything"', async () => {
    const dir = app('', { 'app.py': 'print(1)\n' });
    const m = await loadManifest(dir);
    expect(m).toMatchObject({
      source: 'berth.yaml',
      runtime: 'python',
      processes: { web: { command: ['python', 'app.py'], count: 1 } },
      env: { PYTHONUNBUFFERED: '1' },
    });
  });

  it('a static site gets its defaults and may not declare processes', async () => {
    let m = await loadManifest(app('runtime: static\n'));
    expect(m).toMatchObject({
      runtime: 'static',
      processes: {},
      static: { root: '.', index: 'index.html', spa: false },
    });
    t?.cleanup();
    m = await loadManifest(app('runtime: static\nstatic: { root: ./public/, spa: true }\n'));
    expect(m.static).toEqual({ root: 'public', index: 'index.html', spa: true, dotfiles: false });
    t?.cleanup();
    m = await loadManifest(app('runtime: static\nstatic: { dotfiles: true }\n'));
    expect(m.static).toEqual({ root: '.', index: 'index.html', spa: false, dotfiles: true });
    t?.cleanup();
    const err = await expectCode(
      loadManifest(app('runtime: static\nprocesses: { web: node x.js }\n')),
      'MANIFEST_INVALID',
    );
    expect(err.message).toContain('processes');
  });

  it('uses runtime custom for commands in a tree it cannot recognise', async () => {
    const m = await loadManifest(
      app('build: ["make"]\nprocesses: { web: ./bin/server }\n', { Makefile: 'all:\n' }),
    );
    expect(m.runtime).toBe('custom');
    expect(m.build).toEqual(['make']);
  });

  it.each([
    ['an unknown top-level key', 'runtime: node\nproceses: {}\n', 'proceses', 'unknown field'],
    [
      'an unknown process key',
      'processes:\n  web: { command: x, replicas: 2 }\n',
      'processes.web.replicas',
      'unknown field',
    ],
    ['an unknown health key', 'health: { path: /, retries: 3 }\n', 'health.retries', 'unknown field'],
    ['an unknown runtime', 'runtime: go\n', 'runtime', 'must be one of: node, python, static, custom'],
    [
      'a bad process name',
      'processes:\n  Web_Server!: x\n',
      'processes["Web_Server!"]',
      'not an allowed name',
    ],
    [
      'a count that is not a number',
      'processes:\n  web: { command: x, count: two }\n',
      'processes.web.count',
      'whole number',
    ],
    ['a count too high', 'processes:\n  web: { command: x, count: 33 }\n', 'processes.web.count', '32'],
    ['a negative count', 'processes:\n  web: { command: x, count: -1 }\n', 'processes.web.count', '0'],
    ['a process without command', 'processes:\n  web: { count: 1 }\n', 'processes.web.command', 'required'],
    ['a command that is a number', 'processes:\n  web: 42\n', 'processes.web', 'must be'],
    ['an empty argv', 'processes:\n  web: []\n', 'processes.web', 'must not be empty'],
    ['an argv with a non-string', 'build: ["make", 3]\n', 'build[1]', 'must be a string'],
    ['a command too long', `build: "${'x'.repeat(4097)}"\n`, 'build', '4096'],
    ['an unclosed quote', 'build: "make \'all"\n', 'build', 'single quote'],
    ['a health path without /', 'health: { path: healthz }\n', 'health.path', 'not valid'],
    ['a health status out of range', 'health: { status: 700 }\n', 'health.status', '599'],
    ['a duration without a known unit', 'health: { interval: 5 minutes }\n', 'health.interval', 'duration'],
    ['a duration too long', 'health: { startTimeout: 2h }\n', 'health.startTimeout', 'between'],
    ['a duration too short', 'health: { interval: 10ms }\n', 'health.interval', 'between'],
    ['a memory size without unit syntax', 'resources: { memory: lots }\n', 'resources.memory', 'size'],
    [
      'a memory size given as a number',
      'resources: { memory: 512 }\n',
      'resources.memory',
      'must be a string',
    ],
    ['a memory size too small', 'resources: { memory: 1M }\n', 'resources.memory', 'between'],
    ['a cpu of zero', 'resources: { cpu: 0 }\n', 'resources.cpu', '0'],
    ['pids too low', 'resources: { pids: 2 }\n', 'resources.pids', '16'],
    ['an env name with a dash', 'env: { MY-VAR: x }\n', 'env.MY-VAR', 'not an allowed name'],
    ['a reserved BERTH_ variable', 'env: { BERTH_TOKEN: x }\n', 'env.BERTH_TOKEN', 'reserved'],
    ['PORT in env', 'env: { PORT: "80" }\n', 'env.PORT', 'platform'],
    ['an env value that is a list', 'env: { A: [1, 2] }\n', 'env.A', 'must be'],
    [
      'a static root outside the app',
      'runtime: static\nstatic: { root: ../etc }\n',
      'static.root',
      'relative',
    ],
    ['an absolute static root', 'runtime: static\nstatic: { root: /etc }\n', 'static.root', 'relative'],
    [
      'a static index that escapes',
      'runtime: static\nstatic: { index: ../../x.html }\n',
      'static.index',
      'relative',
    ],
    [
      'static settings on a node app',
      'runtime: node\nstatic: { spa: true }\nprocesses: { web: x }\n',
      'static',
      'only for',
    ],
    ['empty processes', 'runtime: node\nprocesses: {}\n', 'processes', 'at least one'],
    [
      'too many process types',
      `processes:\n${Array.from({ length: 17 }, (_, i) => `  p${i}: x\n`).join('')}`,
      'processes',
      '16',
    ],
  ])('refuses %s', async (_what, yaml, path, mention) => {
    const err = await expectCode(loadManifest(app(yaml)), 'MANIFEST_INVALID');
    expect(err.details).toMatchObject({ file: 'berth.yaml', path });
    expect(err.message).toContain(`${path}: `);
    expect(err.message).toContain(mention);
  });

  it('says on which line the bad field is', async () => {
    const err = await expectCode(
      loadManifest(app('runtime: node\nprocesses:\n  web:\n    command: node a.js\n    count: many\n')),
      'MANIFEST_INVALID',
    );
    expect(err.message).toMatch(/^berth\.yaml:5: processes\.web\.count: /);
    expect(err.details).toMatchObject({ line: 5 });
  });

  it.each([
    ['malformed YAML', 'processes: [web\n', 'not valid YAML'],
    ['duplicate keys', 'runtime: node\nruntime: python\n', 'unique'],
    ['an unknown tag', 'runtime: !!js/function node\n', 'not valid YAML'],
    ['a list at the top', '- runtime: node\n', 'mapping'],
    ['a scalar at the top', 'node\n', 'mapping'],
  ])('refuses %s', async (_what, yaml, mention) => {
    const err = await expectCode(loadManifest(app(yaml)), 'MANIFEST_INVALID');
    expect(err.message).toMatch(/^berth\.yaml/);
    expect(err.message).toContain(mention);
  });

  it('refuses an alias bomb instead of expanding it', async () => {
    const lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 1; i < 12; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    await expectCode(loadManifest(app(`${lines.join('\n')}\n`)), 'MANIFEST_INVALID');
  });

  it('refuses a berth.yaml larger than 64 KiB', async () => {
    const err = await expectCode(
      loadManifest(app(`# ${'x'.repeat(70_000)}\nruntime: node\n`)),
      'MANIFEST_INVALID',
    );
    expect(err.message).toContain('64 KiB');
  });

  it.each([
    ['processes:\n  web: node server.js | tee log\n', 'processes.web', 'pipe'],
    ['processes:\n  web: { command: "npm ci && node server.js" }\n', 'processes.web.command', '&'],
    ['build: "npm run build > build.log"\n', 'build', 'redirection'],
    ['release: "node migrate.js; node seed.js"\n', 'release', ';'],
    ['release: node migrate.js $(date)\n', 'release', '$('],
    ['processes:\n  web: node `which server`\n', 'processes.web', 'substitution'],
    ['processes:\n  web: NODE_ENV=production node server.js\n', 'processes.web', 'env:'],
  ])('refuses the shell command in %j as unsafe', async (yaml, path, mention) => {
    const err = await expectCode(
      loadManifest(app(yaml, { 'package.json': '{}' })),
      'MANIFEST_COMMAND_UNSAFE',
    );
    expect(err.details).toMatchObject({ file: 'berth.yaml', path });
    expect(err.message).toContain(mention);
    expect(err.message).toContain('["sh", "-c", "…"]');
  });

  it('accepts an explicit shell as an argv array', async () => {
    const m = await loadManifest(
      app('processes:\n  web: ["sh", "-c", "npm ci && node server.js | tee log"]\n'),
    );
    expect(m.processes['web']!.command).toEqual(['sh', '-c', 'npm ci && node server.js | tee log']);
  });

  it('refuses a berth.yaml that is a link out of the tree', async () => {
    t = tree({ 'package.json': '{}' });
    const { symlinkSync } = await import('node:fs');
    symlinkSync('/etc/hostname', `${t.dir}/berth.yaml`);
    const err = await expectCode(loadManifest(t.dir), 'MANIFEST_INVALID');
    expect(err.message).toContain('outside');
  });
});
