// The normalised manifest every later step works with, whatever it was read from: commands are argv
// arrays, durations milliseconds, sizes bytes, and every default is filled in.
import type { Runtime } from './manifest-schema.ts';

export type ManifestSource = 'berth.yaml' | 'Procfile' | 'app.yml' | 'detected';

export interface ProcessSpec {
  command: string[];
  count: number;
}

export interface HealthCheck {
  path: string;
  /** The status that means healthy; undefined: any 2xx or 3xx. */
  status: number | undefined;
  startTimeoutMs: number;
  intervalMs: number;
  timeoutMs: number;
}

export interface StaticSite {
  /** Relative to the app directory, normalised (`.` for the app directory itself). */
  root: string;
  index: string;
  spa: boolean;
  /** Serve paths with a segment starting with `.`; `.well-known` is served either way. */
  dotfiles: boolean;
}

export interface Resources {
  memoryBytes?: number;
  cpu?: number;
  pids?: number;
}

/** What a BlueKing SaaS package's app.yml said about itself (kept for the console and the docs). */
export interface BlueKingInfo {
  appCode: string;
  appName: string | undefined;
  version: string | undefined;
  celery: boolean;
  celeryBeat: boolean;
}

export interface AppManifest {
  source: ManifestSource;
  /** Declared, or detected from the files; `custom` when only commands were given. */
  runtime: Runtime;
  /** The directory the app runs in, relative to the source root: `.`, or `src` for BlueKing packages. */
  appDir: string;
  /** A directory of vendored Python packages relative to the source root (BlueKing `pkgs/`), if any. */
  vendorDir: string | undefined;
  build: string[] | undefined;
  processes: Record<string, ProcessSpec>;
  release: string[] | undefined;
  health: HealthCheck;
  env: Record<string, string>;
  resources: Resources;
  static: StaticSite | undefined;
  blueking: BlueKingInfo | undefined;
}

export const DEFAULT_HEALTH: Readonly<HealthCheck> = Object.freeze({
  path: '/',
  status: undefined,
  startTimeoutMs: 60_000,
  intervalMs: 10_000,
  timeoutMs: 2_000,
});

export const DEFAULT_STATIC: Readonly<StaticSite> = Object.freeze({
  root: '.',
  index: 'index.html',
  spa: false,
  dotfiles: false,
});
