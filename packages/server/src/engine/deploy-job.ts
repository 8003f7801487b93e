// The `deploy` job handler: one deploy of one environment, whatever its kind. It is idempotent across
// attempts (a berthd killed mid-deploy hands the job to the next attempt): checkpoints record the
// release version, whether it is built, the instances started and whether traffic was switched, and
// a resumed attempt cleans up what the last one left and carries on from there.
import fs from 'node:fs';
import type { EnvName } from '@berth/sdk';
import { asyncErrorCode, isBerthError } from '../errors.ts';
import { JobAbortedError, type JobContext, permanentFailure } from '../jobs/index.ts';
import { applyRelease, DeployFailure, stopAll } from './apply-release.ts';
import { packagePath } from './build-release.ts';
import type { EngineContext } from './engine-deps.ts';
import { findDeploy, readEnvState, writeEnvState } from './engine-store.ts';
import { assertWithinInstanceLimit } from './instance-limit.ts';
import { pruneReleases } from './prune-releases.ts';
import { formationCounts, parseReleaseBuild } from './release-build.ts';
import type { DeployRow } from './tables.ts';
import { type DeployParams, type ReleaseProgress, targetRelease } from './target-release.ts';

export type { DeployParams } from './target-release.ts';

export const DEPLOY_JOB_KIND = 'deploy';

/** Said by a failed config deploy: the change is committed, but what runs did not take it. */
export const CONFIG_NOT_RUNNING =
  'the new config is stored but not running (the previous release keeps its config): fix the cause and change the config again, or revert the change';

/** Kinds that may run more instances than before (a new manifest, another release, a scale). */
const LIMITED_KINDS = new Set(['build', 'rollback', 'promote', 'scale']);

export interface DeployJobPayload {
  deployId: string;
}

interface DeployState extends ReleaseProgress {
  started?: string[];
  swapped?: boolean;
}

export function createDeployHandler(ctx: EngineContext): (job: JobContext) => Promise<unknown> {
  return async (job) => {
    const { deployId } = job.payload as DeployJobPayload;
    const deploy = await findDeploy(ctx.store.db, deployId);
    if (!deploy) throw permanentFailure(`deploy ${deployId} does not exist`);
    let state: DeployState = { ...((job.state as DeployState | null) ?? {}) };
    const save = async (patch: Partial<DeployState>) => {
      state = { ...state, ...patch };
      await job.checkpoint(state);
    };
    const log = (line: string, level: 'info' | 'warn' | 'error' = 'info') => {
      job.log(line, level).catch(() => {});
    };
    const env = deploy.env as EnvName;
    if (job.attempt > 1) log(`-----> Resuming (attempt ${job.attempt})`, 'warn');

    try {
      // A previous attempt may have started instances that never served: remove them first.
      if (state.started?.length && !state.swapped) {
        const serving = new Set((await readEnvState(ctx.store.db, deploy.app_code, env)).instances);
        const leftovers = state.started.filter((id) => !serving.has(id));
        if (leftovers.length) {
          log(`-----> Stopping ${leftovers.length} instance(s) left by the interrupted attempt`);
          await stopAll(ctx, leftovers, log);
        }
        await save({ started: [] });
      }

      if (deploy.kind === 'stop') {
        await stopEnv(ctx, deploy, log);
        return { stopped: true };
      }

      const release = await targetRelease(ctx, deploy, job, () => state, save, log);
      const build = parseReleaseBuild(release.build);
      const envState = await readEnvState(ctx.store.db, deploy.app_code, env);
      const params = JSON.parse(deploy.params) as DeployParams;
      const formation = { ...envState.formation, ...params.processes };
      if (!state.swapped && LIMITED_KINDS.has(deploy.kind)) {
        const counts = formationCounts(build, formation);
        await assertWithinInstanceLimit(ctx, deploy.app_code, env, counts);
      }

      if (state.swapped) {
        // Traffic was switched before the interruption: only the old instances are left to stop.
        const serving = new Set(envState.instances);
        const old = (await ctx.driver.list({ app: deploy.app_code, env }))
          .map((i) => i.id)
          .filter((id) => !serving.has(id));
        await stopAll(ctx, old, log);
      } else {
        await applyRelease(ctx, {
          app: deploy.app_code,
          env,
          release,
          build,
          formation,
          replace: deploy.kind !== 'scale' && deploy.kind !== 'start',
          runReleaseCommand: deploy.kind === 'build' || deploy.kind === 'promote' || deploy.kind === 'config',
          signal: job.signal,
          log,
          onStarted: (ids) => save({ started: ids }),
          onSwapped: () => save({ swapped: true }),
        });
      }
      await pruneReleases(ctx, deploy.app_code, log).catch((err) =>
        log(`could not prune old releases: ${(err as Error).message}`, 'warn'),
      );
      await fs.promises.rm(packagePath(ctx.settings.dataDir, deploy.id), { force: true });
      log(`-----> Done: v${release.version} is current`);
      return { release: Number(release.version) };
    } catch (err) {
      const aborted = err instanceof JobAbortedError || job.signal.aborted;
      const reason = job.signal.reason;
      const shutdown = reason instanceof JobAbortedError && reason.reason === 'shutdown';
      if (!state.swapped && state.started?.length) {
        await stopAll(ctx, state.started, log);
        await save({ started: [] }).catch(() => {});
      }
      if (shutdown) throw err;
      if (state.created && state.version !== undefined && !state.swapped) {
        await dropRelease(ctx, deploy, state.version, state.built === true);
      }
      await fs.promises.rm(packagePath(ctx.settings.dataDir, deploy.id), { force: true });
      // Only an environment that served before has a previous release to keep serving.
      const before = await readEnvState(ctx.store.db, deploy.app_code, env);
      const keeps = before.release !== null && before.status === 'running' && deploy.kind !== 'stop';
      if (aborted) {
        log(`-----> Cancelled${keeps ? '; the previous release keeps serving' : ''}`, 'warn');
        throw reason ?? err;
      }
      const message = describe(err);
      const code = asyncErrorCode(err, 'DEPLOY_FAILED');
      log(`-----> Deploy failed (${code}): ${message}`, 'error');
      if (keeps) log(`-----> The previous release (v${before.release}) keeps serving`, 'error');
      if (deploy.kind !== 'config') throw permanentFailure(message, { cause: err, reported: true, code });
      log(`-----> Note: ${CONFIG_NOT_RUNNING}`, 'error');
      throw permanentFailure(`${message}; ${CONFIG_NOT_RUNNING}`, { cause: err, reported: true, code });
    }
  };
}

/**
 * The release this deploy made did not go live. A built one stays, marked failed (it was a real
 * release that did not start: its build log and artifact remain to look at); one whose build failed
 * or was cancelled is removed, so that it takes no release number: the deploy stays in the history
 * as failed, without a release.
 */
async function dropRelease(ctx: EngineContext, deploy: DeployRow, version: number, built: boolean) {
  const db = ctx.store.db;
  if (built) {
    await db
      .updateTable('releases')
      .set({ status: 'failed' })
      .where('app_code', '=', deploy.app_code)
      .where('env', '=', deploy.env)
      .where('version', '=', version)
      .execute();
    return;
  }
  await db.transaction().execute(async (tx) => {
    await tx
      .deleteFrom('releases')
      .where('app_code', '=', deploy.app_code)
      .where('env', '=', deploy.env)
      .where('version', '=', version)
      .where('status', '=', 'building')
      .execute();
    await tx.updateTable('deploys').set({ release_version: null }).where('id', '=', deploy.id).execute();
  });
}

function describe(err: unknown): string {
  if (err instanceof DeployFailure) return err.message;
  if (isBerthError(err)) {
    const details = err.details as { tail?: string[] } | undefined;
    return `${err.message}${details?.tail?.length ? ` (${details.tail.slice(-3).join(' | ')})` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}

async function stopEnv(
  ctx: EngineContext,
  deploy: DeployRow,
  log: (line: string, level?: 'info' | 'warn' | 'error') => void,
): Promise<void> {
  const env = deploy.env as EnvName;
  await writeEnvState(ctx.store.db, deploy.app_code, env, { status: 'stopped', instances: [] });
  await ctx.routes.refresh();
  const ids = (await ctx.driver.list({ app: deploy.app_code, env })).map((i) => i.id);
  log(`-----> Stopping ${ids.length} instance(s); the environment is offline`);
  await stopAll(ctx, ids, log);
}
