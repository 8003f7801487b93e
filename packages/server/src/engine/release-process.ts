// What every process of a release runs with, worked out once for its instances, its release command
// and `berth run`: the artifact, the environment's run identity, the variables (manifest env, config,
// platform vars), PATH additions, limits and, on container runtimes, the image. And the one way to
// run a one-off command in a release: the runtime driver's `runOnce`, on whichever runtime is
// configured (supervised process group, or a one-off container).
import crypto from 'node:crypto';
import { type EnvName, envPathPrefix } from '@berth/sdk';
import { appSecretContext } from '../apps/secret-service.ts';
import { LineSplitter } from '../build/line-splitter.ts';
import type { InstanceLimits, InstanceUser, RunExit, RunIO, RunSpec } from '../runtime/index.ts';
import type { EngineContext } from './engine-deps.ts';
import { stackRuntimeOf } from './engine-deps.ts';
import { type ReleaseBuild, releaseSealContext } from './release-build.ts';
import { carriesApp, publishedReleaseImage } from './release-image.ts';
import type { ReleaseRow } from './tables.ts';

/** BERTH_* variables every instance of a release gets. */
async function platformVars(
  ctx: EngineContext,
  app: string,
  env: EnvName,
  version: number,
): Promise<Record<string, string>> {
  const row = await ctx.store.db
    .selectFrom('apps')
    .select('secret_sealed')
    .where('code', '=', app)
    .executeTakeFirst();
  const secret = row ? ctx.secretBox.open(row.secret_sealed, appSecretContext(app)) : '';
  const prefix = envPathPrefix(app, env);
  const urls = ctx.settings.urls;
  return {
    BERTH_APP_CODE: app,
    BERTH_APP_SECRET: secret,
    BERTH_ENV: env,
    BERTH_URL_PREFIX: prefix,
    BERTH_RELEASE: String(version),
    // Where the app is, where the console is (its users log in there) and where its server calls
    // berthd's API (the user check): see docs/app-manifest.md.
    ...(urls === undefined
      ? {}
      : {
          BERTH_APP_URL: `${urls.apps}${prefix}/`,
          BERTH_CONSOLE_URL: urls.console,
          BERTH_API_URL: urls.api,
          BERTH_APIGW_URL: urls.apigw,
        }),
  };
}

async function instanceVars(
  ctx: EngineContext,
  app: string,
  env: EnvName,
  release: ReleaseRow,
  build: ReleaseBuild,
): Promise<Record<string, string>> {
  const config = release.config_sealed
    ? (JSON.parse(
        ctx.secretBox.open(release.config_sealed, releaseSealContext(app, env, Number(release.version))),
      ) as Record<string, string>)
    : {};
  return { ...build.env, ...config, ...(await platformVars(ctx, app, env, Number(release.version))) };
}

/** Who the environment's instances and release commands run as (its run identity), when berthd
 *  can switch users. */
async function runUser(ctx: EngineContext, app: string, env: EnvName): Promise<InstanceUser | undefined> {
  if (!ctx.tenants) return undefined;
  const identity = await ctx.tenants.run(app, env);
  return { name: identity.name, uid: identity.uid, gid: identity.gid, home: identity.home! };
}

export interface ReleaseLaunch {
  app: string;
  env: EnvName;
  release: number;
  artifactDir: string;
  user?: InstanceUser;
  vars: Record<string, string>;
  pathPrepend: string[];
  limits: InstanceLimits;
  /** Container runtimes: the release's image, or its runtime's stack image. */
  image?: string;
  /** The image carries the app (built from its Dockerfile): nothing mounted, its own PATH. */
  appInImage?: boolean;
  /** Cluster runtimes: the app's placement constraints, read when the release is launched (a
   *  change applies from the next deploy or restart). */
  placement?: string[];
}

export async function releaseLaunch(
  ctx: EngineContext,
  input: { app: string; env: EnvName; release: ReleaseRow; build: ReleaseBuild; artifactDir: string },
  options: { needImage: boolean; log?: (line: string) => void },
): Promise<ReleaseLaunch> {
  const { app, env, release, build } = input;
  const [user, placement] = await Promise.all([runUser(ctx, app, env), ctx.placement(app)]);
  const { memoryBytes, cpu, pids } = build.resources;
  const limits: InstanceLimits = {
    ...(memoryBytes ? { memoryBytes } : {}),
    ...(cpu ? { cpu } : {}),
    ...(pids ? { pids } : {}),
  };
  // Containers run the release's own image, or the stack image of its runtime (built if missing).
  // Runtimes whose nodes have no artifact directory run an image of the release itself, published
  // where every node can pull it (release-image.ts).
  const containers = ctx.containers;
  let image: string | undefined;
  if (containers && options.needImage) {
    const base = async () =>
      build.image ?? (await containers.stackImage(stackRuntimeOf(build.runtime), options.log));
    image =
      ctx.driver.capabilities.artifacts === 'image'
        ? await publishedReleaseImage(ctx, containers, { ...input, base })
        : await base();
  }
  return {
    app,
    env,
    release: Number(release.version),
    artifactDir: input.artifactDir,
    ...(user ? { user } : {}),
    vars: await instanceVars(ctx, app, env, release, build),
    pathPrepend: build.pathPrepend ?? [],
    limits,
    ...(image ? { image, ...(carriesApp(build) ? { appInImage: true } : {}) } : {}),
    ...(placement.length > 0 ? { placement } : {}),
  };
}

/** A unique id for a one-off run of `launch`'s release. */
function newRunId(launch: ReleaseLaunch, kind: RunSpec['kind']): string {
  return `${kind}-${launch.app}-${launch.env}-v${launch.release}-${crypto.randomBytes(4).toString('hex')}`;
}

/** Runs `command` once in the release, on the configured runtime. */
export function runInRelease(
  ctx: EngineContext,
  launch: ReleaseLaunch,
  run: { kind: RunSpec['kind']; command: string[]; timeoutMs: number },
  io: RunIO,
): Promise<RunExit> {
  return ctx.driver.runOnce({ ...launch, id: newRunId(launch, run.kind), ...run }, io);
}

/** Turns chunks of output into whole lines for a line-based log (the deploy log). */
export function lineSplitter(log: (line: string) => void): {
  output: RunIO['output'];
  flush(): void;
} {
  const splitters = { stdout: new LineSplitter(log), stderr: new LineSplitter(log) };
  return {
    output(stream, data) {
      splitters[stream].write(data);
    },
    flush() {
      splitters.stdout.end();
      splitters.stderr.end();
    },
  };
}
