// A BlueKing (蓝鲸) SaaS package: `app.yml` + `src/` (a Django project, usually on the blueapps
// framework) + `pkgs/` (the wheels and sdists its requirements need, installed offline). What maps
// onto Berth is mapped here; docs/app-manifest.md lists what is not.

import fs from 'node:fs/promises';
import { type TSchema, Type } from '@sinclair/typebox';
import { BerthError } from '../errors.ts';
import { type AppManifest, DEFAULT_HEALTH, type ProcessSpec } from './app-manifest.ts';
import { checkEnvName } from './env-names.ts';
import { manifestInvalid } from './manifest-error.ts';
import { parseProcfile } from './procfile.ts';
import { exists, readTextFile, resolveInside } from './read-text-file.ts';
import { firstSchemaProblem } from './schema-errors.ts';
import { parseYamlFile } from './yaml-file.ts';

/** The app.yml fields Berth reads; others (desktop, category, author, logo…) are allowed and ignored. */
const AppYmlSchema = Type.Object({
  app_code: Type.String({ minLength: 1, maxLength: 64 }),
  app_name: Type.Optional(Type.String({ maxLength: 200 })),
  version: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Number()])),
  language: Type.Optional(Type.String({ maxLength: 32 })),
  is_use_celery: Type.Optional(Type.Boolean()),
  is_use_celery_beat: Type.Optional(Type.Boolean()),
  env: Type.Optional(
    Type.Union([
      Type.Null(),
      Type.Array(
        Type.Object({
          key: Type.String({ minLength: 1, maxLength: 128 }),
          value: Type.Union([
            Type.String({ maxLength: 32 * 1024 }),
            Type.Number(),
            Type.Boolean(),
            Type.Null(),
          ]),
        }),
        { maxItems: 200 },
      ),
    ]),
  ),
}) as TSchema;

interface AppYml {
  app_code: string;
  app_name?: string;
  version?: string | number;
  language?: string;
  is_use_celery?: boolean;
  is_use_celery_beat?: boolean;
  env?: Array<{ key: string; value: string | number | boolean | null }> | null;
}

export const BLUEKING_WEB = ['gunicorn', 'wsgi', '--access-logfile', '-', '--error-logfile', '-'];
export const BLUEKING_WORKER = ['celery', '-A', 'blueapps.core.celery', 'worker', '-l', 'info'];
export const BLUEKING_BEAT = ['celery', '-A', 'blueapps.core.celery', 'beat', '-l', 'info'];
export const BLUEKING_RELEASE = ['python', 'manage.py', 'migrate', '--noinput'];

/** The manifest of a BlueKing package, or undefined when `app.yml` has no app_code (not one). */
export async function loadBlueKing(dir: string, text: string): Promise<AppManifest | undefined> {
  const yaml = parseYamlFile('app.yml', text);
  const raw = yaml.value;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !Object.hasOwn(raw, 'app_code'))
    return undefined;
  const problem = firstSchemaProblem(AppYmlSchema, raw);
  if (problem) throw manifestInvalid(yaml.origin, problem.path, problem.message);
  const app = raw as AppYml;

  if (app.language !== undefined && app.language.toLowerCase() !== 'python') {
    throw manifestInvalid(
      yaml.origin,
      ['language'],
      `Berth runs Python BlueKing packages; for ${app.language} add a berth.yaml`,
    );
  }
  const src = await resolveInside(dir, 'src');
  if (src === undefined || !(await fs.stat(src)).isDirectory()) {
    throw manifestInvalid(yaml.origin, [], 'a BlueKing package keeps its code in src/, which is missing');
  }

  let processes: Record<string, ProcessSpec>;
  let release: string[] | undefined;
  const procfile = await readTextFile(dir, 'src/Procfile');
  if (procfile !== undefined) {
    ({ processes, release } = parseProcfile(procfile, 'src/Procfile'));
  } else {
    if (!(await exists(dir, 'src/wsgi.py'))) {
      throw new BerthError(
        'APP_UNDETECTABLE',
        'This BlueKing package has no src/wsgi.py to serve; add src/Procfile with a web: line',
      );
    }
    processes = { web: { command: [...BLUEKING_WEB], count: 1 } };
    if (app.is_use_celery) processes['worker'] = { command: [...BLUEKING_WORKER], count: 1 };
    if (app.is_use_celery && app.is_use_celery_beat)
      processes['beat'] = { command: [...BLUEKING_BEAT], count: 1 };
  }
  if (release === undefined && (await exists(dir, 'src/manage.py'))) release = [...BLUEKING_RELEASE];

  // A Map, not an object: a variable may be called `__proto__` or `constructor`.
  const env = new Map<string, string>([['PYTHONUNBUFFERED', '1']]);
  (app.env ?? []).forEach((entry, i) => {
    checkEnvName(yaml.origin, ['env', i, 'key'], entry.key);
    const value = entry.value;
    env.set(
      entry.key,
      typeof value === 'string'
        ? value
        : (yaml.sourceOf(['env', i, 'value']) ?? (value === null ? '' : String(value))),
    );
  });

  const version = app.version === undefined ? undefined : (yaml.sourceOf(['version']) ?? String(app.version));
  return {
    source: 'app.yml',
    runtime: 'python',
    appDir: 'src',
    vendorDir: (await exists(dir, 'pkgs')) ? 'pkgs' : undefined,
    build: undefined,
    processes,
    release,
    health: { ...DEFAULT_HEALTH },
    env: Object.fromEntries(env),
    resources: {},
    static: undefined,
    blueking: {
      appCode: app.app_code,
      appName: app.app_name,
      version,
      celery: app.is_use_celery ?? false,
      celeryBeat: app.is_use_celery_beat ?? false,
    },
  };
}
