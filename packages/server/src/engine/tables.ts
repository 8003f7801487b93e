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
  /** JSON SourceOrigin: where its code came from (null for releases older than sources). */
  origin: string | null;
  /** The build whose artifact it runs (null for releases older than build records). */
  build_id: string | null;
  /** Runtimes with `artifacts: image`: the reference by digest its image was published as, set once
   *  (the only column of a release that changes after it is ready; release-image.ts). */
  image_ref: string | null;
  created_by: string;
  created_at: number;
}

/** One build of one source: an artifact keyed by what it was built from (builds.ts). */
export interface BuildsTable {
  id: string;
  app_code: string;
  /** The environment whose deploy ran it (its build identity and config built it). */
  env: string;
  /** `package:{sha256}` | `git:{commit}` | `image:{digest}`, plus `+pin:{digest}` under a pinned manifest. */
  source_key: string;
  /** JSON SourceOrigin. */
  origin: string;
  /** running | succeeded | failed | cancelled */
  status: string;
  deploy_id: string;
  release_version: number | null;
  out_dir: string | null;
  artifact_dir: string | null;
  /** JSON ReleaseBuild. */
  build: string | null;
  /** Deploys that took its artifact instead of building again. */
  reused: number;
  created_at: number;
  finished_at: number | null;
}

/** One row per deploy, with a lifecycle of its own (deploy-lifecycle.ts); the job that runs it
 *  exists once it is queued. A deploy that needs approval is a deploy request until decided. */
export interface DeploysTable {
  id: string;
  app_code: string;
  env: string;
  /** build | rollback | promote | config | restart | scale | stop | start */
  kind: string;
  /** requested | approved | refused | withdrawn | queued | running | succeeded | failed | cancelled */
  status: string;
  job_id: string | null;
  /** The release version the deploy makes current, once known. */
  release_version: number | null;
  /** JSON: what the kind needs (rollback version, source release, formation…). */
  params: string;
  /** What the deployer (or requester: the request's note) wrote. */
  description: string | null;
  created_by: string;
  /** The user id behind created_by (null for the platform and for deploys older than requests). */
  created_by_id: string | null;
  created_at: number;
  /** 1 when it went through a request (needed approval). */
  requested: number;
  /** A request's window: start no earlier / no later than (epoch ms). */
  not_before: number | null;
  not_after: number | null;
  decided_by: string | null;
  decided_at: number | null;
  /** The approver's or refuser's reason (or the requester's on withdrawal). */
  decision_reason: string | null;
  /** Set when an operator or admin acted without the approval the environment needs. */
  emergency_reason: string | null;
  /** Why it ended without its job saying so (a missed window, a deleted app). */
  error_code: string | null;
  error: string | null;
  finished_at: number | null;
  updated_at: number | null;
  /** build deploys: JSON of where the code comes from, pinned (SourceOrigin) once the deploy resolved it. */
  origin: string | null;
  build_id: string | null;
  /** What started it when a push or a webhook did (`push:refs/heads/main`): a newer deploy of the same
   *  trigger supersedes it while it has not switched traffic. */
  trigger_ref: string | null;
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
  /** When a replica claimed the notice of its crash loop (instance-history.ts): one per instance. */
  crashloop_noticed_at: number | null;
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

/** The route generation (one row, id 1): raised by every change that moves traffic (route-peers.ts). */
export interface RouteGenerationTable {
  id: number;
  generation: number;
}

/** The route generation each berthd replica serves, and when it last said so (its heartbeat). */
export interface RouteReplicasTable {
  replica: string;
  generation: number;
  /** Epoch ms, the replica's clock. */
  seen_at: number;
}

export interface EngineTables {
  builds: BuildsTable;
  idempotency_keys: IdempotencyKeysTable;
  releases: ReleasesTable;
  deploys: DeploysTable;
  env_states: EnvStatesTable;
  instance_history: InstanceHistoryTable;
  route_generation: RouteGenerationTable;
  route_replicas: RouteReplicasTable;
}

export type ReleaseRow = Selectable<ReleasesTable>;
export type DeployRow = Selectable<DeploysTable>;
export type EnvStateRow = Selectable<EnvStatesTable>;
export type BuildRow = Selectable<BuildsTable>;
