// Keeps disk use bounded: after a successful deploy, artifacts of releases older than the last
// BERTH_KEEP_RELEASES of each environment are deleted — never one a kept or current release (of any
// environment: a promoted release shares stag's artifact) still uses. On the Docker runtime a pruned
// release's image `berth-{installation}/{code}:{env}-v{n}` goes with its artifact (a promoted release shares the
// image too); while a container still uses that image, the release is left for a later prune. On
// runtimes that run releases from images (Swarm), each release's baked image goes the same way.
import fs from 'node:fs';
import { isReleaseImageOf, releaseImageTag } from '../images/release-names.ts';
import type { EngineContext } from './engine-deps.ts';

export async function pruneReleases(
  ctx: EngineContext,
  app: string,
  log: (line: string) => void,
): Promise<void> {
  const { db } = ctx.store;
  const rows = await db
    .selectFrom('releases')
    .select(['id', 'env', 'version', 'status', 'out_dir', 'pruned', 'build', 'image_ref'])
    .where('app_code', '=', app)
    .orderBy('version', 'desc')
    .execute();
  const states = await db
    .selectFrom('env_states')
    .select(['env', 'release_version'])
    .where('app_code', '=', app)
    .execute();
  const current = new Set(states.map((s) => `${s.env}/${s.release_version}`));
  const keepDirs = new Set<string>();
  const perEnv = new Map<string, number>();
  for (const row of rows) {
    if (!row.out_dir) continue;
    const seen = perEnv.get(row.env) ?? 0;
    const isCurrent = current.has(`${row.env}/${row.version}`);
    if (isCurrent || row.status === 'building' || seen < ctx.settings.keepReleases) keepDirs.add(row.out_dir);
    if (row.status !== 'building') perEnv.set(row.env, seen + 1);
  }
  // On runtimes that run releases from images of their own (artifacts: image), each release of an
  // environment has its baked image `…:{env}-v{n}` too, and the reference by digest it was published
  // as (`image_ref`, which several releases of the same content share: release-image.ts).
  const baked = ctx.driver.capabilities.artifacts === 'image';
  const imagesOf = (row: (typeof rows)[number]): string[] => {
    const own = releaseImage(ctx.installation, app, row.build);
    const bakedTag = baked ? bakedImage(ctx.installation, app, row.env, Number(row.version)) : undefined;
    return [...new Set([own, bakedTag, row.image_ref ?? undefined].filter((ref) => ref !== undefined))];
  };
  const prunable = (row: (typeof rows)[number]): row is typeof row & { out_dir: string } =>
    row.out_dir !== null && Number(row.pruned) !== 1 && !keepDirs.has(row.out_dir);
  // Every image of a release that stays (kept, or not prunable at all) stays, whichever other
  // release names it too.
  const keepImages = new Set<string>();
  for (const row of rows) {
    if (Number(row.pruned) !== 1 && !prunable(row)) for (const image of imagesOf(row)) keepImages.add(image);
  }
  const pruned: string[] = [];
  const containers = ctx.containers;
  releases: for (const row of rows) {
    if (!prunable(row)) continue;
    for (const image of containers ? imagesOf(row) : []) {
      if (keepImages.has(image)) continue;
      const result = await containers!.removeReleaseImage(image, keepImages);
      if (result === 'in-use') {
        log(`-----> Kept ${row.env} v${row.version}: a container still uses ${image}`);
        continue releases;
      }
      keepImages.add(image); // removed (or gone): the next row sharing it has nothing left to do
    }
    await fs.promises.rm(row.out_dir, { recursive: true, force: true });
    await db.updateTable('releases').set({ pruned: 1 }).where('id', '=', row.id).execute();
    pruned.push(`${row.env} v${row.version}`);
  }
  if (pruned.length) log(`-----> Pruned old artifacts: ${pruned.join(', ')}`);
}

/** After the app was deleted and its instances stopped (before its releases are forgotten): its
 *  release images go too, the local ones and those its releases recorded (which another replica
 *  may have published). */
export async function removeReleaseImages(ctx: EngineContext, app: string): Promise<void> {
  if (!ctx.containers) return;
  const results = await ctx.containers.removeAppImages(app);
  const recorded = await ctx.store.db
    .selectFrom('releases')
    .select('image_ref')
    .distinct()
    .where('app_code', '=', app)
    .where('image_ref', 'is not', null)
    .execute();
  for (const { image_ref: ref } of recorded) {
    if (ref && !(ref in results)) results[ref] = await ctx.containers.removeReleaseImage(ref);
  }
  const kept = Object.entries(results).filter(([, r]) => r === 'in-use');
  if (kept.length) ctx.logger.warn({ app, images: kept.map(([ref]) => ref) }, 'release images still in use');
}

/** The image a release of an environment was baked into (none when its code cannot name one). */
function bakedImage(installation: string, app: string, env: string, version: number): string | undefined {
  try {
    return releaseImageTag(installation, app, env, version);
  } catch {
    return undefined;
  }
}

/** The release image a release runs, when it is one of the app's own (not a stack image). */
function releaseImage(installation: string, app: string, buildText: string | null): string | undefined {
  if (!buildText) return undefined;
  try {
    const image = (JSON.parse(buildText) as { image?: unknown }).image;
    return typeof image === 'string' && isReleaseImageOf(installation, app, image) ? image : undefined;
  } catch {
    return undefined;
  }
}
