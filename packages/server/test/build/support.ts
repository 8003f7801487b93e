// Runs real builds for the build tests: a source tree (a temp dir or an example), loadManifest, then
// buildApp with the real builders into a fresh output directory, keeping the build log.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BuildContext, type BuildResult, buildApp, createBuilders } from '../../src/build/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { type AppManifest, loadManifest } from '../../src/manifest/index.ts';

export const builders = createBuilders({ logger: silentLogger() });

export interface BuildRun {
  work: string;
  outDir: string;
  lines: string[];
  manifest: AppManifest;
  build(overrides?: Partial<BuildContext>): Promise<BuildResult>;
  cleanup(): void;
}

/** Prepares a build of `sourceDir` into `<work>/out`; `build()` runs it. */
export async function prepareBuild(sourceDir: string): Promise<BuildRun> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-test-'));
  const outDir = path.join(work, 'out');
  const lines: string[] = [];
  const manifest = await loadManifest(sourceDir);
  return {
    work,
    outDir,
    lines,
    manifest,
    build: (overrides = {}) =>
      buildApp(builders, {
        sourceDir,
        outDir,
        manifest,
        env: {},
        log: (line) => lines.push(line),
        signal: new AbortController().signal,
        ...overrides,
      }),
    cleanup: () => fs.rmSync(work, { recursive: true, force: true }),
  };
}

export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The environment an instance of `result` would get: PATH with pathPrepend, PORT, the app's env. */
export function instanceEnv(
  result: BuildResult,
  manifest: AppManifest,
  port: number,
): Record<string, string> {
  const prepend = (result.pathPrepend ?? []).map((p) => path.join(result.artifactDir, p));
  return {
    ...manifest.env,
    PATH: [...prepend, '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    HOME: result.artifactDir,
    PORT: String(port),
    HOST: '127.0.0.1',
  };
}

/** A wheel of a tiny `greet` package, built offline by the host's pip. */
export function buildWheel(): { name: string; content: Buffer } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-wheel-'));
  try {
    const pkg = path.join(dir, 'greet-src');
    fs.mkdirSync(path.join(pkg, 'greet'), { recursive: true });
    fs.writeFileSync(
      path.join(pkg, 'setup.py'),
      'from setuptools import setup\nsetup(name="greet", version="1.0.0", packages=["greet"])\n',
    );
    fs.writeFileSync(
      path.join(pkg, 'greet/__init__.py'),
      'def hello():\n    return "hello from a vendored wheel"\n',
    );
    const out = spawnSync(
      '/usr/bin/python3',
      [
        '-m',
        'pip',
        'wheel',
        '--no-deps',
        '--no-build-isolation',
        '--no-index',
        '--no-cache-dir',
        '-w',
        'wheels',
        pkg,
      ],
      { cwd: dir, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: dir } },
    );
    if (out.status !== 0) throw new Error(`pip wheel failed: ${out.stderr}`);
    const name = fs.readdirSync(path.join(dir, 'wheels'))[0]!;
    return { name, content: fs.readFileSync(path.join(dir, 'wheels', name)) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
