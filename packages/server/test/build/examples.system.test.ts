// The example apps in examples/ build, and the two web apps behave as their READMEs say: they answer
// on $PORT, report health, build links under X-Forwarded-Prefix and stop cleanly on SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BuildResult } from '../../src/build/index.ts';
import { type BuildRun, instanceEnv, prepareBuild } from './support.ts';

const examples = path.join(import.meta.dirname, '../../../../examples');

let run: BuildRun | undefined;
let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  run?.cleanup();
  run = child = undefined;
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the built web process the way the runtime would, and waits until /healthz answers. */
async function startWeb(result: BuildResult, r: BuildRun): Promise<{ url: string; output: () => string }> {
  const port = await freePort();
  const [cmd, ...args] = result.processes['web']!.command;
  const env = instanceEnv(result, r.manifest, port);
  let output = '';
  child = spawn(cmd!, args, { cwd: result.artifactDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(`${url}/healthz`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until || child.exitCode !== null) throw new Error(`the app did not start:\n${output}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  return { url, output: () => output };
}

async function checkWebApp(result: BuildResult, r: BuildRun): Promise<void> {
  const app = await startWeb(result, r);
  const health = await fetch(`${app.url}/healthz`);
  expect(await health.text()).toBe('ok\n');

  const home = await fetch(`${app.url}/`, { headers: { 'x-forwarded-prefix': '/o/hello' } });
  expect(home.status).toBe(200);
  const html = await home.text();
  expect(html).toContain('href="/o/hello/about"');
  expect(html).toContain('href="/o/hello/"');
  expect(html).toContain('Hello from Berth');

  const about = await fetch(`${app.url}/about`, { headers: { 'x-forwarded-prefix': '/t/hello/' } });
  expect(await about.text()).toContain('href="/t/hello/about"');

  const hostile = await fetch(`${app.url}/`, {
    headers: { 'x-forwarded-prefix': '/"><script>alert(1)</script>' },
  });
  const hostileHtml = await hostile.text();
  expect(hostileHtml).not.toContain('<script>');
  expect(hostileHtml).toContain('href="/about"');

  expect((await fetch(`${app.url}/missing`)).status).toBe(404);

  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  child!.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(app.output()).toMatch(/SIGTERM/);
}

describe('examples', () => {
  it('node-hello builds and serves behind a prefix', async () => {
    run = await prepareBuild(path.join(examples, 'node-hello'));
    expect(run.manifest).toMatchObject({
      source: 'berth.yaml',
      runtime: 'node',
      processes: { web: { command: ['node', 'server.js'], count: 2 } },
      health: { path: '/healthz', status: 200 },
      env: { NODE_ENV: 'production' },
    });
    const result = await run.build();
    expect(result.runtime).toBe('node');
    await checkWebApp(result, run);
  });

  it('python-hello builds without network and serves behind a prefix', async () => {
    run = await prepareBuild(path.join(examples, 'python-hello'));
    expect(run.manifest).toMatchObject({ runtime: 'python', health: { path: '/healthz' } });
    const result = await run.build();
    expect(result.pathPrepend).toEqual(['venv/bin']);
    await checkWebApp(result, run);
  });

  it('static-site builds into a served public/ with its sub-page, stylesheet and image', async () => {
    run = await prepareBuild(path.join(examples, 'static-site'));
    const result = await run.build();
    expect(result).toMatchObject({
      runtime: 'static',
      processes: {},
      static: { root: 'public', index: 'index.html' },
    });
    const root = path.join(result.artifactDir, 'public');
    for (const file of ['index.html', 'about/index.html', 'style.css', 'logo.svg']) {
      expect(fs.existsSync(path.join(root, file)), file).toBe(true);
    }
    // every local link and asset of every page exists (relative links survive any prefix)
    for (const page of ['index.html', 'about/index.html']) {
      const html = fs.readFileSync(path.join(root, page), 'utf8');
      for (const [, ref] of html.matchAll(/(?:href|src)="([^"]+)"/g)) {
        const target = path.join(root, path.dirname(page), ref!);
        const file = ref!.endsWith('/') ? path.join(target, 'index.html') : target;
        expect(fs.existsSync(file), `${page} -> ${ref}`).toBe(true);
        expect(ref!.startsWith('/'), `${page} -> ${ref} is relative`).toBe(false);
      }
    }
  });
});
