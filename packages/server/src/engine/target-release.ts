// Which release a deploy makes current: a new one built from its source or reusing a build of the
// same source (source-build.ts), a new one made from another release (rollback, promote, config
// change: same artifact, no rebuild), or the current one (restart, scale, start). Progress is
// checkpointed, so a resumed attempt picks up where it was.
import type { DeployReason, EnvName } from '@berth/sdk';
import { BerthError } from '../errors.ts';
import type { JobContext } from '../jobs/index.ts';
import type { SourceSpec } from '../sources/source.ts';
import type { EngineContext } from './engine-deps.ts';
import { findRelease, readEnvState } from './engine-store.ts';
import { releaseSealContext } from './release-build.ts';
import { releaseOfArtifact, type SourceProgress, sourceRelease } from './source-build.ts';
import type { DeployRow, ReleaseRow } from './tables.ts';

/** The checkpointed part of a deploy's progress this step reads and writes (`created`: this deploy
 *  made the release, which is marked failed if the deploy fails). */
export type ReleaseProgress = SourceProgress;

/** What a deploy's kind needs (stored as JSON in deploys.params). */
export interface DeployParams {
  /** rollback: the version to return to; promote (through a request): the stag version. */
  version?: number;
  /** scale: the new counts. */
  processes?: Record<string, number>;
  /** Why the platform itself started the deploy (shown by clients in their language). */
  reason?: DeployReason;
  /** build: what it builds (absent in deploys made before sources: their own upload). */
  source?: SourceSpec;
}

/** The replica a deploy must run on: the one holding its uploaded package or hosted repository
 *  (jobs' `runsOn`). */
export function boundTo(params: DeployParams): string | undefined {
  const s = params.source;
  if (s?.type === 'package' || (s?.type === 'git' && s.repository === 'hosted')) return s.at;
  return undefined;
}

/** The release this deploy makes current: built, derived from another one, or the current one. */
export async function targetRelease(
  ctx: EngineContext,
  deploy: DeployRow,
  job: JobContext,
  state: () => ReleaseProgress,
  save: (patch: Partial<ReleaseProgress>) => Promise<void>,
  log: (line: string, level?: 'info' | 'warn' | 'error') => void,
): Promise<ReleaseRow> {
  const app = deploy.app_code;
  const env = deploy.env as EnvName;
  const { db } = ctx.store;
  const existing = state().version;
  if (existing !== undefined && state().built) return findRelease(db, app, env, existing);

  switch (deploy.kind) {
    case 'build':
      return sourceRelease(ctx, deploy, job, state, save, log);
    case 'rollback':
    case 'promote':
    case 'config': {
      const from = await fromRelease(ctx, deploy);
      if (Number(from.pruned) === 1) throw new BerthError('RELEASE_PRUNED');
      const config =
        deploy.kind === 'rollback'
          ? (JSON.parse(
              ctx.secretBox.open(
                from.config_sealed ?? '',
                releaseSealContext(from.app_code, from.env, Number(from.version)),
              ),
            ) as Record<string, string>)
          : await ctx.configSnapshot(app, env);
      // A release promoted to another environment gets a tree of its own, readable by that
      // environment's identity only; within one environment releases share their sealed trees.
      const version = await releaseOfArtifact(ctx, deploy, {
        artifact: from,
        copy: deploy.kind === 'promote',
        source: deploy.kind,
        fromVersion: deploy.kind === 'rollback' || deploy.kind === 'promote' ? Number(from.version) : null,
        // The same code as the release it was made from.
        origin: from.origin,
        buildId: from.build_id,
        config,
      });
      await save({ version, created: true, built: true });
      await setDeployRelease(ctx, deploy.id, version);
      log(`-----> v${version} from ${from.env} v${from.version} (${deploy.kind})`);
      return findRelease(db, app, env, version);
    }
    default: {
      const current = await readEnvState(db, app, env);
      if (current.release === null) throw new BerthError('NO_CURRENT_RELEASE');
      await save({ version: current.release, built: true });
      await setDeployRelease(ctx, deploy.id, current.release);
      return findRelease(db, app, env, current.release);
    }
  }
}

async function fromRelease(ctx: EngineContext, deploy: DeployRow): Promise<ReleaseRow> {
  const { db } = ctx.store;
  const params = JSON.parse(deploy.params) as DeployParams;
  if (deploy.kind === 'rollback') {
    if (params.version === undefined) throw new BerthError('RELEASE_NOT_FOUND');
    return findRelease(db, deploy.app_code, deploy.env, params.version);
  }
  const fromEnv = deploy.kind === 'promote' ? 'stag' : deploy.env;
  // A promotion that went through a request promotes the stag release it named then.
  if (deploy.kind === 'promote' && params.version !== undefined) {
    return findRelease(db, deploy.app_code, fromEnv, params.version);
  }
  const state = await readEnvState(db, deploy.app_code, fromEnv);
  if (state.release === null) throw new BerthError('NO_CURRENT_RELEASE');
  return findRelease(db, deploy.app_code, fromEnv, state.release);
}

async function setDeployRelease(ctx: EngineContext, deployId: string, version: number): Promise<void> {
  await ctx.store.db
    .updateTable('deploys')
    .set({ release_version: version })
    .where('id', '=', deployId)
    .execute();
}
