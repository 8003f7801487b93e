// A `build` deploy's first half: unpack the uploaded package, read its manifest and build it into
// `{dataDir}/releases/{code}/{env}/v{n}`. The build output goes to the deploy log.
//
// The Berth builder's steps run where the runtime's build place says (build-places.ts: on this host
// as the environment's build identity, or in containers of the stack image). When the build is
// done its output is sealed (build/seal-artifact.ts): root's and read-only, readable by the
// environment's run identity only (the gateway's, for a static site).
// Runtimes that build images (`ctx.containers`): a source with a Dockerfile at its root (and no
// `runtime:` in berth.yaml) is built into the release image `berth-{installation}/{code}:{env}-v{n}`
// through the Engine API; the release directory stays empty and `build.image` is the tag.
import fs from 'node:fs';
import path from 'node:path';
import type { EnvName } from '@berth/sdk';
import {
  type BuildContext,
  type BuildResult,
  type BuiltImage,
  buildApp,
  DEFAULT_BUILD_TIMEOUT_MS,
  detectDockerfileApp,
  processesFromImage,
  sealArtifact,
} from '../build/index.ts';
import { BerthError } from '../errors.ts';
import { releaseImageTag } from '../images/release-names.ts';
import { DEFAULT_HEALTH, loadManifest } from '../manifest/index.ts';
import { packageFile } from '../sources/package-source.ts';
import type { Materialized } from '../sources/source.ts';
import type { EngineContainers, EngineContext } from './engine-deps.ts';
import { DOCKERFILE_RUNTIME, type ReleaseBuild } from './release-build.ts';

/**
 * Empties `{dataDir}/tmp` (unpacked sources and build caches) when berthd starts: nothing builds yet,
 * and whatever is there was left by a berthd that died mid-build (the build identities' processes
 * were killed first, so nothing writes there any more).
 */
export async function clearBuildScratch(dataDir: string): Promise<void> {
  const tmp = path.join(dataDir, 'tmp');
  const entries = await fs.promises.readdir(tmp).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  for (const entry of entries) await fs.promises.rm(path.join(tmp, entry), { recursive: true, force: true });
}

/** Where an upload waits for its deploy (the package source reads it there). */
export const packagePath = packageFile;

export function releaseDir(dataDir: string, app: string, env: string, version: number): string {
  return path.join(dataDir, 'releases', app, env, `v${version}`);
}

export interface BuiltRelease {
  outDir: string;
  artifactDir: string;
  build: ReleaseBuild;
}

interface BuildInput {
  /** Writes the source into the work dir (sources/), or names the image to run. */
  materialize(workDir: string): Promise<Materialized>;
  /** The pinned manifest's check of the source tree, if the app's manifest is pinned. */
  checkManifest?: (sourceRoot: string) => Promise<void>;
  deployId: string;
  app: string;
  env: string;
  version: number;
  config: Record<string, string>;
  log: (line: string) => void;
  signal: AbortSignal;
}

export async function buildRelease(ctx: EngineContext, o: BuildInput): Promise<BuiltRelease> {
  const { dataDir } = ctx.settings;
  const work = path.join(dataDir, 'tmp', o.deployId);
  const outDir = releaseDir(dataDir, o.app, o.env, o.version);
  const builder = ctx.tenants ? await ctx.tenants.build(o.app, o.env as EnvName) : undefined;
  // Whatever an earlier build of this environment left (a berthd that died mid-build) goes first.
  if (builder) await ctx.tenants!.reap(builder);
  await fs.promises.rm(work, { recursive: true, force: true });
  await fs.promises.rm(outDir, { recursive: true, force: true });
  await fs.promises.mkdir(path.dirname(work), { recursive: true, mode: 0o700 });
  await makeReleaseParents(dataDir, outDir, ctx.tenants !== undefined);
  try {
    const unpacked = await o.materialize(work);
    if (unpacked.kind === 'image') return await imageRelease(ctx, o, unpacked, outDir);
    await o.checkManifest?.(unpacked.root);
    if (ctx.containers) {
      const dockerfileApp = await detectDockerfileApp(unpacked.root);
      if (dockerfileApp) {
        const built = await buildFromDockerfile(ctx, ctx.containers, o, unpacked.root, outDir, dockerfileApp);
        if (await seal(ctx, o, outDir, built.build.runtime)) built.build.sealed = true;
        return built;
      }
    }
    const manifest = await loadManifest(unpacked.root);
    o.log(`-----> ${manifest.runtime} app (from ${manifest.source})`);
    const base: Omit<BuildContext, 'user'> = {
      sourceDir: unpacked.root,
      outDir,
      scratchDir: path.dirname(work),
      manifest,
      env: { ...manifest.env, ...o.config },
      log: o.log,
      signal: o.signal,
    };
    const placed = ctx.buildPlace.begin({
      app: o.app,
      env: o.env as EnvName,
      runtime: manifest.runtime,
      identity: builder,
      log: o.log,
    });
    const result: BuildResult = await buildApp(placed.builders, {
      ...base,
      ...(placed.user ? { user: placed.user } : {}),
      ...(placed.exec ? { exec: placed.exec } : {}),
    });
    const image = await placed.image(result.runtime);
    const sealed = await seal(ctx, o, outDir, result.runtime);
    const build: ReleaseBuild = {
      runtime: result.runtime,
      ...(image ? { image } : {}),
      processes: result.processes,
      ...(result.release ? { release: result.release } : {}),
      // The static root is relative to the artifact dir.
      ...(result.static ? { static: { ...result.static } } : {}),
      ...(result.pathPrepend ? { pathPrepend: result.pathPrepend } : {}),
      env: manifest.env,
      health: manifest.health,
      resources: manifest.resources,
      ...(sealed ? { sealed } : {}),
    };
    return { outDir, artifactDir: result.artifactDir, build };
  } finally {
    await fs.promises.rm(work, { recursive: true, force: true });
  }
}

/**
 * Without host identities (berthd is not root) the tree stays as built; with them it becomes root's
 * and read-only, open to the environment's run identity (the gateway's for a static site, which
 * runs no instances). Nothing of the build identity runs meanwhile: it was reaped after its last
 * step, and once more here.
 */
async function seal(ctx: EngineContext, o: BuildInput, outDir: string, runtime: string): Promise<boolean> {
  const tenants = ctx.tenants;
  if (!tenants) return false;
  await tenants.reap(await tenants.build(o.app, o.env as EnvName));
  const reader = runtime === 'static' ? await tenants.gateway() : await tenants.run(o.app, o.env as EnvName);
  await sealArtifact(outDir, reader.gid);
  return true;
}

/**
 * `releases/`, `releases/{app}` and `releases/{app}/{env}`: root's; with host identities 0711, so a
 * run identity can pass through to its own sealed trees (0750, its group) without listing anything.
 */
export async function makeReleaseParents(dataDir: string, outDir: string, passable: boolean): Promise<void> {
  const mode = passable ? 0o711 : 0o700;
  const top = path.join(dataDir, 'releases');
  for (let dir = path.dirname(outDir); ; dir = path.dirname(dir)) {
    await fs.promises.mkdir(dir, { recursive: true, mode });
    await fs.promises.chmod(dir, mode);
    if (dir === top || !dir.startsWith(top)) break;
  }
}

async function buildFromDockerfile(
  ctx: EngineContext,
  containers: EngineContainers,
  o: BuildInput,
  sourceDir: string,
  outDir: string,
  app: NonNullable<Awaited<ReturnType<typeof detectDockerfileApp>>>,
): Promise<BuiltRelease> {
  const tag = releaseImageTag(ctx.installation, o.app, o.env, o.version);
  o.log(`-----> Dockerfile app (manifest from ${app.manifest.source}): building ${tag}`);
  const timeout = AbortSignal.timeout(DEFAULT_BUILD_TIMEOUT_MS);
  const signal = AbortSignal.any([o.signal, timeout]);
  let built: BuiltImage;
  try {
    built = await containers.buildImage({
      contextDir: sourceDir,
      tag,
      labels: { 'berth.app': o.app, 'berth.env': o.env, 'berth.release': String(o.version) },
      log: o.log,
      signal,
    });
  } catch (err) {
    if (timeout.aborted && !o.signal.aborted)
      throw new BerthError(
        'BUILD_TIMEOUT',
        `The image build took longer than ${DEFAULT_BUILD_TIMEOUT_MS / 60_000} minutes`,
      );
    throw err;
  }
  let processes = app.manifest.processes;
  if (app.processesFromImage) {
    try {
      processes = processesFromImage(built.cmd);
    } catch (err) {
      await containers.removeTag(tag);
      throw err;
    }
    o.log(`-----> web: the image's CMD (${built.cmd.join(' ')})`);
  }
  // The release directory holds nothing (the image carries the app and nothing is mounted), but
  // releases and pruning expect one; it is sealed like any artifact.
  await fs.promises.mkdir(outDir, { recursive: true, mode: 0o750 });
  o.log(`-----> Built ${tag} (${built.id.replace(/^sha256:/, '').slice(0, 12)})`);
  const build: ReleaseBuild = {
    runtime: DOCKERFILE_RUNTIME,
    image: tag,
    processes,
    ...(app.manifest.release ? { release: app.manifest.release } : {}),
    pathPrepend: [],
    env: app.manifest.env,
    health: app.manifest.health,
    resources: app.manifest.resources,
  };
  return { outDir, artifactDir: outDir, build };
}

/**
 * A prebuilt image as a release (Docker runtime): nothing is built. The image, resolved to its id by
 * the image source, is tagged as the release image (so pruning and app deletion treat it as theirs,
 * and a later re-tag of the name it was deployed by changes nothing); its CMD is the web process,
 * with the default health check and no resource limits of its own.
 */
async function imageRelease(
  ctx: EngineContext,
  o: BuildInput,
  image: Extract<Materialized, { kind: 'image' }>,
  outDir: string,
): Promise<BuiltRelease> {
  const containers = ctx.containers;
  if (!containers) throw new BerthError('IMAGE_DEPLOY_UNSUPPORTED');
  const tag = releaseImageTag(ctx.installation, o.app, o.env, o.version);
  await containers.tagImage(image.digest, tag);
  const processes = processesFromImage(image.cmd);
  o.log(`-----> ${image.image} (${image.digest.replace(/^sha256:/, '').slice(0, 12)}) as ${tag}`);
  o.log(`-----> web: the image's CMD (${image.cmd.join(' ')})`);
  await fs.promises.mkdir(outDir, { recursive: true, mode: 0o750 });
  const build: ReleaseBuild = {
    runtime: DOCKERFILE_RUNTIME,
    image: tag,
    processes,
    pathPrepend: [],
    env: {},
    health: { ...DEFAULT_HEALTH },
    resources: {},
  };
  return { outDir, artifactDir: outDir, build };
}
