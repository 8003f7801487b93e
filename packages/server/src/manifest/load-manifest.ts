// Finds out how to build and run a source tree: berth.yaml when there is one, else a BlueKing
// package's app.yml, else a Procfile plus language detection, else detection alone.
import { BerthError } from '../errors.ts';
import { type AppManifest, DEFAULT_HEALTH, DEFAULT_STATIC, type ManifestSource } from './app-manifest.ts';
import { loadBlueKing } from './blueking.ts';
import { defaultProcesses, detectRuntime } from './detect-app.ts';
import { manifestInvalid } from './manifest-error.ts';
import { type ManifestFile, ManifestSchema, type Runtime } from './manifest-schema.ts';
import { normaliseManifest } from './normalise-manifest.ts';
import { type Procfile, parseProcfile } from './procfile.ts';
import { readTextFile } from './read-text-file.ts';
import { firstSchemaProblem } from './schema-errors.ts';
import { parseYamlFile } from './yaml-file.ts';

export const MANIFEST_FILE = 'berth.yaml';

export async function loadManifest(sourceDir: string): Promise<AppManifest> {
  const text = await readTextFile(sourceDir, MANIFEST_FILE);
  if (text !== undefined) return fromBerthYaml(sourceDir, text);

  const appYml = await readTextFile(sourceDir, 'app.yml');
  if (appYml !== undefined) {
    const blueking = await loadBlueKing(sourceDir, appYml);
    if (blueking) return blueking;
  }

  const procfileText = await readTextFile(sourceDir, 'Procfile');
  const procfile = procfileText === undefined ? undefined : parseProcfile(procfileText);
  const detected = await detectWithProcfile(sourceDir, procfile);
  if (procfile !== undefined) {
    const runtime: Runtime = detected ?? 'custom';
    if (runtime === 'static') {
      throw manifestInvalid(
        { file: 'Procfile' },
        [],
        'declares no web process, and a static site (index.html only) runs none',
      );
    }
    return finish('Procfile', runtime, { processes: procfile.processes, release: procfile.release });
  }
  if (detected === undefined) {
    throw new BerthError(
      'APP_UNDETECTABLE',
      'Cannot tell what this app is: no berth.yaml, Procfile, package.json, requirements.txt, ' +
        'app.py/main.py/wsgi.py or index.html at the top of the source',
    );
  }
  const defaults = await defaultProcesses(sourceDir, detected);
  return finish('detected', detected, { processes: defaults.processes, env: defaults.env });
}

/**
 * Checks a berth.yaml text on its own (YAML, schema, values) and returns its fields as written: what
 * a pinned manifest is compared by. MANIFEST_INVALID, naming file, line and field, when it is not one.
 */
export function checkManifestText(text: string, file: string = MANIFEST_FILE): Record<string, unknown> {
  return declaredManifest(text, file).fields;
}

function declaredManifest(text: string, file: string) {
  const yaml = parseYamlFile(file, text);
  if (typeof yaml.value !== 'object' || yaml.value === null || Array.isArray(yaml.value)) {
    throw manifestInvalid(yaml.origin, [], 'must be a mapping of fields (runtime:, processes:, …)');
  }
  const problem = firstSchemaProblem(ManifestSchema, yaml.value);
  if (problem) throw manifestInvalid(yaml.origin, problem.path, problem.message);
  const declared = normaliseManifest(yaml.value as ManifestFile, yaml.origin, yaml.sourceOf);
  return { yaml, declared, fields: yaml.value as Record<string, unknown> };
}

async function fromBerthYaml(sourceDir: string, text: string): Promise<AppManifest> {
  const { yaml, declared } = declaredManifest(text, MANIFEST_FILE);

  const procfileText = await readTextFile(sourceDir, 'Procfile');
  // Read only when berth.yaml leaves the processes to it.
  const procfile =
    procfileText === undefined || declared.processes !== undefined || declared.runtime === 'static'
      ? undefined
      : parseProcfile(procfileText);
  let runtime: Runtime | undefined = declared.runtime ?? (await detectWithProcfile(sourceDir, procfile));
  if (runtime === undefined) {
    if (declared.processes === undefined && declared.build === undefined && procfile === undefined) {
      throw new BerthError(
        'APP_UNDETECTABLE',
        'berth.yaml names no runtime and no processes, and the files do not tell (see docs/app-manifest.md)',
      );
    }
    runtime = 'custom';
  }
  if (declared.static !== undefined && runtime !== 'static') {
    throw manifestInvalid(yaml.origin, ['static'], 'is only for runtime: static');
  }

  let processes = declared.processes;
  let release = declared.release;
  let env = declared.env;
  if (runtime === 'static') {
    if (processes !== undefined && Object.keys(processes).length > 0) {
      throw manifestInvalid(
        yaml.origin,
        ['processes'],
        'a static site runs no processes; Berth serves its files',
      );
    }
    if (release !== undefined)
      throw manifestInvalid(yaml.origin, ['release'], 'a static site has no release command');
    processes = {};
  } else if (processes === undefined) {
    if (procfile !== undefined) {
      processes = procfile.processes;
      release ??= procfile.release;
    } else {
      const defaults = await defaultProcesses(sourceDir, runtime);
      processes = defaults.processes;
      env = { ...defaults.env, ...env };
    }
  } else if (Object.keys(processes).length === 0) {
    throw manifestInvalid(
      yaml.origin,
      ['processes'],
      'declare at least one process (web receives HTTP traffic)',
    );
  }

  return finish('berth.yaml', runtime, {
    build: declared.build,
    processes,
    release,
    health: declared.health,
    env,
    resources: declared.resources,
    static: runtime === 'static' ? (declared.static ?? { ...DEFAULT_STATIC }) : undefined,
  });
}

/**
 * Detection, except that an index.html beside a Procfile with a `web` process is part of an app,
 * not a static site: the app is `custom` (as when nothing is detected) and runs its processes.
 */
async function detectWithProcfile(
  sourceDir: string,
  procfile: Procfile | undefined,
): Promise<Runtime | undefined> {
  const detected = await detectRuntime(sourceDir);
  if (detected === 'static' && procfile !== undefined && Object.hasOwn(procfile.processes, 'web')) {
    return undefined;
  }
  return detected;
}

function finish(source: ManifestSource, runtime: Runtime, parts: Partial<AppManifest>): AppManifest {
  const env = { ...parts.env };
  if (runtime === 'python' && env['PYTHONUNBUFFERED'] === undefined) env['PYTHONUNBUFFERED'] = '1';
  return {
    source,
    runtime,
    appDir: '.',
    vendorDir: undefined,
    build: parts.build,
    processes: parts.processes ?? {},
    release: parts.release,
    health: parts.health ?? { ...DEFAULT_HEALTH },
    env,
    resources: parts.resources ?? {},
    static: runtime === 'static' ? (parts.static ?? { ...DEFAULT_STATIC }) : undefined,
    blueking: undefined,
  };
}
