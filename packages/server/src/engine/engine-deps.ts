// What the engine's parts share: its dependencies, given once by the composition root.
import type { EnvName } from '@berth/sdk';
import type { AppAccess, AuditRecorder } from '../apps/index.ts';
import type { Builder } from '../build/index.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Gateway } from '../gateway/index.ts';
import type { JobQueue } from '../jobs/index.ts';
import type { Logger } from '../logger.ts';
import type { RuntimeDriver } from '../runtime/index.ts';
import type { Store } from '../store/store.ts';
import type { RouteTables } from './route-tables.ts';

export interface EngineSettings {
  dataDir: string;
  maxPackageBytes: number;
  keepReleases: number;
  drainMs: number;
  /** Grace between SIGTERM and SIGKILL when replaced instances are stopped (default 10 s). */
  stopGraceMs?: number;
  /** How long workers must stay up after starting to count as healthy (default 2 s). */
  workerSettleMs?: number;
  /** Time limit of a release command (default 10 minutes). */
  releaseCommandTimeoutMs?: number;
  appsDomain?: string | undefined;
}

export interface EngineDeps {
  store: Store;
  queue: JobQueue;
  driver: RuntimeDriver;
  builders: readonly Builder[];
  gateway: Gateway;
  access: AppAccess;
  audit: AuditRecorder;
  secretBox: SecretBox;
  /** Every config var of an env, decrypted (the apps module's `configSnapshot`). */
  configSnapshot(code: string, env: string): Promise<Record<string, string>>;
  /** The app's Unix user when berthd isolates apps (runs as root); undefined otherwise. */
  appUser?: ((code: string) => Promise<{ uid: number; gid: number }>) | undefined;
  logger: Logger;
  settings: EngineSettings;
}

export interface EngineContext extends EngineDeps {
  routes: RouteTables;
}

export function urlPrefix(code: string, env: EnvName | string): string {
  return `/${env === 'prod' ? 'o' : 't'}/${code}`;
}
