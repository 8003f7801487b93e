// The per-app instance ceiling: an app's environments together run at most its ceiling (the apps
// module knows it: BERTH_MAX_INSTANCES_PER_APP, or what an admin set for the app). Checked when a
// request would raise the count (scale, start) and again by the deploy job once the target release
// and its manifest counts are known, so a manifest cannot go past it either.
import { ENV_NAMES, type EnvName } from '@berth/sdk';
import type { Kysely, Transaction } from 'kysely';
import { BerthError, isBerthError } from '../errors.ts';
import type { Database } from '../store/schema.ts';
import type { EngineContext } from './engine-deps.ts';
import { findRelease, readEnvState } from './engine-store.ts';
import { formationCounts, parseReleaseBuild } from './release-build.ts';

type Db = Kysely<Database> | Transaction<Database>;

function total(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((sum, n) => sum + Math.max(0, Math.trunc(n)), 0);
}

/** The instances an environment is set to run now: 0 when it is stopped or has no release. */
async function runningCount(db: Db, app: string, env: EnvName): Promise<number> {
  const state = await readEnvState(db, app, env);
  if (state.release === null || state.status !== 'running') return 0;
  // Only a missing release counts as nothing running; a store that fails is an error.
  const release = await findRelease(db, app, env, state.release).catch((err: unknown) => {
    if (isBerthError(err, 'RELEASE_NOT_FOUND')) return undefined;
    throw err;
  });
  if (!release?.build) return 0;
  return total(formationCounts(parseReleaseBuild(release.build), state.formation));
}

/**
 * Throws INSTANCE_LIMIT_EXCEEDED when `env` running `counts` (every process type of its release,
 * resolved) and the app's other environments as they run now would exceed the app's ceiling.
 */
export async function assertWithinInstanceLimit(
  ctx: Pick<EngineContext, 'store' | 'instanceCeiling'>,
  app: string,
  env: EnvName,
  counts: Readonly<Record<string, number>>,
): Promise<void> {
  const ceiling = await ctx.instanceCeiling(app);
  const wanted = total(counts);
  const parts = [`${wanted} in ${env}`];
  let sum = wanted;
  for (const other of ENV_NAMES) {
    if (other === env) continue;
    const n = await runningCount(ctx.store.db, app, other);
    if (n > 0) parts.push(`${n} in ${other}`);
    sum += n;
  }
  if (sum <= ceiling) return;
  throw new BerthError(
    'INSTANCE_LIMIT_EXCEEDED',
    `${app} would run ${sum} instances (${parts.join(', ')}); its ceiling is ${ceiling} for all its environments together. Scale down, or ask an admin to raise it (berth apps limits ${app} --max-instances N)`,
    { ceiling, requested: sum },
  );
}
