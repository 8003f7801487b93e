// The only reader of process.env in berthd. Every setting is declared once below with its default
// and unit, validated at boot, and returned frozen. An invalid value stops the start with a message
// naming the setting.
import os from 'node:os';
import path from 'node:path';
import { MAX_INSTANCES_PER_APP_DEFAULT, MAX_INSTANCES_PER_APP_LIMIT } from '@berth/sdk';
import { type TrustProxySetting, trustEntryProblem } from './gateway/trusted-proxies.ts';
import { passwordProblem } from './identity/password-policy.ts';
import { SETTING_DEFAULTS } from './setting-defaults.ts';

export type DatabaseConfig =
  | { dialect: 'sqlite'; file: string }
  | { dialect: 'postgres'; url: string }
  | { dialect: 'mysql'; url: string };

export interface Config {
  /** The console and API's port (BERTH_PORT); with `sharedOrigin` the apps' too. */
  port: number;
  /** The apps' port: the gateway (BERTH_APPS_PORT); unused with `sharedOrigin`. */
  appsPort: number;
  /** Apps served on the console's origin (BERTH_SHARED_ORIGIN): trusted internal apps only. */
  sharedOrigin: boolean;
  host: string;
  dataDir: string;
  database: DatabaseConfig;
  /** The `@berth/cli` package served at /downloads/berth-cli.tgz (BERTH_CLI_PACKAGE); unset: the one
   *  the build writes beside berthd's code (http/download-routes.ts). */
  cliPackage: string | undefined;
  /** The built web console (index.html and assets/) served at `/` (BERTH_CONSOLE_DIR); unset: the
   *  checkout's packages/console/dist (http/console-routes.ts). */
  consoleDir: string | undefined;
  /** Bootstrap password of `admin`, used only when the user table is empty. */
  adminPassword: string | undefined;
  /** Base64 of 32 bytes; when unset the key lives in `${dataDir}/secret.key` (mode 0600). */
  secretKey: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The console's (and API's) public URL: printed hints, the CSRF check, the session cookie. A URL
   *  with port 0 (BERTH_PORT=0) stands for the port berthd was given (see public-urls.ts). */
  publicUrl: string;
  /** The apps origin's public URL: the app URLs the API reports and apps get. */
  appsUrl: string;
  sessionTtlMs: number;
  /** Whether the session cookie is `Secure` (and so `__Host-` named): from BERTH_PUBLIC_URL. */
  cookieSecure: boolean;
  /** Peers whose X-Forwarded-* headers are believed: none (false), every non-loopback peer (true),
   *  or these addresses and CIDR ranges. */
  trustProxy: TrustProxySetting;
  /** Gateway worker processes serving the apps port (one per core); 0 serves it in berthd's own
   *  process. */
  gatewayWorkers: number;
  gateway: {
    /** The data plane: the built-in Node.js gateway or nginx (BERTH_GATEWAY). */
    driver: GatewayDriverName;
    /** The HTTPS listener's port (BERTH_HTTPS_PORT); undefined: no HTTPS. */
    httpsPort: number | undefined;
    /** Time a client gets to send a request's headers before its connection is closed. */
    headerTimeoutMs: number;
    /** Open connections per client address, in each gateway process (0: no cap). Trusted proxies
     *  are not capped. */
    maxConnectionsPerAddress: number;
    /** Connections, so concurrent requests, to each app instance from each gateway process
     *  (0: no limit). */
    upstreamConnections: number;
    /** Settings of the nginx driver (used only with `driver: 'nginx'`). */
    nginx: NginxConfig;
  };
  jobs: {
    /** Job workers in this process; 0 runs the API only. */
    workers: number;
    leaseMs: number;
    pollMs: number;
    /** How long the replica running a scheduled period holds it between heartbeats; another
     *  replica takes the period over once it ran out (the owner died). */
    scheduleLeaseMs: number;
  };
  notify: {
    /** Attempts of one notification delivery before it is marked failed (retried with the job
     *  queue's back-off). */
    attempts: number;
    /** Time limit of one delivery attempt: connecting, sending and the receiver's answer. */
    timeoutMs: number;
  };
  login: {
    /** How long failed logins are remembered. */
    windowMs: number;
    /** Failed logins per username and client address before each further attempt has to wait. */
    freeFailures: number;
    /** The first wait after those, doubled with every further failure (up to the window). */
    backoffMs: number;
    /** Failed logins per client address within the window, across usernames. */
    maxFailuresPerAddress: number;
    /** Password checks (scrypt) running at once in this process. */
    concurrency: number;
    /** Password checks waiting for one of those; more are refused with LOGIN_BUSY. */
    queue: number;
  };
  runtime: {
    /** Where app instances run: supervised host processes (default) or Docker containers. */
    driver: RuntimeDriverName;
    /** Settings of the Docker runtime (used only with `driver: 'docker'`). */
    docker: {
      /** The Engine API's Unix socket. */
      socket: string;
      /** Debian mirror debootstrap downloads from when a stack image has to be built. */
      debianMirror: string;
    };
    /** Where cluster runtimes' release images are pushed for the nodes to pull (BERTH_REGISTRY). */
    registry: RegistrySetting;
    /** How often the builtin registry's unreferenced blobs are collected (0: never). */
    registryGcIntervalMs: number;
    /** First uid of the host identities apps run and build as (when berthd runs as root). */
    uidBase: number;
    /** Grace between SIGTERM and SIGKILL when an instance stops. */
    stopGraceMs: number;
    /** An instance's log file is rotated at this size. */
    logMaxBytes: number;
    /** Rotated log files kept per instance. */
    logFiles: number;
    /** Logs of instances that are gone are deleted this long after their last line. */
    logRetentionMs: number;
  };
  engine: {
    /** Largest uploaded package, in bytes. */
    maxPackageBytes: number;
    /** Releases per environment whose artifacts are kept (the current one always is). */
    keepReleases: number;
    /** How long replaced instances keep serving requests in flight before they are stopped. */
    drainMs: number;
    /** With `apps.example.com`, apps are also served at `{code}.apps.example.com` / `{code}-stag.…`. */
    appsDomain: string | undefined;
    /** Write one access-log line (JSON, `mod: "access"`) per request the gateway serves. */
    accessLog: boolean;
    /** Deploys older than this whose release is gone are deleted with their jobs and logs. */
    historyRetentionMs: number;
    /** How often old deploys, instance history and scheduled runs are purged (0: never). */
    historyPurgeIntervalMs: number;
    /** How often crash-looping or missing instances are replaced (0: only at start). */
    healIntervalMs: number;
    /** Log streams (`follow=true`) one user may have open at once, per berthd process. */
    logStreamsPerUser: number;
    /** Instances an app's environments may run together unless an admin set the app's own ceiling. */
    maxInstancesPerApp: number;
    /** A one-off run (`berth run`) is killed after this long. */
    runTimeoutMs: number;
    /** One-off runs an app's environments may have going at once, per berthd process. */
    runsPerApp: number;
    /** Whether prod deploys and rollbacks need approval where an app's prod policy was never set. */
    prodApproval: boolean;
    /** How often approved deploy requests are checked for an open window. */
    requestPollMs: number;
  };
  /** Where code comes from besides uploads: hosted and external git repositories, images. */
  sources: {
    /** Largest a hosted repository may grow (pushes beyond it are refused), or an external one be. */
    maxRepoBytes: number;
    /** Largest request body of one push. */
    maxPushBytes: number;
    /** Time limit of one git fetch, clone or archive Berth runs. */
    gitTimeoutMs: number;
    /** Registries `deploy --image` may pull from (host[:port]); empty: only images on the Docker host. */
    imageRegistries: readonly string[];
  };
  /** The API gateway between apps (apigw/). */
  apigw: {
    /** Call records (per minute, component and calling app) older than this are deleted. */
    recordsRetentionMs: number;
  };
  /** Custom domains and their TLS certificates. */
  domains: {
    /** Certificates expiring within this many days are flagged (CLI, API, status page). */
    certWarnDays: number;
    /** ACME HTTP-01 (BERTH_ACME_DIRECTORY); unset: ACME is off. */
    acme: { directory: string; email: string | undefined; caFile: string | undefined } | undefined;
  };
}

/**
 * The settings that hold secrets (BERTH_DATABASE_URL may carry a password). main.ts removes them
 * from the process environment once they are read (forget-secrets.ts), so that neither
 * /proc/<pid>/environ nor a child process shows them.
 */
export const SECRET_SETTINGS = [
  'BERTH_ADMIN_PASSWORD',
  'BERTH_SECRET_KEY',
  'BERTH_DATABASE_URL',
  'BERTH_REGISTRY_PASSWORD',
] as const;

/**
 * The environment for a process berthd starts that is not an app (gateway workers): berthd's own,
 * with every BERTH_* setting unset (`undefined`, which also unsets it where an API merges the given
 * environment over process.env, as `cluster.fork` does). Children get their settings explicitly.
 */
export function childEnvironment(env: Env = process.env): Record<string, string | undefined> {
  const child: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env))
    child[name] = name.startsWith('BERTH_') ? undefined : value;
  return child;
}

/** The PATH programs berthd runs (git, ssh) search, berthd's own: they get no other variable of it. */
export function programPath(env: Env = process.env): string {
  return env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin';
}

export const RUNTIME_DRIVERS = ['process', 'docker', 'swarm'] as const;

export type RegistrySetting =
  | { kind: 'off' }
  /** docker-registry run by berthd, listening on `address` (`host:port`, BERTH_REGISTRY_ADDRESS). */
  | { kind: 'builtin'; address: string }
  /** An operator's registry at `address`, with these credentials and CA (none: a public CA). */
  | { kind: 'external'; address: string; username: string; password: string; caFile: string | undefined };
export type RuntimeDriverName = (typeof RUNTIME_DRIVERS)[number];

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of `500ms`, `30s`, `15m`, `12h`, `7d` (a bare number is seconds), or undefined when
 *  the text is not a duration. The one grammar of durations berthd reads (settings, API windows). */
export function durationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNITS[match[2] ?? 's']!;
}

/** Parses `500ms`, `30s`, `15m`, `12h`, `7d` (a bare number is seconds). */
export function parseDuration(setting: string, raw: string): number {
  const value = durationMs(raw);
  if (value === undefined)
    throw new ConfigError(setting, `"${raw}" is not a duration (examples: 500ms, 30s, 15m, 12h, 7d)`);
  if (value <= 0) throw new ConfigError(setting, 'must be greater than zero');
  return Math.round(value);
}

function integer(env: Env, setting: string, fallback: number, min: number, max: number): number {
  const raw = env[setting];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(setting, `"${raw}" is not a whole number`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(setting, `must be between ${min} and ${max}`);
  return value;
}

/** A duration setting; the fallback is text (`30s`) or milliseconds. */
function duration(env: Env, setting: string, fallback: string | number): number {
  const raw = env[setting];
  if (raw === undefined || raw === '')
    return typeof fallback === 'number' ? fallback : parseDuration(setting, fallback);
  return parseDuration(setting, raw);
}

/** A duration setting where `0` or `off` turns the thing off (0). */
function durationOrOff(env: Env, setting: string, fallback: string): number {
  return ['0', 'off'].includes(env[setting]?.trim() ?? '') ? 0 : duration(env, setting, fallback);
}

const MIB = 1024 ** 2;
const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: MIB, g: 1024 ** 3 };

/** Parses `200M`, `1G`, `512k`, `1048576` (bytes; a trailing `B`/`iB` is allowed). */
function size(env: Env, setting: string, fallback: number): number {
  const raw = env[setting];
  if (raw === undefined || raw === '') return fallback;
  const match = /^(\d+)\s*([kmg]?)(i?b)?$/i.exec(raw.trim());
  if (!match) throw new ConfigError(setting, `"${raw}" is not a size (examples: 200M, 1G, 512k)`);
  const value = Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!;
  if (value <= 0) throw new ConfigError(setting, 'must be greater than zero');
  return value;
}

function bool(env: Env, setting: string, fallback: boolean): boolean {
  const raw = env[setting];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(setting, `"${raw}" is not a boolean (true/false)`);
}

/** `false` / unset, `true`, or a comma-separated list of addresses and CIDR ranges. */
function trustProxy(env: Env): TrustProxySetting {
  const raw = env['BERTH_TRUST_PROXY']?.trim();
  if (raw === undefined || raw === '' || /^(0|false|no|off)$/i.test(raw)) return false;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    const problem = trustEntryProblem(entry);
    if (problem !== undefined) {
      throw new ConfigError('BERTH_TRUST_PROXY', `${problem} (examples: 10.0.0.5, 10.0.0.0/24, true, false)`);
    }
  }
  return entries;
}

function database(env: Env, dataDir: string): DatabaseConfig {
  const raw = env['BERTH_DATABASE_URL'];
  if (raw === undefined || raw === '') return { dialect: 'sqlite', file: path.join(dataDir, 'berth.db') };
  if (raw.startsWith('sqlite:')) {
    const file = raw.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!file)
      throw new ConfigError(
        'BERTH_DATABASE_URL',
        'sqlite: needs a file path, e.g. sqlite:///var/lib/berth/berth.db',
      );
    return { dialect: 'sqlite', file: path.resolve(file) };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('BERTH_DATABASE_URL', 'is not a URL (postgres://…, mysql://… or sqlite:PATH)');
  }
  if (url.protocol === 'postgres:' || url.protocol === 'postgresql:')
    return { dialect: 'postgres', url: raw };
  if (url.protocol === 'mysql:' || url.protocol === 'mariadb:') {
    return { dialect: 'mysql', url: raw.replace(/^mariadb:/, 'mysql:') };
  }
  throw new ConfigError(
    'BERTH_DATABASE_URL',
    `unsupported scheme "${url.protocol}" (use postgres:, mysql: or sqlite:)`,
  );
}

/** BERTH_IMAGE_REGISTRIES: comma-separated registry hosts (`registry.example.com`, `10.0.0.5:5000`). */
function registries(env: Env): string[] {
  const raw = env['BERTH_IMAGE_REGISTRIES']?.trim() ?? '';
  if (raw === '') return [];
  const hosts = raw.split(',').map((h) => h.trim().toLowerCase());
  for (const host of hosts) {
    if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$/.test(host)) {
      throw new ConfigError('BERTH_IMAGE_REGISTRIES', `"${host}" is not a registry host (host or host:port)`);
    }
  }
  return hosts;
}

function appsDomain(env: Env): string | undefined {
  const raw = env['BERTH_APPS_DOMAIN'];
  if (raw === undefined || raw === '') return undefined;
  const domain = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(domain)) {
    throw new ConfigError('BERTH_APPS_DOMAIN', `"${raw}" is not a domain name (example: apps.example.com)`);
  }
  return domain;
}

export interface NginxConfig {
  /** The nginx binary (BERTH_NGINX_BINARY). */
  binary: string;
  /** `own`: berthd starts and supervises an nginx of its own; `system`: it drives the
   *  distribution's service, whose configuration is `systemConfig` (BERTH_NGINX_MODE). */
  mode: 'own' | 'system';
  /** The system nginx's main configuration file (BERTH_NGINX_CONFIG), for `mode: 'system'`. */
  systemConfig: string;
  /** nginx's `worker_processes` (BERTH_GATEWAY_WORKERS): a number, or `auto` (one per core). */
  workerProcesses: number | 'auto';
  /** berthd's nginx directory: `{dataDir}/nginx` (pid file, configurations, logs). */
  prefix: string;
  /** Instances changed without a reload, through the Lua module (BERTH_NGINX_DYNAMIC_UPSTREAMS):
   *  `auto` uses it when the module is installed and nginx is berthd's own; `on` requires it. */
  dynamicUpstreams: 'auto' | 'on' | 'off';
  /** Where nginx's dynamic modules are (BERTH_NGINX_MODULES_DIR): the Lua module and its kit. */
  modulesDir: string;
  /** The logs nginx writes in the prefix are rotated at `maxBytes` (BERTH_NGINX_LOG_MAX_MB), and
   *  `keep` rotated ones are kept (BERTH_NGINX_LOG_KEEP). */
  logRotation: { maxBytes: number; keep: number };
}

export const GATEWAY_DRIVERS = ['builtin', 'nginx'] as const;
export type GatewayDriverName = (typeof GATEWAY_DRIVERS)[number];

function gatewayDriver(env: Env): GatewayDriverName {
  const raw = (env['BERTH_GATEWAY'] ?? '').trim();
  if (raw === '') return 'builtin';
  const name = GATEWAY_DRIVERS.find((d) => d === raw.toLowerCase());
  if (!name)
    throw new ConfigError('BERTH_GATEWAY', `"${raw}" is not a gateway (use ${GATEWAY_DRIVERS.join(' or ')})`);
  return name;
}

/** BERTH_GATEWAY_WORKERS: a whole number, or `auto` (one per core). */
function gatewayWorkersSetting(env: Env): number | 'auto' {
  const raw = env['BERTH_GATEWAY_WORKERS']?.trim();
  if (raw === undefined || raw === '' || raw.toLowerCase() === 'auto') return 'auto';
  return integer(env, 'BERTH_GATEWAY_WORKERS', 0, 0, 256);
}

function nginxSettings(env: Env, cwd: string, dataDir: string, workers: number | 'auto'): NginxConfig {
  const mode = (env['BERTH_NGINX_MODE'] ?? '').trim().toLowerCase() || 'own';
  if (mode !== 'own' && mode !== 'system') {
    throw new ConfigError('BERTH_NGINX_MODE', `"${mode}" is not a mode (use own or system)`);
  }
  const binary = env['BERTH_NGINX_BINARY']?.trim() || '/usr/sbin/nginx';
  const systemConfig = env['BERTH_NGINX_CONFIG']?.trim() || '/etc/nginx/nginx.conf';
  const dynamic = (env['BERTH_NGINX_DYNAMIC_UPSTREAMS'] ?? '').trim().toLowerCase() || 'auto';
  if (dynamic !== 'auto' && dynamic !== 'on' && dynamic !== 'off') {
    throw new ConfigError(
      'BERTH_NGINX_DYNAMIC_UPSTREAMS',
      `"${dynamic}" is not a choice (use auto, on or off)`,
    );
  }
  if (dynamic === 'on' && mode === 'system') {
    throw new ConfigError(
      'BERTH_NGINX_DYNAMIC_UPSTREAMS',
      "on needs berthd's own nginx (BERTH_NGINX_MODE=own): a system nginx loads its own modules",
    );
  }
  const modulesDir = env['BERTH_NGINX_MODULES_DIR']?.trim() || '/usr/lib/nginx/modules'; // berthd-parts.ts DEBIAN_MODULES_DIR
  return {
    dynamicUpstreams: dynamic,
    modulesDir: path.resolve(cwd, modulesDir),
    logRotation: {
      maxBytes:
        integer(env, 'BERTH_NGINX_LOG_MAX_MB', SETTING_DEFAULTS.nginxLogMaxBytes / MIB, 1, 1_048_576) * MIB,
      keep: integer(env, 'BERTH_NGINX_LOG_KEEP', SETTING_DEFAULTS.nginxLogKeep, 1, 100),
    },
    binary: path.resolve(cwd, binary),
    mode,
    systemConfig: path.resolve(cwd, systemConfig),
    // nginx needs at least one worker; 0 (berthd's own process, for the built-in gateway) is one.
    workerProcesses: workers === 'auto' ? 'auto' : Math.max(1, workers),
    prefix: path.join(dataDir, 'nginx'),
  };
}

function acmeSettings(env: Env, cwd: string): Config['domains']['acme'] {
  const raw = env['BERTH_ACME_DIRECTORY']?.trim();
  const email = env['BERTH_ACME_EMAIL']?.trim() || undefined;
  const caFile = env['BERTH_ACME_CA_FILE']?.trim() || undefined;
  if (!raw) {
    for (const name of ['BERTH_ACME_EMAIL', 'BERTH_ACME_CA_FILE'] as const) {
      if (env[name]?.trim())
        throw new ConfigError(name, 'needs BERTH_ACME_DIRECTORY (ACME is off without it)');
    }
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('BERTH_ACME_DIRECTORY', `"${raw}" is not a URL`);
  }
  if (url.protocol !== 'https:') {
    throw new ConfigError('BERTH_ACME_DIRECTORY', 'must be an https:// URL (RFC 8555 requires HTTPS)');
  }
  if (email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new ConfigError('BERTH_ACME_EMAIL', `"${email}" is not an email address`);
  }
  return { directory: url.href, email, caFile: caFile ? path.resolve(cwd, caFile) : undefined };
}

function runtimeDriver(env: Env): RuntimeDriverName {
  const raw = (env['BERTH_RUNTIME'] ?? '').trim();
  if (raw === '') return 'process';
  const name = RUNTIME_DRIVERS.find((d) => d === raw.toLowerCase());
  if (!name)
    throw new ConfigError('BERTH_RUNTIME', `"${raw}" is not a runtime (use ${RUNTIME_DRIVERS.join(' or ')})`);
  return name;
}

const REGISTRY_NAMES = [
  'BERTH_REGISTRY_ADDRESS',
  'BERTH_REGISTRY_USERNAME',
  'BERTH_REGISTRY_PASSWORD',
  'BERTH_REGISTRY_CA_FILE',
] as const;

function registrySetting(env: Env, cwd: string, driver: RuntimeDriverName): RegistrySetting {
  const raw = (env['BERTH_REGISTRY'] ?? '').trim();
  const chosen = raw === '' ? (driver === 'swarm' ? 'builtin' : 'off') : raw;
  const set = (name: string) => (env[name] ?? '').trim() !== '';
  if (chosen === 'off') {
    if (driver === 'swarm') {
      throw new ConfigError(
        'BERTH_REGISTRY',
        'BERTH_RUNTIME=swarm needs a registry (builtin, or https://host:port)',
      );
    }
    const stray = REGISTRY_NAMES.find(set);
    if (stray) throw new ConfigError(stray, 'needs BERTH_REGISTRY (no registry is used without it)');
    return { kind: 'off' };
  }
  if (driver !== 'swarm') {
    throw new ConfigError('BERTH_REGISTRY', 'only BERTH_RUNTIME=swarm pushes release images to a registry');
  }
  if (chosen === 'builtin') {
    for (const name of [
      'BERTH_REGISTRY_USERNAME',
      'BERTH_REGISTRY_PASSWORD',
      'BERTH_REGISTRY_CA_FILE',
    ] as const) {
      if (set(name))
        throw new ConfigError(name, "is for an operator's registry (the builtin one makes its own)");
    }
    const address = (env['BERTH_REGISTRY_ADDRESS'] ?? '').trim() || SETTING_DEFAULTS.registryAddress;
    if (
      !/^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(address) ||
      Number(address.split(':').pop()) > 65535
    ) {
      throw new ConfigError(
        'BERTH_REGISTRY_ADDRESS',
        `"${address}" is not host:port (example: 10.0.0.5:5000)`,
      );
    }
    return { kind: 'builtin', address };
  }
  let url: URL;
  try {
    url = new URL(chosen);
  } catch {
    throw new ConfigError('BERTH_REGISTRY', `"${chosen}" is not off, builtin or an https:// URL`);
  }
  if (url.protocol !== 'https:' || url.pathname.replace(/\/$/, '') !== '' || url.username || url.search) {
    throw new ConfigError(
      'BERTH_REGISTRY',
      `"${chosen}" must be https://host[:port], nothing more (credentials go in BERTH_REGISTRY_USERNAME and BERTH_REGISTRY_PASSWORD)`,
    );
  }
  if (set('BERTH_REGISTRY_ADDRESS')) {
    throw new ConfigError(
      'BERTH_REGISTRY_ADDRESS',
      'is where the builtin registry listens (BERTH_REGISTRY=builtin)',
    );
  }
  const username = (env['BERTH_REGISTRY_USERNAME'] ?? '').trim();
  const password = env['BERTH_REGISTRY_PASSWORD'] ?? '';
  if (!username || !password) {
    throw new ConfigError(
      username ? 'BERTH_REGISTRY_PASSWORD' : 'BERTH_REGISTRY_USERNAME',
      'is needed to push to the registry',
    );
  }
  const caFile = (env['BERTH_REGISTRY_CA_FILE'] ?? '').trim();
  return {
    kind: 'external',
    address: url.host,
    username,
    password,
    caFile: caFile ? path.resolve(cwd, caFile) : undefined,
  };
}

function dockerSocket(env: Env, cwd: string): string {
  const raw = env['BERTH_DOCKER_SOCKET'];
  if (raw === undefined || raw === '') return '/var/run/docker.sock';
  const file = raw.trim().replace(/^unix:\/\//, '');
  if (!file || /^[a-z]+:\/\//i.test(file)) {
    throw new ConfigError(
      'BERTH_DOCKER_SOCKET',
      `"${raw}" is not a Unix socket path (example: /var/run/docker.sock)`,
    );
  }
  return path.resolve(cwd, file);
}

function debianMirror(env: Env): string {
  const raw = env['BERTH_DEBIAN_MIRROR'];
  if (raw === undefined || raw === '') return SETTING_DEFAULTS.debianMirror;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(
      'BERTH_DEBIAN_MIRROR',
      `"${raw}" is not a URL (example: http://deb.debian.org/debian)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('BERTH_DEBIAN_MIRROR', 'must be an http: or https: URL');
  }
  return raw.trim().replace(/\/$/, '');
}

/** One gateway worker per core; with a single core the gateway stays in berthd's process. */
function defaultGatewayWorkers(): number {
  const cores = os.availableParallelism();
  return cores > 1 ? cores : 0;
}

/** Reads an http(s) URL setting, without a trailing slash. */
function httpUrl(setting: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(setting, `"${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(setting, 'must be an http: or https: URL');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError(setting, 'must be a plain URL (no user, query or fragment)');
  }
  return url;
}

function urlText(url: URL): string {
  return url.toString().replace(/\/$/, '');
}

/** Host names browsers treat as secure over plain http: they keep `Secure` cookies from them. */
function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(hostname) ||
    hostname === '[::1]'
  );
}

/**
 * The console and the apps must be different origins unless BERTH_SHARED_ORIGIN says otherwise: an
 * app on the console's origin can read the console and act with the user's session. Port 0 in both
 * URLs (BERTH_PORT=0, tests) means two ports picked at start, so two origins.
 */
function checkOrigins(consoleUrl: URL, apps: URL, shared: boolean, appsDomain: string | undefined): void {
  if (shared) return;
  const ephemeral = consoleUrl.port === '0' && apps.port === '0';
  if (!ephemeral && consoleUrl.origin === apps.origin) {
    throw new ConfigError(
      'BERTH_APPS_URL',
      `is the console's origin (${consoleUrl.origin}); apps need an origin of their own (another host name or port), or set BERTH_SHARED_ORIGIN=true for trusted internal apps only`,
    );
  }
  if (appsDomain !== undefined && consoleUrl.hostname.endsWith(`.${appsDomain}`)) {
    throw new ConfigError(
      'BERTH_PUBLIC_URL',
      `${consoleUrl.hostname} is an app host name under BERTH_APPS_DOMAIN (${appsDomain}); give the console a host name outside it`,
    );
  }
}

/** Half the cores check passwords at most, so that a login flood leaves the rest to everything else. */
function defaultLoginConcurrency(): number {
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Readonly<Config> {
  const port = integer(env, 'BERTH_PORT', 8080, 0, 65535);
  // The apps' port follows the console's: 8081 by default, a free one when BERTH_PORT is 0.
  const appsPort = integer(env, 'BERTH_APPS_PORT', port === 0 ? 0 : Math.min(port + 1, 65535), 0, 65535);
  const sharedOrigin = bool(env, 'BERTH_SHARED_ORIGIN', false);
  if (!sharedOrigin && port !== 0 && appsPort === port) {
    throw new ConfigError(
      'BERTH_APPS_PORT',
      `must differ from BERTH_PORT (${port}) unless BERTH_SHARED_ORIGIN=true`,
    );
  }
  const host = env['BERTH_HOST'] || '0.0.0.0';
  const dataDir = path.resolve(cwd, env['BERTH_DATA_DIR'] || '.berth');

  const adminPassword = env['BERTH_ADMIN_PASSWORD'] || undefined;
  // The bootstrap user is `admin`; the same policy as every other password.
  const weak = adminPassword === undefined ? undefined : passwordProblem(adminPassword, 'admin');
  if (weak) throw new ConfigError('BERTH_ADMIN_PASSWORD', weak.message.replace(/^The password /, ''));

  if (env['BERTH_LOGIN_MAX_FAILURES_USER']) {
    throw new ConfigError(
      'BERTH_LOGIN_MAX_FAILURES_USER',
      'was replaced by BERTH_LOGIN_FREE_FAILURES (per username and address, then growing delays)',
    );
  }

  const secretKey = env['BERTH_SECRET_KEY'] || undefined;
  if (secretKey !== undefined && Buffer.from(secretKey, 'base64').length !== 32) {
    throw new ConfigError('BERTH_SECRET_KEY', 'must be 32 bytes, base64-encoded (openssl rand -base64 32)');
  }

  const logLevel = (env['BERTH_LOG_LEVEL'] || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('BERTH_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const publicUrl = httpUrl('BERTH_PUBLIC_URL', env['BERTH_PUBLIC_URL'] || `http://localhost:${port}`);
  const appsUrl = httpUrl(
    'BERTH_APPS_URL',
    env['BERTH_APPS_URL'] || (sharedOrigin ? urlText(publicUrl) : `http://localhost:${appsPort}`),
  );
  if (env['BERTH_COOKIE_SECURE'] !== undefined && env['BERTH_COOKIE_SECURE'] !== '') {
    throw new ConfigError(
      'BERTH_COOKIE_SECURE',
      'is no longer read: the session cookie is Secure when BERTH_PUBLIC_URL is https (or http on localhost); unset it',
    );
  }
  const engineAppsDomain = appsDomain(env);
  checkOrigins(publicUrl, appsUrl, sharedOrigin, engineAppsDomain);
  const gatewayName = gatewayDriver(env);
  const trusted = trustProxy(env);
  if (gatewayName === 'nginx' && trusted === true) {
    // nginx's set_real_ip_from and geo take addresses and ranges; "every peer but loopback" is
    // not one of them.
    throw new ConfigError(
      'BERTH_TRUST_PROXY',
      "true (every non-loopback peer) cannot be expressed with BERTH_GATEWAY=nginx; list the proxies' addresses or CIDR ranges instead",
    );
  }
  const workersSetting = gatewayWorkersSetting(env);

  const config: Config = {
    port,
    appsPort,
    sharedOrigin,
    host,
    dataDir,
    database: database(env, dataDir),
    cliPackage: env['BERTH_CLI_PACKAGE'] ? path.resolve(cwd, env['BERTH_CLI_PACKAGE']) : undefined,
    consoleDir: env['BERTH_CONSOLE_DIR'] ? path.resolve(cwd, env['BERTH_CONSOLE_DIR']) : undefined,
    adminPassword,
    secretKey,
    logLevel,
    publicUrl: urlText(publicUrl),
    appsUrl: urlText(appsUrl),
    sessionTtlMs: duration(env, 'BERTH_SESSION_TTL', '12h'),
    cookieSecure: publicUrl.protocol === 'https:' || isLoopbackHost(publicUrl.hostname),
    trustProxy: trusted,
    gatewayWorkers: workersSetting === 'auto' ? defaultGatewayWorkers() : workersSetting,
    gateway: {
      driver: gatewayName,
      httpsPort:
        env['BERTH_HTTPS_PORT'] === undefined || env['BERTH_HTTPS_PORT'] === ''
          ? undefined
          : integer(env, 'BERTH_HTTPS_PORT', 0, 0, 65535),
      headerTimeoutMs: duration(env, 'BERTH_GATEWAY_HEADER_TIMEOUT', SETTING_DEFAULTS.gatewayHeaderTimeoutMs),
      maxConnectionsPerAddress: integer(
        env,
        'BERTH_GATEWAY_CONNECTIONS_PER_ADDRESS',
        SETTING_DEFAULTS.gatewayConnectionsPerAddress,
        0,
        1_000_000,
      ),
      upstreamConnections: integer(
        env,
        'BERTH_GATEWAY_UPSTREAM_CONNECTIONS',
        SETTING_DEFAULTS.gatewayUpstreamConnections,
        0,
        100_000,
      ),
      nginx: nginxSettings(env, cwd, dataDir, workersSetting),
    },
    jobs: {
      workers: integer(env, 'BERTH_JOB_WORKERS', 2, 0, 64),
      leaseMs: duration(env, 'BERTH_JOB_LEASE', '30s'),
      pollMs: duration(env, 'BERTH_JOB_POLL', '500ms'),
      scheduleLeaseMs: duration(env, 'BERTH_SCHEDULE_LEASE', '30s'),
    },
    notify: {
      attempts: integer(env, 'BERTH_NOTIFY_ATTEMPTS', 10, 1, 100),
      timeoutMs: duration(env, 'BERTH_NOTIFY_TIMEOUT', '10s'),
    },
    login: {
      windowMs: duration(env, 'BERTH_LOGIN_WINDOW', '15m'),
      freeFailures: integer(env, 'BERTH_LOGIN_FREE_FAILURES', 5, 1, 1000),
      backoffMs: duration(env, 'BERTH_LOGIN_BACKOFF', '30s'),
      maxFailuresPerAddress: integer(env, 'BERTH_LOGIN_MAX_FAILURES_ADDRESS', 20, 1, 10000),
      concurrency: integer(env, 'BERTH_LOGIN_CONCURRENCY', defaultLoginConcurrency(), 1, 64),
      queue: integer(env, 'BERTH_LOGIN_QUEUE', 16, 0, 10000),
    },
    runtime: {
      driver: runtimeDriver(env),
      docker: { socket: dockerSocket(env, cwd), debianMirror: debianMirror(env) },
      registry: registrySetting(env, cwd, runtimeDriver(env)),
      registryGcIntervalMs: durationOrOff(env, 'BERTH_REGISTRY_GC_INTERVAL', '24h'),
      uidBase: integer(env, 'BERTH_UID_BASE', 880_000, 1000, 4_000_000_000),
      stopGraceMs: duration(env, 'BERTH_STOP_GRACE', SETTING_DEFAULTS.stopGraceMs),
      logMaxBytes: size(env, 'BERTH_LOG_MAX_SIZE', SETTING_DEFAULTS.logMaxBytes),
      logFiles: integer(env, 'BERTH_LOG_FILES', SETTING_DEFAULTS.logFiles, 0, 100),
      logRetentionMs: duration(env, 'BERTH_LOG_RETENTION', SETTING_DEFAULTS.logRetentionMs),
    },
    engine: {
      maxPackageBytes: size(env, 'BERTH_MAX_PACKAGE_SIZE', 200 * 1024 * 1024),
      keepReleases: integer(env, 'BERTH_KEEP_RELEASES', 5, 1, 1000),
      drainMs: duration(env, 'BERTH_DRAIN', '2s'),
      appsDomain: engineAppsDomain,
      accessLog: bool(env, 'BERTH_ACCESS_LOG', true),
      historyRetentionMs: duration(env, 'BERTH_HISTORY_RETENTION', '30d'),
      historyPurgeIntervalMs: durationOrOff(env, 'BERTH_HISTORY_PURGE_INTERVAL', '1h'),
      healIntervalMs: durationOrOff(env, 'BERTH_HEAL_INTERVAL', '5m'),
      logStreamsPerUser: integer(env, 'BERTH_LOG_STREAMS_PER_USER', 10, 1, 10_000),
      maxInstancesPerApp: integer(
        env,
        'BERTH_MAX_INSTANCES_PER_APP',
        MAX_INSTANCES_PER_APP_DEFAULT,
        1,
        MAX_INSTANCES_PER_APP_LIMIT,
      ),
      runTimeoutMs: duration(env, 'BERTH_RUN_TIMEOUT', SETTING_DEFAULTS.runTimeoutMs),
      prodApproval: bool(env, 'BERTH_PROD_APPROVAL', true),
      requestPollMs: duration(env, 'BERTH_REQUEST_POLL', '1s'),
      runsPerApp: integer(env, 'BERTH_RUNS_PER_APP', SETTING_DEFAULTS.runsPerApp, 1, 100),
    },
    sources: {
      maxRepoBytes: size(env, 'BERTH_GIT_MAX_REPO_SIZE', 1024 * 1024 * 1024),
      maxPushBytes: size(env, 'BERTH_GIT_MAX_PUSH_SIZE', 200 * 1024 * 1024),
      gitTimeoutMs: duration(env, 'BERTH_GIT_TIMEOUT', '10m'),
      imageRegistries: registries(env),
    },
    apigw: {
      recordsRetentionMs: duration(env, 'BERTH_APIGW_RECORDS_RETENTION', '7d'),
    },
    domains: {
      certWarnDays: integer(env, 'BERTH_CERT_WARN_DAYS', 21, 1, 365),
      acme: acmeSettings(env, cwd),
    },
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
