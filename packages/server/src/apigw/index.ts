export { type ApigwModule, type ApigwModuleDeps, createApigwModule } from './apigw-module.ts';
export type { DeclarationsService, SyncResult } from './declarations-service.ts';
export {
  type ComponentDirectory,
  type ComponentLookup,
  type ComponentMatch,
  createComponentDirectory,
  DEFAULT_RECHECK_MS,
} from './directory.ts';
export {
  COMPAPI,
  DEFAULT_APIGW_TIMEOUT_MS,
  effectiveTimeoutMs,
  placeholders,
  RATE_WINDOW_MS,
  type SystemDeclaration,
} from './model.ts';
export { apigwMigrations } from './tables.ts';
export type { SystemFile } from './yaml-files.ts';
