// The RuntimeDriver interface: what the deploy engine needs from a place that runs app instances
// (supervised processes on this host today; Docker, Swarm and Kubernetes later). The engine decides
// what should run; a driver only runs, stops, lists, supervises and logs instances. Every driver
// passes the shared contract suite in test/runtime/contract.ts.
//
// Rules every driver follows:
// - Instance ids are chosen by the engine and unique for all time (a restart keeps the id, a new
//   release gets new ids). A driver keeps what it knows about an instance until `stop(id)`.
// - `start` resolves once the instance is spawned; health checks are the caller's job.
// - A crash (non-zero exit, or a signal the driver did not send) is restarted with back-off
//   (restart-policy.ts); too many crashes in a window put the instance in `crashloop`, where it
//   stays until stopped. A clean exit (code 0) is not a crash: the instance stays `exited`.
// - Instances outlive the driver: `close()` detaches and leaves them running, `recover()` in the
//   next berthd picks them up again.
import type { EnvName, RuntimeNode } from '@berth/sdk';

/**
 * A machine the runtime runs instances on (`GET /api/v1/nodes`): a Swarm node, or for single-host
 * runtimes the host itself (role `host`). The wire schema (the SDK's) is the one definition.
 */
export type { RuntimeNode };

export interface InstanceLimits {
  /** Memory cap in bytes. */
  memoryBytes?: number;
  /** CPU cap in cores (0.5 = half a core). */
  cpu?: number;
  /** Most processes/threads the app may run. */
  pids?: number;
}

export interface InstanceSpec {
  /** Unique, chosen by the engine, e.g. `hello-prod-v3-web-1-x7k2`: [A-Za-z0-9][A-Za-z0-9_.-]{0,127}. */
  id: string;
  /** App code (APP_CODE_PATTERN). */
  app: string;
  env: EnvName;
  release: number;
  /** Procfile process type, e.g. `web`, `worker`. */
  processType: string;
  /** 1-based index within the process type. */
  index: number;
  /** The built release; the instance's working directory, read-only for the app. */
  artifactDir: string;
  /**
   * Who the instance runs as: the environment's run identity, allocated in the store (tenants/).
   * Its uid and gid are a Unix user on the process runtime and the container's user on Docker;
   * `home` (owned by it, private) is its only writable directory and its HOME. Required when berthd
   * runs as root; without it an instance runs as berthd's own user (no isolation).
   */
  user?: InstanceUser;
  /** argv, never a shell string. The first element is looked up on the instance's PATH. */
  command: string[];
  /** Environment variables: config vars and platform vars. The driver adds PORT (listen
   *  instances), PATH and HOME. (Named `vars` because `env` is the app environment.) */
  vars: Record<string, string>;
  /** Directories relative to artifactDir put in front of PATH, e.g. ['venv/bin', 'node_modules/.bin']. */
  pathPrepend?: string[];
  /** What a driver cannot enforce it documents (see process/limits.ts). */
  limits?: InstanceLimits;
  /** True for `web`: the driver allocates an address and passes its port as PORT. */
  listen: boolean;
  /** Container runtimes: the image the instance runs (default: the driver's choice, see its docs).
   *  The process driver ignores it: processes run on the host with the host's programs. */
  image?: string;
  /** Container runtimes: `image` carries the app itself (built from the app's Dockerfile), so no
   *  artifact is mounted and the image's working directory and PATH are kept. */
  appInImage?: boolean;
  /**
   * Cluster runtimes: constraints on the nodes the instance may run on (Swarm placement
   * constraints in normal form, `node.labels.zone==a`); single-host runtimes ignore them.
   */
  placement?: string[];
}

export interface InstanceUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export type InstanceState =
  /** Being spawned. */
  | 'starting'
  /** Spawned and alive (not necessarily healthy: health is checked by the caller). */
  | 'running'
  /** Crashed; waiting for the back-off delay before the next restart. */
  | 'backoff'
  /** Crashed too often; no more restarts until the engine stops it and starts a new one. */
  | 'crashloop'
  /** `stop()` in progress. */
  | 'stopping'
  /** Stopped by `stop()`; the driver forgets it. */
  | 'stopped'
  /** Exited by itself with code 0; not restarted. */
  | 'exited';

export interface InstanceExit {
  /** Exit code; null when killed by a signal or unknown (an adopted process cannot be waited for). */
  code: number | null;
  signal: string | null;
  at: number;
}

export interface InstanceInfo {
  id: string;
  app: string;
  env: EnvName;
  release: number;
  processType: string;
  index: number;
  state: InstanceState;
  /** Where the gateway reaches a listen instance. */
  address?: { host: string; port: number };
  /** Listen instances: the PORT the app was given, where it must listen (inside its container on
   *  container runtimes, so not always `address.port`). */
  port?: number;
  pid?: number;
  /** Epoch ms of the current process's start. */
  startedAt?: number;
  /** Restarts performed by the driver (crash restarts and restarts on recovery). */
  restarts: number;
  lastExit?: InstanceExit;
}

export interface LogLine {
  /** Epoch ms; see the driver for what it means exactly (process driver: when berthd read the line). */
  at: number;
  stream: 'stdout' | 'stderr';
  line: string;
  instance: string;
}

export interface LogOptions {
  /** Keep yielding new lines until `signal` aborts or the instance stops for good. */
  follow?: boolean;
  /** Only the last N lines of what was logged so far (then new ones when following). */
  tailLines?: number;
  signal?: AbortSignal;
}

/**
 * A one-off process in a release: its release command, or a command a developer runs (`berth run`).
 * Same working directory, identity, variables (HOME, PATH), limits and, on container runtimes, image
 * and isolation as the release's instances; no port, no supervision, no restart.
 */
export interface RunSpec
  extends Pick<
    InstanceSpec,
    | 'app'
    | 'env'
    | 'release'
    | 'artifactDir'
    | 'user'
    | 'command'
    | 'vars'
    | 'pathPrepend'
    | 'limits'
    | 'image'
    | 'appInImage'
    | 'placement'
  > {
  /** Unique, chosen by the caller (INSTANCE_ID_PATTERN). */
  id: string;
  /** `release`: a release command; `run`: a developer's one-off command. Labels and logs show it. */
  kind: 'release' | 'run';
  /** Killed (with everything it started) after this long. */
  timeoutMs: number;
}

export interface RunIO {
  /**
   * Output as it comes, decoded as UTF-8, in chunks (not lines). A returned promise means "wait":
   * the driver reads no more output until it settles (the command then blocks on a full pipe), so
   * a slow reader holds up the command instead of filling berthd's memory.
   */
  output(stream: 'stdout' | 'stderr', data: string): void | Promise<void>;
  /** Aborting kills the run at once, with everything it started. */
  signal: AbortSignal;
}

export interface RunExit {
  /** The exit code; null when the process was killed by a signal. */
  code: number | null;
  signal: string | null;
  /** Set when the driver killed it: its time limit passed, or `io.signal` aborted. */
  killed?: 'timeout' | 'aborted';
}

export type RuntimeEvent = 'exit' | 'crashloop' | 'restart';
export type RuntimeListener = (info: InstanceInfo) => void;

/** What a driver does itself and what it leaves to others; the engine reads these instead of
 *  asking which driver it has. */
export interface RuntimeCapabilities {
  /**
   * `driver`: the driver restarts crashed instances itself, with restart-policy.ts (process, docker).
   * `orchestrator`: a cluster engine restarts them (Swarm); the driver reports what it does.
   */
  readonly supervision: 'driver' | 'orchestrator';
  /**
   * `path`: an instance runs its release from `artifactDir` on this host (mounted into its container
   * on container runtimes). `image`: it runs from `spec.image`, which holds the release (built and
   * published by the engine's containers), so any node can run it; `artifactDir` is not read.
   */
  readonly artifacts: 'path' | 'image';
}

/**
 * What runs one-off commands in a release (release commands, `berth run`): every runtime driver is
 * one, and runs them where and as its instances run.
 */
export interface TaskRunner {
  /**
   * Runs `spec.command` once and resolves when it has ended and nothing it started is left (the
   * process group / the container is gone: background children do not outlive a run). A run is not
   * an instance (not listed, no logs kept); `recover()` kills the runs a dead berthd left behind.
   * Fails with RUNTIME_SPEC_INVALID or RUNTIME_START_FAILED.
   */
  runOnce(spec: RunSpec, io: RunIO): Promise<RunExit>;
}

export interface RuntimeDriver extends TaskRunner {
  readonly name: string;
  readonly capabilities: RuntimeCapabilities;
  /**
   * Spawns a new instance and resolves with its info once it runs. Fails with RUNTIME_SPEC_INVALID,
   * RUNTIME_INSTANCE_EXISTS (id in use), RUNTIME_START_FAILED (could not spawn) or RUNTIME_NO_PORT.
   */
  start(spec: InstanceSpec): Promise<InstanceInfo>;
  /**
   * SIGTERM to the instance's process group, wait `graceMs` (default 10 s), SIGKILL to the group;
   * resolves when every process of the instance is gone and the driver has forgotten it. Stopping an
   * unknown id resolves (stop is idempotent); a cluster runtime first looks for it among the
   * instances other replicas started, and stops it when found.
   */
  stop(id: string, opts?: { graceMs?: number }): Promise<void>;
  list(filter?: { app?: string; env?: string }): Promise<InstanceInfo[]>;
  /**
   * The instance's stdout and stderr. Readable after the instance stopped until log retention removes
   * them; RUNTIME_INSTANCE_NOT_FOUND when there are none.
   */
  logs(id: string, opts?: LogOptions): AsyncIterable<LogLine>;
  /** After berthd restarts: find the instances that still run and supervise them again. Call once,
   *  before `start`. Resolves with the instances the driver knows afterwards. */
  recover(): Promise<InstanceInfo[]>;
  /**
   * Cluster runtimes: the nodes of the cluster with this installation's instances on each. Absent on
   * single-host runtimes, whose one node is the host (runtime/host-node.ts).
   */
  nodes?(): Promise<RuntimeNode[]>;
  /**
   * Cluster runtimes, where other berthd replicas start and stop instances too: adopts this
   * installation's instances started elsewhere and forgets those removed elsewhere (silently: no
   * `exit`, no crash), so that `list()` afterwards shows the cluster's instances. Absent on runtimes
   * that know every instance of theirs already.
   */
  sync?(): Promise<void>;
  /** Detach: stop supervising but leave instances running (berthd shutdown / crash semantics). */
  close(): Promise<void>;
  /** `exit` on every exit of an instance's process, `restart` after a restart, `crashloop` once. */
  on(event: RuntimeEvent, listener: RuntimeListener): void;
  off(event: RuntimeEvent, listener: RuntimeListener): void;
}
