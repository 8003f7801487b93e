// What every builder's steps share: a scrubbed environment (the app's variables, a PATH of the
// artifact's tool directories and the system's, HOME = the artifact; nothing of berthd's own
// environment or secrets), the app's Unix user, the build's log and its abort signal. Steps go to the
// context's executor (a host process by default, a one-off container on the Docker runtime).
import path from 'node:path';
import type { BuildContext } from './builder.ts';
import { runStep } from './run-step.ts';

const SYSTEM_PATH = ['/usr/local/bin', '/usr/bin', '/bin'];

export interface StepsSetup {
  /** The directory steps run in and HOME points at (the app directory in the artifact). */
  dir: string;
  /** Directories relative to `dir` put first on PATH (venv/bin, node_modules/.bin). */
  pathPrepend: string[];
  /** Absolute directories of the build tools (node's, python's). */
  toolDirs: string[];
  /** Tool settings that must win over the app's variables (caches, no prompts). */
  toolEnv?: Record<string, string>;
}

export interface BuildSteps {
  readonly env: Record<string, string>;
  run(argv: string[]): Promise<void>;
}

export function buildEnv(ctx: BuildContext, setup: StepsSetup): Record<string, string> {
  const pathDirs = [
    ...setup.pathPrepend.map((p) => path.join(setup.dir, p)),
    ...setup.toolDirs,
    ...SYSTEM_PATH,
  ];
  const env: Record<string, string> = {
    LANG: 'C.UTF-8',
    ...ctx.manifest.env,
    ...ctx.env,
    ...setup.toolEnv,
    PATH: [...new Set(pathDirs)].join(':'),
    HOME: setup.dir,
  };
  if (ctx.cacheDir) env['XDG_CACHE_HOME'] = ctx.cacheDir;
  return env;
}

export function buildSteps(ctx: BuildContext, setup: StepsSetup): BuildSteps {
  const env = buildEnv(ctx, setup);
  return {
    env,
    run: (argv) =>
      (ctx.exec ?? runStep)({
        argv,
        cwd: setup.dir,
        env,
        log: ctx.log,
        signal: ctx.signal,
        user: ctx.user,
        dirs: { outDir: ctx.outDir, appDir: setup.dir, cacheDir: ctx.cacheDir },
      }),
  };
}
