// What the engine's parts share: its dependencies, given once by the composition root.
import type { NotifyEvent } from '@berth/sdk';
import type { Kysely, Transaction } from 'kysely';
import type { AppAccess, AuditRecorder } from '../apps/index.ts';
import type { BuiltImage, StepExecutor } from '../build/index.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { GatewayDriver, HealthMonitor } from '../gateway/index.ts';
import type { Every, JobQueue } from '../jobs/index.ts';
import type { Logger } from '../logger.ts';
import type { PublicUrls } from '../public-urls.ts';
import type { RuntimeDriver } from '../runtime/index.ts';
import type { Sources } from '../sources/source.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { Tenants } from '../tenants/index.ts';
import type { BuildPlace } from './build-places.ts';
import type { GatewayExtrasSource } from './gateway-extras.ts';
import type { RouteTables } from './route-tables.ts';

export interface EngineSettings {
  dataDir: string;
  maxPackageBytes: number;
  keepReleases: number;
  drainMs: number;
  /** How often environments with crash-looping or missing instances are healed (0: only at start;
   *  one replica per period, through `every`). */
  healIntervalMs: number;
  /** Grace between SIGTERM and SIGKILL when replaced instances are stopped (BERTH_STOP_GRACE). */
  stopGraceMs: number;
  /** How long workers must stay up after starting to count as healthy (default 2 s). */
  workerSettleMs?: number;
  /** Time limit of a release command (default 10 minutes). */
  releaseCommandTimeoutMs?: number;
  appsDomain?: string | undefined;
  /** The console, apps and API URLs instances get (BERTH_CONSOLE_URL, BERTH_APP_URL, BERTH_API_URL). */
  urls?: PublicUrls | undefined;
  /** How long the runtime keeps a stopped instance's logs (BERTH_LOG_RETENTION): the logs API reads
   *  replaced and crashed instances that long. */
  logRetentionMs: number;
  /** Log streams (`follow=true`) one user may have open at once (BERTH_LOG_STREAMS_PER_USER). */
  logStreamsPerUser: number;
  /** Time limit of a one-off run, `berth run` (BERTH_RUN_TIMEOUT; default 1 hour). */
  runTimeoutMs?: number;
  /** One-off runs an app may have going at once (BERTH_RUNS_PER_APP; default 3). */
  runsPerApp?: number;
  /** How often approved deploy requests are checked for an open window (default 1 s; 0: only at
   *  start; one replica per period, through `every`). */
  requestPollMs?: number;
}

/** Tells subscribed notification channels about an event, in the caller's transaction (the notify
 *  module's `emit`): the event is delivered exactly when the change that caused it commits. */
export type EmitNotification = (
  db: Kysely<Database> | Transaction<Database>,
  event: NotifyEvent,
) => Promise<void>;

/** An app's pinned manifest (sources/pinned-manifest.ts): its digest (part of build keys) and the
 *  check a source tree's manifest must pass (MANIFEST_PINNED), which also supplies the pinned
 *  manifest to a tree that has none. */
export interface ManifestPin {
  digest: string;
  check(sourceRoot: string): Promise<void>;
}

export interface EngineDeps {
  store: Store;
  /** Where builds' code comes from (package uploads, git, images). */
  sources: Sources;
  /** The app's pinned manifest, if an operator pinned one. */
  pinnedManifest?: ((app: string) => Promise<ManifestPin | undefined>) | undefined;
  queue: JobQueue;
  /** Registers periodic work that one berthd replica runs per period (the jobs module's scheduler);
   *  absent: the engine's periodic work runs only at start. */
  every?: Every | undefined;
  /** This berthd among the replicas on the store (jobs/replica-id.ts): route tables follow the
   *  other replicas' changes and wait for them (route-peers.ts). Absent: this one is alone. */
  replica?: string | undefined;
  driver: RuntimeDriver;
  /** Where the Berth builder's steps run (build-places.ts; the composition root picks the one of its
   *  runtime). */
  buildPlace: BuildPlace;
  /** The data plane the route tables go to. */
  gateway: GatewayDriver;
  /** The control plane's health checks of app instances (the instance views read it). */
  health?: HealthMonitor | undefined;
  /** What other modules add to the gateway table (custom domains, certificates). */
  gatewayExtras?: GatewayExtrasSource | undefined;
  /** Where berthd's API listens when the gateway serves it too (BERTH_SHARED_ORIGIN). */
  platformAddress?: (() => { host: string; port: number } | undefined) | undefined;
  /** berthd's API address, once it listens: the API gateway's route on the apps origin. */
  apigwAddress?: (() => { host: string; port: number } | undefined) | undefined;
  access: AppAccess;
  audit: AuditRecorder;
  secretBox: SecretBox;
  /** Every app's code (the apps module's `allCodes`): each has routes, served or not. */
  appCodes(): Promise<Iterable<string>>;
  /** Every config var of an env, decrypted (the apps module's `configSnapshot`). */
  configSnapshot(code: string, env: string): Promise<Record<string, string>>;
  /** The names of an env's secret config vars (their values are masked in deploy logs). */
  secretNames(code: string, env: string): Promise<string[]>;
  /** The most instances the app's environments may run together (the apps module's ceiling). */
  instanceCeiling(code: string): Promise<number>;
  /** The app's placement constraints (the apps module's `placement`), given to every instance and
   *  one-off run it starts; cluster runtimes place them by it. */
  placement(code: string): Promise<string[]>;
  /** This installation's code (tenants/): part of host-level names such as release image tags. */
  installation: string;
  /** Host identities (tenants/): set when berthd runs as root, the only case where it can run apps
   *  and builds as users of their own. Without it everything runs as berthd's user. */
  tenants?: Tenants | undefined;
  /** Set only with BERTH_RUNTIME=docker: what builds and container images need of the engine. */
  containers?: EngineContainers | undefined;
  logger: Logger;
  settings: EngineSettings;
  /** Notifications of deploy requests, finished deploys and crash loops (absent: none are sent). */
  notify?: EmitNotification | undefined;
}

/** Stack image names by the manifest's runtime ('custom' apps run in node's stack). */
export type StackRuntime = 'node' | 'python' | 'custom';

/**
 * What builds and release images need of a container engine, as the engine calls it: it never
 * sees the engine's client (runtime/docker/engine-containers.ts implements this with the Docker
 * Engine API; a cluster runtime may implement it with its own builder and registry).
 */
export interface EngineContainers {
  /**
   * Makes sure the runtime's stack image exists and resolves with its reference. A missing image
   * is built (minutes: debootstrap), one build at a time per image; `log` gets a line when that
   * happens (the deploy log). Fails with STACK_IMAGE_BUILD_FAILED or DOCKER_UNAVAILABLE.
   */
  stackImage(runtime: StackRuntime, log?: (line: string) => void): Promise<string>;
  /** Builds a source tree with a Dockerfile at its root into the image `tag` (BUILD_IMAGE_FAILED,
   *  with the failing output, when a step fails; nothing is tagged then). */
  buildImage(o: ImageBuild): Promise<BuiltImage>;
  /** Tags an image (by id or digest) as `tag`. */
  tagImage(image: string, tag: string): Promise<void>;
  /** Removes the tag `tag` (gone already: nothing to do). */
  removeTag(tag: string): Promise<void>;
  /** Runs build steps in one-off containers of a stack image (build/container/). */
  stepExecutor(o: ContainerSteps): StepExecutor;
  /**
   * Runtimes with `artifacts: image` (runtime/driver.ts): the image a release runs from, its sealed
   * artifact tree baked in at /app on top of `base` (its stack image), tagged `tag`. An image already
   * tagged `tag` is used as it is (releases never change). Resolves with the reference to run.
   */
  releaseImage(o: ReleaseImage): Promise<string>;
  /**
   * Runtimes with `artifacts: image`: makes a release image reachable by every node and resolves
   * with the reference instances run (with a registry: pushed, `{registry}/{repo}@sha256:…`; without
   * one: `ref` itself, for a single-node cluster).
   */
  publish(ref: string): Promise<string>;
  /**
   * Removes a release image (a tag, or a reference by digest) unless a container was made from it,
   * with its copies in the registry but those named in `keep` (references by digest other releases
   * still run).
   */
  removeReleaseImage(ref: string, keep?: ReadonlySet<string>): Promise<ReleaseImageRemoval>;
  /** Removes every release image of an app (after its deletion), by reference. */
  removeAppImages(app: string): Promise<Record<string, ReleaseImageRemoval>>;
  /** Removes build containers an earlier berthd left (of one app, or all). */
  removeBuildContainers(app?: string): Promise<void>;
}

export interface ReleaseImage {
  base: string;
  artifactDir: string;
  tag: string;
  labels: Record<string, string>;
}

export type ReleaseImageRemoval = 'removed' | 'absent' | 'in-use';

export interface ImageBuild {
  contextDir: string;
  tag: string;
  labels: Record<string, string>;
  log: (line: string) => void;
  signal: AbortSignal;
}

export interface ContainerSteps {
  /** The stack image the steps run in. */
  image: string;
  /** The uid and gid the steps run as (never 0). */
  uid: number;
  gid: number;
  /** Build tools from the host, mounted read-only, and their settings. */
  toolMounts: ReadonlyArray<{ source: string; target: string }>;
  toolEnv: Record<string, string>;
  /** The app the build belongs to (a label on its containers). */
  label: string;
}

/** The stack a release runs in when it has no image of its own. */
export function stackRuntimeOf(runtime: string): StackRuntime {
  return runtime === 'python' ? 'python' : runtime === 'custom' ? 'custom' : 'node';
}

export interface EngineContext extends EngineDeps {
  routes: RouteTables;
}
