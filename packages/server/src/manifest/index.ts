export type {
  AppManifest,
  BlueKingInfo,
  HealthCheck,
  ManifestSource,
  ProcessSpec,
  Resources,
  StaticSite,
} from './app-manifest.ts';
export { DEFAULT_HEALTH, DEFAULT_STATIC } from './app-manifest.ts';
export { detectRuntime, readPackageJson } from './detect-app.ts';
export { checkManifestText, loadManifest, MANIFEST_FILE } from './load-manifest.ts';
export { type FieldPath, formatPath, type ManifestOrigin, manifestInvalid } from './manifest-error.ts';
export {
  MANIFEST_LIMITS,
  type ManifestFile,
  ManifestSchema,
  RUNTIMES,
  type Runtime,
} from './manifest-schema.ts';
export { parseProcfile } from './procfile.ts';
export { exists, isWithin, normaliseRelative, readTextFile, resolveInside } from './read-text-file.ts';
export { type SplitResult, splitCommand } from './shell-words.ts';
export { formatDuration, formatSize, parseDuration, parseSize } from './units.ts';
