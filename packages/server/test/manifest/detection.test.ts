// Without berth.yaml: a BlueKing package's app.yml, a Procfile, or language detection decide.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/index.ts';
import { expectCode, type Tree, tree } from './tree.ts';

let t: Tree | undefined;
afterEach(() => {
  t?.cleanup();
  t = undefined;
});
const app = (files: Record<string, string>) => {
  t = tree(files);
  return t.dir;
};

describe('language detection', () => {
  it('node: the start script as argv, its VAR=value prefix as env', async () => {
    const m = await loadManifest(
      app({
        'package.json': JSON.stringify({
          scripts: { start: "NODE_ENV=production node 'src/server.js' --quiet" },
        }),
      }),
    );
    expect(m).toMatchObject({
      source: 'detected',
      runtime: 'node',
      appDir: '.',
      processes: { web: { command: ['node', 'src/server.js', '--quiet'], count: 1 } },
      env: { NODE_ENV: 'production' },
      static: undefined,
    });
  });

  it('node: main, then server.js, then index.js', async () => {
    let m = await loadManifest(
      app({ 'package.json': '{"main":"lib/app.js"}', 'lib/app.js': '', 'server.js': '' }),
    );
    expect(m.processes).toEqual({ web: { command: ['node', 'lib/app.js'], count: 1 } });
    t?.cleanup();
    m = await loadManifest(app({ 'package.json': '{"main":"missing.js"}', 'server.js': '', 'index.js': '' }));
    expect(m.processes['web']!.command).toEqual(['node', 'server.js']);
    t?.cleanup();
    m = await loadManifest(app({ 'package.json': '{}', 'index.js': '' }));
    expect(m.processes['web']!.command).toEqual(['node', 'index.js']);
  });

  it('node: a start script that needs a shell is refused, not run through one', async () => {
    const err = await expectCode(
      loadManifest(app({ 'package.json': '{"scripts":{"start":"npm run build && node dist/server.js"}}' })),
      'MANIFEST_COMMAND_UNSAFE',
    );
    expect(err.details).toMatchObject({ file: 'package.json', path: 'scripts.start' });
  });

  it('node: without any entry point it is undetectable', async () => {
    const err = await expectCode(loadManifest(app({ 'package.json': '{"name":"x"}' })), 'APP_UNDETECTABLE');
    expect(err.message).toContain('start');
  });

  it('node: a broken package.json is MANIFEST_INVALID', async () => {
    const err = await expectCode(loadManifest(app({ 'package.json': '{"scripts":' })), 'MANIFEST_INVALID');
    expect(err.message).toMatch(/^package\.json: not valid JSON/);
  });

  it('python: app.py, main.py, or wsgi.py with gunicorn', async () => {
    let m = await loadManifest(app({ 'requirements.txt': 'flask\n', 'app.py': '' }));
    expect(m).toMatchObject({
      source: 'detected',
      runtime: 'python',
      processes: { web: { command: ['python', 'app.py'], count: 1 } },
      env: { PYTHONUNBUFFERED: '1' },
    });
    t?.cleanup();
    m = await loadManifest(app({ 'main.py': '' }));
    expect(m.processes['web']!.command).toEqual(['python', 'main.py']);
    t?.cleanup();
    m = await loadManifest(
      app({ 'requirements.txt': 'Django==4.2\ngunicorn>=21\n', 'wsgi.py': '', 'app.py': '' }),
    );
    expect(m.processes['web']!.command).toEqual(['gunicorn', 'wsgi']);
  });

  it('python: requirements.txt without an entry point is undetectable', async () => {
    await expectCode(
      loadManifest(app({ 'requirements.txt': 'requests\n', 'lib.py': '' })),
      'APP_UNDETECTABLE',
    );
    t?.cleanup();
    await expectCode(loadManifest(app({ 'wsgi.py': '' })), 'APP_UNDETECTABLE');
  });

  it('static: index.html alone', async () => {
    const m = await loadManifest(app({ 'index.html': '<h1>hi</h1>', 'style.css': '' }));
    expect(m).toMatchObject({
      source: 'detected',
      runtime: 'static',
      processes: {},
      static: { root: '.', index: 'index.html', spa: false },
    });
  });

  it('package.json wins over Python files, Python over index.html', async () => {
    expect((await loadManifest(app({ 'package.json': '{}', 'index.js': '', 'app.py': '' }))).runtime).toBe(
      'node',
    );
    t?.cleanup();
    expect((await loadManifest(app({ 'app.py': '', 'index.html': '' }))).runtime).toBe('python');
  });

  it('an unknown tree is APP_UNDETECTABLE', async () => {
    const err = await expectCode(
      loadManifest(app({ 'main.go': 'package main\n', 'README.md': '' })),
      'APP_UNDETECTABLE',
    );
    expect(err.message).toContain('berth.yaml');
  });
});

describe('Procfile', () => {
  it('gives the processes and the release command; detection gives the runtime', async () => {
    const m = await loadManifest(
      app({
        Procfile:
          '# processes\nweb: gunicorn wsgi -w 4 --access-logfile -\nWORKER:  celery -A proj worker\n\nrelease: python manage.py migrate\n',
        'requirements.txt': 'gunicorn\n',
      }),
    );
    expect(m).toMatchObject({
      source: 'Procfile',
      runtime: 'python',
      processes: {
        web: { command: ['/bin/sh', '-c', 'gunicorn wsgi -w 4 --access-logfile -'], count: 1 },
        worker: { command: ['/bin/sh', '-c', 'celery -A proj worker'], count: 1 },
      },
      release: ['/bin/sh', '-c', 'python manage.py migrate'],
    });
  });

  it('takes a process called constructor for what it is', async () => {
    const m = await loadManifest(app({ Procfile: 'constructor: ./bin/server\n', 'bin/server': '' }));
    expect(Object.keys(m.processes)).toEqual(['constructor']);
    expect(m.processes['constructor']).toEqual({ command: ['/bin/sh', '-c', './bin/server'], count: 1 });
  });

  it('keeps variables named like Object.prototype members from a start script', async () => {
    const m = await loadManifest(
      app({
        'package.json': JSON.stringify({ scripts: { start: '__proto__=a constructor=b node server.js' } }),
        'server.js': '',
      }),
    );
    expect(Object.entries(m.env)).toEqual([
      ['__proto__', 'a'],
      ['constructor', 'b'],
    ]);
  });

  it('with no recognisable language the runtime is custom', async () => {
    const m = await loadManifest(app({ Procfile: 'web: ./bin/server\n', 'bin/server': '' }));
    expect(m).toMatchObject({
      source: 'Procfile',
      runtime: 'custom',
      processes: { web: { command: ['/bin/sh', '-c', './bin/server'] } },
    });
  });

  it.each([
    ['web node server.js\n', 'Procfile:1', 'name: command'],
    ['web: node a.js\nweb: node b.js\n', 'Procfile:2', 'twice'],
    ['# nothing\n', 'Procfile', 'no process'],
    ['w!eb: node\n', 'Procfile:1', 'name: command'],
  ])('refuses %j', async (text, where, mention) => {
    const err = await expectCode(
      loadManifest(app({ Procfile: text, 'package.json': '{}' })),
      'MANIFEST_INVALID',
    );
    expect(err.message.startsWith(where)).toBe(true);
    expect(err.message).toContain(mention);
  });

  it("keeps a line as the app wrote it, for the instance's sh -c (Heroku, Dokku)", async () => {
    const line = 'bundle exec rails s -p $PORT && echo "done" | tee -a $HOME/log # the app\'s own';
    const m = await loadManifest(
      app({ Procfile: `web: python3 -m http.server $PORT\nrelease:  ${line}  \n`, 'bin/x': '' }),
    );
    expect(m.processes['web']?.command).toEqual(['/bin/sh', '-c', 'python3 -m http.server $PORT']);
    expect(m.release).toEqual(['/bin/sh', '-c', line]);
  });

  it.each([
    ['web:\n', 'Procfile:1: web: ', 'empty'],
    ['web: node server.js\0\n', 'Procfile:1: web: ', 'NUL'],
    [`web: ${'x'.repeat(4097)}\n`, 'Procfile:1: web: ', 'longer than 4096'],
  ])('refuses %#: an empty line, a NUL, a line too long', async (text, where, mention) => {
    const err = await expectCode(loadManifest(app({ Procfile: text })), 'MANIFEST_INVALID');
    expect(err.message.startsWith(where)).toBe(true);
    expect(err.message).toContain(mention);
  });

  it('a Procfile with a web process wins over index.html: the app runs, it is no static site', async () => {
    const m = await loadManifest(app({ Procfile: 'web: node server.js\n', 'index.html': '<p>hi</p>' }));
    expect(m).toMatchObject({
      source: 'Procfile',
      runtime: 'custom',
      processes: { web: { command: ['/bin/sh', '-c', 'node server.js'], count: 1 } },
      static: undefined,
    });
    const yaml = await loadManifest(
      app({ 'berth.yaml': 'health: { path: /up }\n', Procfile: 'web: ./serve\n', 'index.html': '' }),
    );
    expect(yaml).toMatchObject({
      runtime: 'custom',
      processes: { web: { command: ['/bin/sh', '-c', './serve'] } },
    });
    // Without a web process the index.html still makes a static site, which runs nothing.
    const err = await expectCode(
      loadManifest(app({ Procfile: 'worker: ./work\n', 'index.html': '' })),
      'MANIFEST_INVALID',
    );
    expect(err.message).toContain('static site');
    // runtime: static declared: the Procfile is not read at all.
    const site = await loadManifest(
      app({ 'berth.yaml': 'runtime: static\n', Procfile: 'not a procfile', 'index.html': '' }),
    );
    expect(site).toMatchObject({ runtime: 'static', processes: {} });
  });
});

describe('BlueKing SaaS package (app.yml + src/ + pkgs/)', () => {
  const appYml = (extra = '') => `app_code: bk_demo
app_name: 演示应用
version: 1.10
author: blueking
introduction: a demo
category: 运维工具
language: python
is_use_celery: true
is_use_celery_beat: true
desktop:
  width: 1200
  height: 700
env:
  - key: BKAPP_LOG_LEVEL
    value: INFO
    description: log level
  - key: BKAPP_RETRIES
    value: 3
libraries:
  - name: Django
    version: 3.2.25
${extra}`;
  const package_ = (extra: Record<string, string> = {}) => ({
    'app.yml': appYml(),
    'src/wsgi.py': 'application = None\n',
    'src/manage.py': '',
    'src/requirements.txt': 'Django==3.2.25\n',
    'pkgs/Django-3.2.25-py3-none-any.whl': '',
    ...extra,
  });

  it('maps the package onto a python app run from src/, with celery workers and migrations', async () => {
    const m = await loadManifest(app(package_()));
    expect(m).toEqual({
      source: 'app.yml',
      runtime: 'python',
      appDir: 'src',
      vendorDir: 'pkgs',
      build: undefined,
      processes: {
        web: { command: ['gunicorn', 'wsgi', '--access-logfile', '-', '--error-logfile', '-'], count: 1 },
        worker: { command: ['celery', '-A', 'blueapps.core.celery', 'worker', '-l', 'info'], count: 1 },
        beat: { command: ['celery', '-A', 'blueapps.core.celery', 'beat', '-l', 'info'], count: 1 },
      },
      release: ['python', 'manage.py', 'migrate', '--noinput'],
      health: { path: '/', status: undefined, startTimeoutMs: 60_000, intervalMs: 10_000, timeoutMs: 2_000 },
      env: { PYTHONUNBUFFERED: '1', BKAPP_LOG_LEVEL: 'INFO', BKAPP_RETRIES: '3' },
      resources: {},
      static: undefined,
      blueking: { appCode: 'bk_demo', appName: '演示应用', version: '1.10', celery: true, celeryBeat: true },
    });
  });

  it('without celery there is only a web process; without pkgs/ no vendor directory', async () => {
    const files = package_({ 'app.yml': appYml().replace('is_use_celery: true', 'is_use_celery: false') });
    delete (files as Record<string, string>)['pkgs/Django-3.2.25-py3-none-any.whl'];
    const m = await loadManifest(app(files));
    expect(Object.keys(m.processes)).toEqual(['web']);
    expect(m.vendorDir).toBeUndefined();
  });

  it('src/Procfile overrides the default processes', async () => {
    const m = await loadManifest(app(package_({ 'src/Procfile': 'web: gunicorn wsgi -w 8\n' })));
    expect(m.processes).toEqual({ web: { command: ['/bin/sh', '-c', 'gunicorn wsgi -w 8'], count: 1 } });
    expect(m.release).toEqual(['python', 'manage.py', 'migrate', '--noinput']);
  });

  it('berth.yaml next to app.yml wins', async () => {
    const m = await loadManifest(
      app(package_({ 'berth.yaml': 'runtime: custom\nprocesses: { web: ./run }\n' })),
    );
    expect(m.source).toBe('berth.yaml');
  });

  it('an app.yml without app_code is not a BlueKing package', async () => {
    const m = await loadManifest(app({ 'app.yml': 'name: something else\n', 'index.html': '' }));
    expect(m.source).toBe('detected');
  });

  it.each([
    ['src/ is missing', { 'app.yml': 'app_code: x\n' }, 'MANIFEST_INVALID', 'src/'],
    [
      'the language is not python',
      { 'app.yml': 'app_code: x\nlanguage: java\n', 'src/wsgi.py': '' },
      'MANIFEST_INVALID',
      'language',
    ],
    [
      'a field has the wrong type',
      { 'app.yml': 'app_code: x\nis_use_celery: "yes"\n', 'src/wsgi.py': '' },
      'MANIFEST_INVALID',
      'is_use_celery',
    ],
    [
      'an env key is reserved',
      { 'app.yml': 'app_code: x\nenv:\n  - key: BERTH_X\n    value: 1\n', 'src/wsgi.py': '' },
      'MANIFEST_INVALID',
      'env[0].key',
    ],
    [
      'there is nothing to serve',
      { 'app.yml': 'app_code: x\n', 'src/manage.py': '' },
      'APP_UNDETECTABLE',
      'wsgi.py',
    ],
  ])('refuses a package where %s', async (_what, files, code, mention) => {
    const err = await expectCode(loadManifest(app(files)), code);
    expect(err.message).toContain(mention);
  });

  it('finds a package whose files are links inside the tree, and refuses links out of it', async () => {
    const dir = app(package_());
    fs.renameSync(path.join(dir, 'app.yml'), path.join(dir, 'meta.yml'));
    fs.symlinkSync('meta.yml', path.join(dir, 'app.yml'));
    expect((await loadManifest(dir)).source).toBe('app.yml');
    fs.rmSync(path.join(dir, 'app.yml'));
    fs.symlinkSync('/etc/passwd', path.join(dir, 'app.yml'));
    await expectCode(loadManifest(dir), 'MANIFEST_INVALID');
  });
});
