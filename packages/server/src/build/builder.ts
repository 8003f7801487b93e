// The Builder interface: turn a source tree into an artifact directory the runtime can run. A builder
// is a small driver (node/, python/, static/, custom/); buildApp() wraps every one of them with the
// same copy, timeout, abort, scratch-directory and clean-up behaviour.
import type { AppManifest } from '../manifest/index.ts';
import type { StepExecutor } from './step-exec.ts';

export type BuildRuntime = 'node' | 'python' | 'static' | 'custom';

export interface BuildContext {
  /** The unpacked source tree; never written to. */
  sourceDir: string;
  /** Where the artifact is made: must not exist yet, or be empty. Builds run here, not in sourceDir. */
  outDir: string;
  manifest: AppManifest;
  /** The app's config vars; they override the manifest's env defaults during the build. */
  env: Record<string, string>;
  /** Receives the build's output line by line (and a `$ command` line before each step). */
  log: (line: string) => void;
  signal: AbortSignal;
  /** Whole-build time limit (default 10 minutes). */
  timeoutMs?: number;
  /** Run build steps as this Unix user (the app's), owning the artifact; default: berthd's user. */
  user?: { uid: number; gid: number };
  /** A scratch directory outside the artifact for tool caches; buildApp creates and removes it. */
  cacheDir?: string;
  /** Where buildApp makes that scratch directory (default: the system's temp dir). berthd uses its
   *  data dir's `tmp/`, which it empties when it starts (after a crash mid-build). */
  scratchDir?: string;
  /** Runs each build step; default: spawned on this host (runStep). The Docker runtime runs them in
   *  a one-off container of the stack image instead (container-exec.ts). */
  exec?: StepExecutor;
}

export interface BuildResult {
  /** The directory instances run in (the app directory inside outDir: outDir, or outDir/src). */
  artifactDir: string;
  runtime: BuildRuntime;
  processes: Record<string, { command: string[]; count: number }>;
  release?: string[];
  static?: { root: string; index: string; spa: boolean };
  /** Directories relative to artifactDir to put in front of PATH, e.g. venv/bin. */
  pathPrepend?: string[];
}

export interface Builder {
  readonly name: BuildRuntime;
  detect(sourceDir: string, manifest: AppManifest): boolean | Promise<boolean>;
  build(ctx: BuildContext): Promise<BuildResult>;
}

export interface BuildTools {
  /** Node.js for builds (default: the one berthd runs on). */
  node: string;
  /** npm (default: the npm next to node, else /usr/bin/npm). */
  npm: string;
  /** Python 3 for virtualenvs (default /usr/bin/python3; not a per-user pyenv shim). */
  python: string;
}

export const DEFAULT_BUILD_TIMEOUT_MS = 10 * 60_000;
