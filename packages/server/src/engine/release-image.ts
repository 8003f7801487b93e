// The image a release runs from on runtimes whose nodes have no artifact directory (artifacts:
// image, Swarm). Several berthd replicas may share the store and the cluster, each with a data dir of
// its own: a release's artifact tree lies only on the replica that built it. So the reference by
// digest its image is published as is recorded in the release (`image_ref`) the first time, and every
// later launch (restart, scale, heal, rollback, a one-off run), on whichever replica, runs that
// without baking or pushing again. A release without one reuses the recorded image of a release with
// the same content (the one it was promoted or rolled back from, or one sharing its artifact tree);
// only when there is none is its tree baked here, which needs the tree on this replica
// (RELEASE_ARTIFACT_MISSING otherwise, before anything is started).
import type { EnvName } from '@berth/sdk';
import type { Kysely } from 'kysely';
import { releaseImageTag } from '../images/release-names.ts';
import type { Database } from '../store/schema.ts';
import type { EngineContainers, EngineContext } from './engine-deps.ts';
import { DOCKERFILE_RUNTIME, type ReleaseBuild } from './release-build.ts';
import type { ReleaseRow } from './tables.ts';

export interface ReleaseImageInput {
  app: string;
  env: EnvName;
  release: ReleaseRow;
  build: ReleaseBuild;
  artifactDir: string;
  /** The image the release's tree goes on (its own image, or its runtime's stack image): asked for
   *  only when the release has to be baked or published here. */
  base(): Promise<string>;
}

/** The published reference instances of the release run (recorded, reused or made here). */
export async function publishedReleaseImage(
  ctx: EngineContext,
  containers: EngineContainers,
  input: ReleaseImageInput,
): Promise<string> {
  const { release } = input;
  if (release.image_ref) return release.image_ref;
  // A recorded image of the same content is the simplest correct choice: its digest names exactly
  // the tree (and base) this release would be baked from, it is in the registry already and any
  // replica can run it. Nothing is tagged or pushed under this release's name; pruning removes a
  // digest only once no release that is kept records it (prune-releases.ts).
  const ref =
    (await sameContentImage(ctx.store.db, release)) ?? (await bakeAndPublish(ctx, containers, input));
  return recordImageRef(ctx.store.db, release.id, ref);
}

/** Bakes the release's tree into its image (its own image as it is, for a Dockerfile app) and
 *  publishes it. Fails with RELEASE_ARTIFACT_MISSING when the tree is not on this replica. */
async function bakeAndPublish(
  ctx: EngineContext,
  containers: EngineContainers,
  input: ReleaseImageInput,
): Promise<string> {
  const base = await input.base();
  if (carriesApp(input.build)) return containers.publish(base);
  const version = Number(input.release.version);
  const image = await containers.releaseImage({
    base,
    artifactDir: input.artifactDir,
    tag: releaseImageTag(ctx.installation, input.app, input.env, version),
    labels: {
      'berth.owner': ctx.installation,
      'berth.app': input.app,
      'berth.env': input.env,
      'berth.release': String(version),
    },
  });
  return containers.publish(image);
}

/**
 * Records `ref` as the release's image unless one was recorded already (two launches of a release
 * racing may both bake it: the first to record wins), and resolves with the one recorded, which
 * every launch then runs.
 */
export async function recordImageRef(db: Kysely<Database>, releaseId: string, ref: string): Promise<string> {
  await db
    .updateTable('releases')
    .set({ image_ref: ref })
    .where('id', '=', releaseId)
    .where('image_ref', 'is', null)
    .execute();
  const row = await db
    .selectFrom('releases')
    .select('image_ref')
    .where('id', '=', releaseId)
    .executeTakeFirst();
  return row?.image_ref ?? ref;
}

/**
 * The recorded image of another release of the app with the same content as `release`: the same
 * build (so the same base image) and the same artifact tree, shared (same `artifact_dir`) or copied
 * from the release it was promoted or rolled back from (`from_version`).
 */
export async function sameContentImage(
  db: Kysely<Database>,
  release: Pick<ReleaseRow, 'app_code' | 'env' | 'source' | 'from_version' | 'artifact_dir' | 'build'>,
): Promise<string | undefined> {
  const from = sourceOf(release);
  if (release.build === null || (release.artifact_dir === null && from === undefined)) return undefined;
  const rows = await db
    .selectFrom('releases')
    .select(['env', 'version', 'artifact_dir', 'build', 'image_ref'])
    .where('app_code', '=', release.app_code)
    .where('image_ref', 'is not', null)
    .where((eb) =>
      eb.or([
        ...(release.artifact_dir === null ? [] : [eb('artifact_dir', '=', release.artifact_dir)]),
        ...(from ? [eb.and([eb('env', '=', from.env), eb('version', '=', from.version)])] : []),
      ]),
    )
    .orderBy('version', 'asc')
    .execute();
  // Compared here, exactly (MySQL compares text without regard to case).
  const same = rows.find(
    (row) =>
      row.build === release.build &&
      ((release.artifact_dir !== null && row.artifact_dir === release.artifact_dir) ||
        (from !== undefined && row.env === from.env && Number(row.version) === from.version)),
  );
  return same?.image_ref ?? undefined;
}

/** The release a rollback or promotion was made from. */
function sourceOf(
  release: Pick<ReleaseRow, 'env' | 'source' | 'from_version'>,
): { env: string; version: number } | undefined {
  if (release.from_version === null) return undefined;
  if (release.source === 'promote') return { env: 'stag', version: Number(release.from_version) };
  if (release.source === 'rollback') return { env: release.env, version: Number(release.from_version) };
  return undefined;
}

/** The release's image is the app itself (built from its Dockerfile, or deployed as an image). */
export function carriesApp(build: ReleaseBuild): boolean {
  return build.runtime === DOCKERFILE_RUNTIME;
}
