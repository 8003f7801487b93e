// Whether a source tree is a Dockerfile app, and its manifest. Precedence (docs/app-manifest.md):
//   - a `Dockerfile` at the source root makes it a Dockerfile app (on a container runtime),
//   - unless berth.yaml names a `runtime:` — then the Berth builder builds it and the Dockerfile is
//     ignored (a way to keep a Dockerfile for other uses).
// berth.yaml may still say how the image runs (processes, release, health, env, resources) but not
// how it is built: `build:` and `static:` are refused. Processes come from berth.yaml, else a
// Procfile, else the image's CMD as `web` (filled in after the build: `processesFromImage`).
import fs from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../../errors.ts';
import {
  type AppManifest,
  DEFAULT_HEALTH,
  MANIFEST_FILE,
  manifestInvalid,
  parseProcfile,
  readTextFile,
} from '../../manifest/index.ts';
import { type ManifestFile, ManifestSchema } from '../../manifest/manifest-schema.ts';
import { normaliseManifest } from '../../manifest/normalise-manifest.ts';
import { firstSchemaProblem } from '../../manifest/schema-errors.ts';
import { parseYamlFile } from '../../manifest/yaml-file.ts';
import { DOCKERFILE } from './build-image.ts';

export interface DockerfileApp {
  manifest: AppManifest;
  /** True when neither berth.yaml nor a Procfile declared processes: the image's CMD is `web`. */
  processesFromImage: boolean;
}

export async function detectDockerfileApp(root: string): Promise<DockerfileApp | undefined> {
  const stat = await fs.lstat(path.join(root, DOCKERFILE)).catch(() => undefined);
  if (!stat?.isFile()) return undefined;

  const text = await readTextFile(root, MANIFEST_FILE);
  let declared: ReturnType<typeof normaliseManifest> | undefined;
  if (text !== undefined) {
    const yaml = parseYamlFile(MANIFEST_FILE, text);
    if (typeof yaml.value !== 'object' || yaml.value === null || Array.isArray(yaml.value)) {
      throw manifestInvalid(yaml.origin, [], 'must be a mapping of fields (runtime:, processes:, …)');
    }
    const problem = firstSchemaProblem(ManifestSchema, yaml.value);
    if (problem) throw manifestInvalid(yaml.origin, problem.path, problem.message);
    declared = normaliseManifest(yaml.value as ManifestFile, yaml.origin, yaml.sourceOf);
    if (declared.runtime !== undefined) return undefined;
    const refuse = (field: string, why: string) => manifestInvalid(yaml.origin, [field], why);
    if (declared.build !== undefined)
      throw refuse(
        'build',
        'a Dockerfile app is built by its Dockerfile (or name a runtime: to use the Berth builder)',
      );
    if (declared.static !== undefined) throw refuse('static', 'is only for runtime: static');
    if (declared.processes !== undefined && Object.keys(declared.processes).length === 0)
      throw refuse(
        'processes',
        "declare at least one process, or leave processes: out to run the image's CMD",
      );
  }

  let processes = declared?.processes;
  let release = declared?.release;
  let source: AppManifest['source'] = declared ? 'berth.yaml' : 'detected';
  if (processes === undefined) {
    const procfileText = await readTextFile(root, 'Procfile');
    if (procfileText !== undefined) {
      const procfile = parseProcfile(procfileText);
      processes = procfile.processes;
      release ??= procfile.release;
      if (!declared) source = 'Procfile';
    }
  }
  return {
    processesFromImage: processes === undefined,
    manifest: {
      source,
      runtime: 'custom',
      appDir: '.',
      vendorDir: undefined,
      build: undefined,
      processes: processes ?? {},
      release,
      health: declared?.health ?? { ...DEFAULT_HEALTH },
      env: declared?.env ?? {},
      resources: declared?.resources ?? {},
      static: undefined,
      blueking: undefined,
    },
  };
}

/** The image's CMD as the `web` process; BUILD_IMAGE_FAILED when the image has none. */
export function processesFromImage(cmd: readonly string[]): AppManifest['processes'] {
  if (cmd.length === 0 || cmd[0] === '') {
    throw new BerthError(
      'BUILD_IMAGE_FAILED',
      'The image has no CMD: add CMD ["program", "arg", …] to the Dockerfile, or declare the processes ' +
        'in berth.yaml or a Procfile',
      { tail: [] },
    );
  }
  return { web: { command: [...cmd], count: 1 } };
}
