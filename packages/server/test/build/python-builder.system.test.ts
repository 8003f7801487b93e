// Python builds with the real /usr/bin/python3 and no network: a stdlib app gets a virtualenv and
// installs nothing; requirements are installed offline from vendored wheels in pkgs/ (a wheel built
// here with `pip wheel` from a local source directory), including a BlueKing package run from src/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Tree, tree } from '../manifest/tree.ts';
import { type BuildRun, buildWheel, prepareBuild } from './support.ts';

let src: Tree | undefined;
let run: BuildRun | undefined;
afterEach(() => {
  src?.cleanup();
  run?.cleanup();
  src = run = undefined;
});

let wheelName: string;
let wheelContent: Buffer;
beforeAll(() => {
  ({ name: wheelName, content: wheelContent } = buildWheel());
}, 60_000);

function python(result: { artifactDir: string }, code: string): string {
  const out = spawnSync(path.join(result.artifactDir, 'venv/bin/python'), ['-c', code], {
    cwd: result.artifactDir,
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(out.stderr);
  return out.stdout.trim();
}

describe('python builder', () => {
  it('a stdlib app gets a virtualenv from /usr/bin/python3 and installs nothing', async () => {
    src = tree({ 'app.py': 'print("hi")\n', 'requirements.txt': '# nothing needed\n\n' });
    run = await prepareBuild(src.dir);
    const result = await run.build();
    expect(result).toEqual({
      artifactDir: run.outDir,
      runtime: 'python',
      processes: { web: { command: ['python', 'app.py'], count: 1 } },
      pathPrepend: ['venv/bin'],
    });
    expect(run.lines).toContain('$ /usr/bin/python3 -m venv --without-pip venv');
    expect(run.lines).toContain('-----> No requirements to install');
    expect(fs.realpathSync(path.join(result.artifactDir, 'venv/bin/python'))).toMatch(/^\/usr\/bin\/python3/);
    expect(python(result, 'import sys; print(sys.prefix)')).toBe(path.join(result.artifactDir, 'venv'));
    expect(fs.existsSync(path.join(src.dir, 'venv'))).toBe(false);
  });

  it('installs requirements offline from the wheels in pkgs/', async () => {
    src = tree({
      'main.py': 'import greet\nprint(greet.hello())\n',
      'requirements.txt': 'greet==1.0.0\n',
      [`pkgs/${wheelName}`]: '',
    });
    fs.writeFileSync(path.join(src.dir, 'pkgs', wheelName), wheelContent);
    run = await prepareBuild(src.dir);
    const result = await run.build();
    const pip = run.lines.find((l) => l.includes(' -m pip install'));
    expect(pip).toContain('--no-index --find-links');
    expect(pip).toContain(path.join(run.outDir, 'pkgs'));
    expect(python(result, 'import greet; print(greet.hello())')).toBe('hello from a vendored wheel');
  });

  it('builds a BlueKing package: app.yml + src/ + pkgs/, run from src/', async () => {
    src = tree({
      'app.yml': 'app_code: bk_greet\napp_name: Greeter\nversion: 1.0.0\nis_use_celery: false\n',
      'src/wsgi.py':
        'import greet\ndef application(environ, start_response):\n    start_response("200 OK", [])\n    return [greet.hello().encode()]\n',
      'src/requirements.txt': 'greet\n',
    });
    fs.mkdirSync(path.join(src.dir, 'pkgs'));
    fs.writeFileSync(path.join(src.dir, 'pkgs', wheelName), wheelContent);
    run = await prepareBuild(src.dir);
    expect(run.manifest).toMatchObject({ source: 'app.yml', appDir: 'src', vendorDir: 'pkgs' });
    const result = await run.build();
    expect(result.artifactDir).toBe(path.join(run.outDir, 'src'));
    expect(result.pathPrepend).toEqual(['venv/bin']);
    expect(result.processes['web']!.command[0]).toBe('gunicorn');
    expect(run.lines.find((l) => l.includes(' -m pip install'))).toContain(
      `--find-links ${path.join(run.outDir, 'pkgs')}`,
    );
    expect(python(result, 'import wsgi, greet; print(greet.hello())')).toBe('hello from a vendored wheel');
  });

  it('a requirement missing from pkgs/ fails the build with pip’s error in the tail', async () => {
    src = tree({
      'app.py': '',
      'requirements.txt': 'not-vendored==9.9\n',
      'pkgs/README': 'wheels go here\n',
    });
    run = await prepareBuild(src.dir);
    let caught: { code?: string; details?: { exitCode: number; tail: string[] } } | undefined;
    await run.build().catch((err) => {
      caught = err;
    });
    expect(caught?.code).toBe('BUILD_FAILED');
    expect(caught?.details?.exitCode).not.toBe(0);
    expect(caught?.details?.tail.join('\n')).toMatch(/not-vendored/i);
  });
});
