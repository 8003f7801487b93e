// Language detection for a source tree without a berth.yaml (or with one that leaves things out):
// which runtime, and the web process a developer would have written.
import { BerthError } from '../errors.ts';
import type { ProcessSpec } from './app-manifest.ts';
import { checkEnvName } from './env-names.ts';
import { type ManifestOrigin, manifestInvalid } from './manifest-error.ts';
import type { Runtime } from './manifest-schema.ts';
import { parseCommand } from './parse-command.ts';
import { exists, normaliseRelative, readTextFile } from './read-text-file.ts';

export type DetectedRuntime = Exclude<Runtime, 'custom'>;

const PYTHON_ENTRIES = ['app.py', 'main.py', 'wsgi.py'];

/** node for package.json, python for requirements.txt / app.py / main.py / wsgi.py, static for index.html. */
export async function detectRuntime(dir: string): Promise<DetectedRuntime | undefined> {
  if (await exists(dir, 'package.json')) return 'node';
  if (await exists(dir, 'requirements.txt')) return 'python';
  for (const entry of PYTHON_ENTRIES) if (await exists(dir, entry)) return 'python';
  if (await exists(dir, 'index.html')) return 'static';
  return undefined;
}

export interface DefaultProcesses {
  processes: Record<string, ProcessSpec>;
  /** Variables the start command set for itself (`NODE_ENV=production node server.js`). */
  env: Record<string, string>;
}

/** The processes a runtime's conventions imply; APP_UNDETECTABLE when there is no entry point. */
export async function defaultProcesses(dir: string, runtime: Runtime): Promise<DefaultProcesses> {
  switch (runtime) {
    case 'node':
      return nodeProcesses(dir);
    case 'python':
      return pythonProcesses(dir);
    case 'static':
      return { processes: {}, env: {} };
    case 'custom':
      throw new BerthError(
        'APP_UNDETECTABLE',
        'Declare the processes to run (berth.yaml processes: or a Procfile); see docs/app-manifest.md',
      );
  }
}

async function nodeProcesses(dir: string): Promise<DefaultProcesses> {
  const origin: ManifestOrigin = { file: 'package.json' };
  const pkg = await readPackageJson(dir);
  const start = (pkg['scripts'] as Record<string, unknown> | undefined)?.['start'];
  if (typeof start === 'string' && start.trim() !== '') {
    const parsed = parseCommand(origin, ['scripts', 'start'], start, { allowAssignments: true });
    for (const [name] of parsed.assignments) checkEnvName(origin, ['scripts', 'start'], name);
    // fromEntries, not assignments: a variable may be called `__proto__`.
    const env: Record<string, string> = Object.fromEntries(parsed.assignments);
    return { processes: { web: { command: parsed.argv, count: 1 } }, env };
  }
  const main = typeof pkg['main'] === 'string' ? normaliseRelative(pkg['main']) : undefined;
  for (const candidate of [main, 'server.js', 'index.js']) {
    if (candidate && candidate !== '.' && (await exists(dir, candidate))) {
      return { processes: { web: { command: ['node', candidate], count: 1 } }, env: {} };
    }
  }
  throw new BerthError(
    'APP_UNDETECTABLE',
    'A Node.js app needs a "start" script in package.json, a "main" file, server.js or index.js ' +
      '(or processes in berth.yaml)',
  );
}

async function pythonProcesses(dir: string): Promise<DefaultProcesses> {
  const requirements = (await readTextFile(dir, 'requirements.txt')) ?? '';
  const web = (command: string[]) => ({ processes: { web: { command, count: 1 } }, env: {} });
  if ((await exists(dir, 'wsgi.py')) && /^\s*gunicorn\b/im.test(requirements)) {
    // gunicorn binds 0.0.0.0:$PORT by itself when PORT is set.
    return web(['gunicorn', 'wsgi']);
  }
  if (await exists(dir, 'app.py')) return web(['python', 'app.py']);
  if (await exists(dir, 'main.py')) return web(['python', 'main.py']);
  throw new BerthError(
    'APP_UNDETECTABLE',
    'A Python app needs app.py or main.py, or wsgi.py with gunicorn in requirements.txt ' +
      '(or a Procfile, or processes in berth.yaml)',
  );
}

export async function readPackageJson(dir: string): Promise<Record<string, unknown>> {
  const text = await readTextFile(dir, 'package.json');
  if (text === undefined) return {};
  let pkg: unknown;
  try {
    pkg = JSON.parse(text);
  } catch (err) {
    throw manifestInvalid({ file: 'package.json' }, [], `not valid JSON: ${(err as Error).message}`);
  }
  if (typeof pkg !== 'object' || pkg === null || Array.isArray(pkg)) {
    throw manifestInvalid({ file: 'package.json' }, [], 'must be a JSON object');
  }
  return pkg as Record<string, unknown>;
}
