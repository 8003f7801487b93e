// Tables owned by the deploy engine. Times are epoch milliseconds, JSON is text.
import type { Selectable } from 'kysely';

/** One immutable, numbered release per environment (v1, v2, …). */
export interface ReleasesTable {
  id: string;
  app_code: string;
  env: string;
  version: number;
  /** building (hidden from the API) | ready | failed */
  status: string;
  /** package | rollback | promote | config */
  source: string;
  /** The build's output directory (what pruning deletes); null while building. */
  out_dir: string | null;
  /** The directory instances run in (out_dir or a sub-directory of it). */
  artifact_dir: string | null;
  /** JSON: the normalised manifest plus the build result (runtime, processes, static, pathPrepend). */
  build: string | null;
  /** JSON of the config vars at release time, sealed with the context `release:{code}:{env}:{version}`. */
  config_sealed: string | null;
  /** 1 once the artifact was deleted to keep disk use bounded. */
  pruned: number;
  /** What the deployer wrote (package deploys' `?description=`, or a rollback's note); the platform's
   *  own account of a release is its `source` and `from_version`, which clients put in words. */
  description: string | null;
  /** rollback: the release rolled back to; promote: the stag release promoted; else null. */
  from_version: number | null;
  created_by: string;
  created_at: number;
}

/** One row per deploy request; its status, error and times are those of its job. */
export interface DeploysTable {
  id: string;
  app_code: string;
  env: string;
  /** build | rollback | promote | config | restart | scale | stop | start */
  kind: string;
  job_id: string;
  /** The release version the deploy makes current, once known. */
  release_version: number | null;
  /** JSON: what the kind needs (rollback version, source release, formation…). */
  params: string;
  description: string | null;
  created_by: string;
  created_at: number;
}

/** What should run in an app environment; the reconciler makes the runtime match it. */
export interface EnvStatesTable {
  app_code: string;
  env: string;
  /** The release serving traffic; null before the first deploy. */
  release_version: number | null;
  /** running | stopped */
  status: string;
  /** JSON `{ [processType]: count }`: overrides of the manifest's counts. */
  formation: string;
  /** JSON array of the instance ids in the route table (web) and running (workers). */
  instances: string;
  updated_at: number;
}

/** Every instance the engine started, kept while its logs may be: the logs API reads the lines of
 *  replaced and crashed instances through it. */
export interface InstanceHistoryTable {
  id: string;
  app_code: string;
  env: string;
  process_type: string;
  release_version: number;
  started_at: number;
  /** When the engine stopped it; null while it runs (or was never stopped by the engine). */
  stopped_at: number | null;
}

/** An Idempotency-Key of a user and the deploy its first request started (idempotency-keys.ts). */
export interface IdempotencyKeysTable {
  user_id: string;
  idem_key: string;
  /** SHA-256 of what the request asked (route, target, body). */
  fingerprint: string;
  deploy_id: string;
  created_at: number;
}

export interface EngineTables {
  idempotency_keys: IdempotencyKeysTable;
  releases: ReleasesTable;
  deploys: DeploysTable;
  env_states: EnvStatesTable;
  instance_history: InstanceHistoryTable;
}

export type ReleaseRow = Selectable<ReleasesTable>;
export type DeployRow = Selectable<DeploysTable>;
export type EnvStateRow = Selectable<EnvStatesTable>;
