// `berth run`: a developer's one-off command in an environment's current release, with its config,
// identity, HOME, PATH and limits (release-process.ts), on whichever runtime is configured. Who may
// run is who may deploy to the environment (write access to the app). The app's runs going at once
// are capped (BERTH_RUNS_PER_APP, RUNS_LIMIT) and each has a time limit (BERTH_RUN_TIMEOUT). Every
// run that started is recorded in the audit log when it ends (`app.run`: environment, release, the
// command line with secret config values masked, how it ended).
//
// Preparing and starting are two steps so that the HTTP edge can answer refusals (no access, no
// release, too many runs) as errors before it starts streaming.
import type { EnvName } from '@berth/sdk';
import { BerthError, isBerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import type { RunExit, RunIO } from '../runtime/index.ts';
import { SETTING_DEFAULTS } from '../setting-defaults.ts';
import type { EngineContext } from './engine-deps.ts';
import { findRelease, readEnvState } from './engine-store.ts';
import { maskSecrets, secretValues } from './instance-report.ts';
import { parseReleaseBuild } from './release-build.ts';
import { releaseLaunch, runInRelease } from './release-process.ts';
import { createStreamLimit } from './stream-limit.ts';

export interface PreparedRun {
  /** The release it runs in. */
  release: number;
  /** Runs it (once); resolves when it has ended and its end is in the audit log. */
  start(io: RunIO): Promise<RunExit>;
  /** Gives its place back without running it (the client left before it started). */
  cancel(): void;
}

export interface OneOffRuns {
  /** Throws APP_NOT_FOUND, FORBIDDEN, NO_CURRENT_RELEASE, RELEASE_PRUNED or RUNS_LIMIT. */
  prepare(actor: Actor, app: string, env: EnvName, command: string[]): Promise<PreparedRun>;
}

export function createOneOffRuns(ctx: EngineContext): OneOffRuns {
  const limit = createStreamLimit(ctx.settings.runsPerApp ?? SETTING_DEFAULTS.runsPerApp, 'RUNS_LIMIT');
  const timeoutMs = ctx.settings.runTimeoutMs ?? SETTING_DEFAULTS.runTimeoutMs;
  const { db } = ctx.store;

  return {
    async prepare(actor, app, env, command) {
      await ctx.access.authorize(actor, 'run', app, env);
      const state = await readEnvState(db, app, env);
      if (state.release === null) throw new BerthError('NO_CURRENT_RELEASE');
      const release = await findRelease(db, app, env, state.release);
      if (Number(release.pruned) === 1 || !release.artifact_dir) throw new BerthError('RELEASE_PRUNED');
      const build = parseReleaseBuild(release.build);
      const done = limit.acquire(app);
      try {
        const launch = await releaseLaunch(
          ctx,
          { app, env, release, build, artifactDir: release.artifact_dir },
          { needImage: true },
        );
        const secrets = secretValues(launch.vars, await ctx.secretNames(app, env));
        let started = false;
        return {
          release: launch.release,
          cancel: done,
          async start(io) {
            if (started) throw new Error('a prepared run starts once');
            started = true;
            const record = (outcome: Record<string, unknown>) =>
              ctx.audit.record(db, {
                actor,
                action: 'app.run',
                targetType: 'app',
                targetId: app,
                detail: {
                  env,
                  release: launch.release,
                  command: command.map((arg) => maskSecrets(arg, secrets)),
                  ...outcome,
                },
                ip: actor.ip,
              });
            try {
              const exit = await runInRelease(ctx, launch, { kind: 'run', command, timeoutMs }, io);
              await record({
                exitCode: exit.code,
                ...(exit.signal ? { signal: exit.signal } : {}),
                ...(exit.killed ? { killed: exit.killed } : {}),
              });
              return exit;
            } catch (err) {
              // It did not start or broke off (no such program, an image missing): recorded as tried;
              // the runtime's guard has logged it.
              await record({ exitCode: null, error: isBerthError(err) ? err.code : 'INTERNAL' }).catch(
                (why: unknown) =>
                  ctx.logger.warn({ err: why }, 'could not record a run that failed to start'),
              );
              throw err;
            } finally {
              done();
            }
          },
        };
      } catch (err) {
        done();
        throw err;
      }
    },
  };
}
