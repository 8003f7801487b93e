// A `build` deploy's release: pin the deploy's source to its identity, then either reuse an artifact
// already built from that identity (no second build: a promotion by another route, a redeploy, the
// same commit pushed to another branch) or build it, recording the build. The source itself is
// behind the Source seam (sources/): this file never learns where the code came from.
//
// Builds are records of their own (`builds`): running, then succeeded, failed or cancelled. A build's
// artifact is the tree of the release it made; it can be reused while that tree is on disk (pruning
// clears `out_dir`). A build made under a pinned manifest is keyed with the pin as well.
import fs from 'node:fs';
import path from 'node:path';
import type { EnvName, SourceOrigin } from '@berth/sdk';
import type { Transaction } from 'kysely';
import { cloneArtifact } from '../build/index.ts';
import { newId } from '../crypto/tokens.ts';
import type { JobContext } from '../jobs/index.ts';
import { describeOrigin, type SourceSpec, sourceKey } from '../sources/source.ts';
import type { Database } from '../store/schema.ts';
import { buildRelease, makeReleaseParents, releaseDir } from './build-release.ts';
import type { EngineContext } from './engine-deps.ts';
import { findRelease, reserveRelease } from './engine-store.ts';
import { parseReleaseBuild, type ReleaseBuild, releaseSealContext } from './release-build.ts';
import type { BuildRow, DeployRow, ReleaseRow } from './tables.ts';

/** The checkpointed progress of a build deploy. */
export interface SourceProgress {
  version?: number;
  created?: boolean;
  built?: boolean;
  /** The pinned identity (set once resolved, so a resumed attempt builds the same code). */
  origin?: SourceOrigin;
}

/** What a build deploy builds: its params' source, or (deploys made before sources) its own upload. */
export function specOf(deploy: DeployRow): SourceSpec {
  const params = JSON.parse(deploy.params) as { source?: SourceSpec };
  return params.source ?? { type: 'package', id: deploy.id };
}

export async function sourceRelease(
  ctx: EngineContext,
  deploy: DeployRow,
  job: JobContext,
  state: () => SourceProgress,
  save: (patch: Partial<SourceProgress>) => Promise<void>,
  log: (line: string) => void,
): Promise<ReleaseRow> {
  const { db } = ctx.store;
  const app = deploy.app_code;
  const env = deploy.env as EnvName;
  const spec = specOf(deploy);
  const step = { signal: job.signal, log };

  let origin = state().origin;
  if (!origin) {
    if (spec.type !== 'package') log(`-----> Resolving ${describeSpec(spec)}`);
    origin = await ctx.sources.resolve(app, spec, step);
    await save({ origin });
    await db
      .updateTable('deploys')
      .set({ origin: JSON.stringify(origin) })
      .where('id', '=', deploy.id)
      .execute();
  }
  const pin = ctx.pinnedManifest ? await ctx.pinnedManifest(app) : undefined;
  const key = sourceKey(origin) + (pin ? `+pin:${pin.digest}` : '');

  const reusable = state().version === undefined ? await reusableBuild(ctx, app, key) : undefined;
  if (reusable) return reuseBuild(ctx, deploy, reusable, origin, save, log);

  let version = state().version;
  if (version === undefined) {
    const reserved = await reserveRelease(db, {
      app_code: app,
      env,
      source: origin.type,
      out_dir: null,
      artifact_dir: null,
      build: null,
      config_sealed: null,
      description: deploy.description,
      from_version: null,
      origin: JSON.stringify(origin),
      build_id: null,
      created_by: deploy.created_by,
    });
    version = Number(reserved.version);
    await save({ version, created: true });
    await db.updateTable('deploys').set({ release_version: version }).where('id', '=', deploy.id).execute();
  }
  // A resumed attempt takes over the build record its first attempt made.
  const buildId = (await buildOfDeploy(ctx, deploy.id))?.id ?? (await startBuild(ctx, deploy, key, origin));
  await db.updateTable('deploys').set({ build_id: buildId }).where('id', '=', deploy.id).execute();
  log(`-----> Building v${version} from ${describeOrigin(origin)} (build ${buildId})`);
  const config = await ctx.configSnapshot(app, env);
  try {
    const built = await buildRelease(ctx, {
      deployId: deploy.id,
      app,
      env,
      version,
      config,
      log,
      signal: job.signal,
      materialize: (workDir) => ctx.sources.materialize(app, spec, origin, workDir, step),
      ...(pin ? { checkManifest: pin.check } : {}),
    });
    const buildJson = JSON.stringify(built.build);
    await db.transaction().execute(async (tx) => {
      await tx
        .updateTable('releases')
        .set({
          status: 'ready',
          out_dir: built.outDir,
          artifact_dir: built.artifactDir,
          build: buildJson,
          build_id: buildId,
          config_sealed: ctx.secretBox.seal(JSON.stringify(config), releaseSealContext(app, env, version)),
        })
        .where('app_code', '=', app)
        .where('env', '=', env)
        .where('version', '=', version)
        .execute();
      await tx
        .updateTable('builds')
        .set({
          status: 'succeeded',
          release_version: version,
          out_dir: built.outDir,
          artifact_dir: built.artifactDir,
          build: buildJson,
          finished_at: Date.now(),
        })
        .where('id', '=', buildId)
        .execute();
    });
  } catch (err) {
    await settleBuild(ctx, buildId, job.signal.aborted ? 'cancelled' : 'failed');
    throw err;
  }
  await save({ built: true });
  return findRelease(db, app, env, version);
}

function describeSpec(spec: SourceSpec): string {
  if (spec.type === 'git') return `${spec.ref} of the ${spec.repository} repository`;
  if (spec.type === 'image') return `image ${spec.image}`;
  return 'the package';
}

async function reusableBuild(ctx: EngineContext, app: string, key: string): Promise<BuildRow | undefined> {
  const rows = await ctx.store.db
    .selectFrom('builds')
    .selectAll()
    .where('app_code', '=', app)
    .where('source_key', '=', key)
    .where('status', '=', 'succeeded')
    .where('out_dir', 'is not', null)
    .orderBy('created_at', 'desc')
    .execute();
  // The artifact must still be there (pruning clears out_dir, but a tree removed by hand is skipped too).
  for (const row of rows) if (row.out_dir && fs.existsSync(row.out_dir)) return row;
  return undefined;
}

async function buildOfDeploy(ctx: EngineContext, deployId: string): Promise<BuildRow | undefined> {
  return ctx.store.db.selectFrom('builds').selectAll().where('deploy_id', '=', deployId).executeTakeFirst();
}

async function startBuild(
  ctx: EngineContext,
  deploy: DeployRow,
  key: string,
  origin: SourceOrigin,
): Promise<string> {
  const id = newId('bld');
  await ctx.store.db
    .insertInto('builds')
    .values({
      id,
      app_code: deploy.app_code,
      env: deploy.env,
      source_key: key,
      origin: JSON.stringify(origin),
      status: 'running',
      deploy_id: deploy.id,
      release_version: null,
      out_dir: null,
      artifact_dir: null,
      build: null,
      reused: 0,
      created_at: Date.now(),
      finished_at: null,
    })
    .execute();
  return id;
}

async function settleBuild(ctx: EngineContext, id: string, status: 'failed' | 'cancelled'): Promise<void> {
  await ctx.store.db
    .updateTable('builds')
    .set({ status, finished_at: Date.now() })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .execute();
}

/**
 * Builds left `running` by a berthd that died while its deploy was given up meanwhile (or by a deploy
 * that ended without settling them) end `failed`: nothing is left looking busy.
 */
export async function settleOrphanBuilds(ctx: EngineContext): Promise<void> {
  const { db } = ctx.store;
  await db
    .updateTable('builds')
    .set({ status: 'failed', finished_at: Date.now() })
    .where('status', '=', 'running')
    .where((eb) =>
      eb.or([
        eb('deploy_id', 'not in', eb.selectFrom('deploys').select('id')),
        eb(
          'deploy_id',
          'in',
          eb
            .selectFrom('deploys')
            .select('id')
            .where('status', 'in', ['succeeded', 'failed', 'cancelled', 'refused', 'withdrawn']),
        ),
      ]),
    )
    .execute();
}

/** A new release running an existing build's artifact: shared within the build's environment, a tree
 *  of its own (readable by this environment's identity only) in another. */
async function reuseBuild(
  ctx: EngineContext,
  deploy: DeployRow,
  build: BuildRow,
  origin: SourceOrigin,
  save: (patch: Partial<SourceProgress>) => Promise<void>,
  log: (line: string) => void,
): Promise<ReleaseRow> {
  const env = deploy.env as EnvName;
  log(`-----> Reusing build ${build.id} of ${describeOrigin(origin)}: no rebuild`);
  const version = await releaseOfArtifact(ctx, deploy, {
    artifact: build,
    copy: build.env !== env,
    source: origin.type,
    fromVersion: null,
    origin: JSON.stringify(origin),
    buildId: build.id,
    config: await ctx.configSnapshot(deploy.app_code, env),
    onReserved: (v) => save({ version: v, created: true }),
    also: async (tx, v) => {
      await tx
        .updateTable('builds')
        .set((eb) => ({ reused: eb('reused', '+', 1) }))
        .where('id', '=', build.id)
        .execute();
      await tx
        .updateTable('deploys')
        .set({ release_version: v, build_id: build.id })
        .where('id', '=', deploy.id)
        .execute();
    },
  });
  await save({ built: true });
  return findRelease(ctx.store.db, deploy.app_code, env, version);
}

/**
 * A new release of `deploy`'s environment that runs an existing artifact (a build's, or another
 * release's for rollbacks, promotions and config changes): no build. With `copy` (another environment)
 * and host identities, the tree is linked into a directory of its own, sealed to this environment;
 * otherwise the release shares it. `also` runs in the transaction that makes the release ready.
 */
export async function releaseOfArtifact(
  ctx: EngineContext,
  deploy: DeployRow,
  o: {
    artifact: { out_dir: string | null; artifact_dir: string | null; build: string | null };
    copy: boolean;
    source: string;
    fromVersion: number | null;
    origin: string | null;
    buildId: string | null;
    config: Record<string, string>;
    onReserved?: (version: number) => Promise<void>;
    also?: (tx: Transaction<Database>, version: number) => Promise<void>;
  },
): Promise<number> {
  const { db } = ctx.store;
  const app = deploy.app_code;
  const env = deploy.env as EnvName;
  // On runtimes that run releases from images, a tree that is on another berthd replica is not
  // copied: the release shares its directory's name, and runs the image of the release it was made
  // from (release-image.ts).
  const copy =
    o.copy &&
    ctx.tenants !== undefined &&
    o.artifact.out_dir !== null &&
    (ctx.driver.capabilities.artifacts !== 'image' || fs.existsSync(o.artifact.out_dir));
  const reserved = await reserveRelease(db, {
    app_code: app,
    env,
    source: o.source,
    out_dir: copy ? null : o.artifact.out_dir,
    artifact_dir: copy ? null : o.artifact.artifact_dir,
    build: o.artifact.build,
    config_sealed: null,
    description: deploy.description,
    from_version: o.fromVersion,
    origin: o.origin,
    build_id: o.buildId,
    created_by: deploy.created_by,
  });
  const version = Number(reserved.version);
  await o.onReserved?.(version);
  const dirs = copy ? await linkArtifact(ctx, o.artifact, app, env, version) : {};
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('releases')
      .set({
        status: 'ready',
        ...dirs,
        config_sealed: ctx.secretBox.seal(JSON.stringify(o.config), releaseSealContext(app, env, version)),
      })
      .where('id', '=', reserved.id)
      .execute();
    await o.also?.(tx, version);
  });
  return version;
}

/** Links a sealed artifact tree into `env`'s own release directory (build/seal-artifact.ts). */
export async function linkArtifact(
  ctx: EngineContext,
  from: { out_dir: string | null; artifact_dir: string | null; build: string | null },
  app: string,
  env: EnvName,
  version: number,
): Promise<{ out_dir: string; artifact_dir: string }> {
  const tenants = ctx.tenants!;
  const outDir = releaseDir(ctx.settings.dataDir, app, env, version);
  await fs.promises.rm(outDir, { recursive: true, force: true });
  await makeReleaseParents(ctx.settings.dataDir, outDir, true);
  const build: ReleaseBuild = parseReleaseBuild(from.build);
  const reader = build.runtime === 'static' ? await tenants.gateway() : await tenants.run(app, env);
  await cloneArtifact(from.out_dir!, outDir, reader.gid);
  const inside = path.relative(from.out_dir!, from.artifact_dir ?? from.out_dir!);
  return { out_dir: outDir, artifact_dir: path.join(outDir, inside) };
}
