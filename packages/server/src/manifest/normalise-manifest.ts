// berth.yaml, once it matches the schema, turned into normalised parts: argv commands, milliseconds,
// bytes, checked relative paths and every default filled in. What needs the source tree (detection,
// the Procfile) is left to loadManifest.
import {
  DEFAULT_HEALTH,
  DEFAULT_STATIC,
  type HealthCheck,
  type ProcessSpec,
  type Resources,
  type StaticSite,
} from './app-manifest.ts';
import { checkEnvName } from './env-names.ts';
import { type FieldPath, type ManifestOrigin, manifestInvalid } from './manifest-error.ts';
import { MANIFEST_LIMITS, type ManifestFile, type Runtime } from './manifest-schema.ts';
import { parseCommand } from './parse-command.ts';
import { normaliseRelative } from './read-text-file.ts';
import { formatDuration, formatSize, parseDuration, parseSize } from './units.ts';

export interface DeclaredManifest {
  runtime: Runtime | undefined;
  build: string[] | undefined;
  processes: Record<string, ProcessSpec> | undefined;
  release: string[] | undefined;
  health: HealthCheck;
  env: Record<string, string>;
  resources: Resources;
  static: StaticSite | undefined;
}

export function normaliseManifest(
  file: ManifestFile,
  origin: ManifestOrigin,
  sourceOf: (path: FieldPath) => string | undefined,
): DeclaredManifest {
  const command = (path: FieldPath, value: string | string[] | undefined) =>
    value === undefined ? undefined : parseCommand(origin, path, value).argv;

  let processes: Record<string, ProcessSpec> | undefined;
  if (file.processes !== undefined) {
    processes = {};
    for (const [name, entry] of Object.entries(file.processes)) {
      const isSpec = typeof entry === 'object' && !Array.isArray(entry);
      const spec = isSpec
        ? (entry as { command: string | string[]; count?: number })
        : { command: entry as string | string[] };
      const path = isSpec ? ['processes', name, 'command'] : ['processes', name];
      processes[name] = { command: command(path, spec.command)!, count: spec.count ?? 1 };
    }
  }

  // A Map, not an object: a variable may be called `__proto__` or `constructor`.
  const env = new Map<string, string>();
  for (const [name, value] of Object.entries(file.env ?? {})) {
    checkEnvName(origin, ['env', name], name);
    if (typeof value === 'string') {
      if (value.includes('\0')) throw manifestInvalid(origin, ['env', name], 'contains a NUL character');
      env.set(name, value);
    } else env.set(name, sourceOf(['env', name]) ?? String(value));
  }

  return {
    runtime: file.runtime,
    build: command(['build'], file.build),
    processes,
    release: command(['release'], file.release),
    health: health(file.health, origin),
    env: Object.fromEntries(env),
    resources: resources(file.resources, origin),
    static: file.static === undefined ? undefined : staticSite(file.static, origin),
  };
}

function health(raw: ManifestFile['health'], origin: ManifestOrigin): HealthCheck {
  const duration = (
    key: 'startTimeout' | 'interval' | 'timeout',
    fallback: number,
    min: number,
    max: number,
  ) => {
    const value = raw?.[key];
    if (value === undefined) return fallback;
    const ms = parseDuration(value);
    if (ms === undefined)
      throw manifestInvalid(origin, ['health', key], 'is not a duration (examples: 500ms, 30s, 2m)');
    if (ms < min || ms > max) {
      throw manifestInvalid(
        origin,
        ['health', key],
        `must be between ${formatDuration(min)} and ${formatDuration(max)}`,
      );
    }
    return ms;
  };
  return {
    path: raw?.path ?? DEFAULT_HEALTH.path,
    status: raw?.status,
    startTimeoutMs: duration(
      'startTimeout',
      DEFAULT_HEALTH.startTimeoutMs,
      1000,
      MANIFEST_LIMITS.maxHealthStartTimeoutMs,
    ),
    intervalMs: duration('interval', DEFAULT_HEALTH.intervalMs, 1000, MANIFEST_LIMITS.maxHealthIntervalMs),
    timeoutMs: duration('timeout', DEFAULT_HEALTH.timeoutMs, 100, MANIFEST_LIMITS.maxHealthTimeoutMs),
  };
}

function resources(raw: ManifestFile['resources'], origin: ManifestOrigin): Resources {
  const out: Resources = {};
  if (raw?.memory !== undefined) {
    const bytes = parseSize(raw.memory);
    if (bytes === undefined)
      throw manifestInvalid(origin, ['resources', 'memory'], 'is not a size (examples: 256M, 1G)');
    if (bytes < MANIFEST_LIMITS.minMemoryBytes || bytes > MANIFEST_LIMITS.maxMemoryBytes) {
      throw manifestInvalid(
        origin,
        ['resources', 'memory'],
        `must be between ${formatSize(MANIFEST_LIMITS.minMemoryBytes)} and ${formatSize(MANIFEST_LIMITS.maxMemoryBytes)}`,
      );
    }
    out.memoryBytes = bytes;
  }
  if (raw?.cpu !== undefined) out.cpu = raw.cpu;
  if (raw?.pids !== undefined) out.pids = raw.pids;
  return out;
}

function staticSite(raw: NonNullable<ManifestFile['static']>, origin: ManifestOrigin): StaticSite {
  const relative = (key: 'root' | 'index', value: string | undefined, fallback: string) => {
    if (value === undefined) return fallback;
    const normal = normaliseRelative(value);
    if (normal === undefined) {
      throw manifestInvalid(
        origin,
        ['static', key],
        'must be a relative path inside the app (no .., not absolute)',
      );
    }
    if (key === 'index' && normal === '.') throw manifestInvalid(origin, ['static', key], 'must name a file');
    return normal;
  };
  return {
    root: relative('root', raw.root, DEFAULT_STATIC.root),
    index: relative('index', raw.index, DEFAULT_STATIC.index),
    spa: raw.spa ?? DEFAULT_STATIC.spa,
    dotfiles: raw.dotfiles ?? DEFAULT_STATIC.dotfiles,
  };
}
