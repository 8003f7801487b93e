// The applier: carries out a deploy plan through the RuntimeDriver. Release command -> start the new
// instances -> check them -> switch the route table -> drain -> stop the old ones. Any failure before
// the switch stops what it started and leaves the previous release serving.
import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EnvName } from '@berth/sdk';
import type { InstanceInfo, InstanceSpec } from '../runtime/index.ts';
import type { EngineContext } from './engine-deps.ts';
import { writeEnvState } from './engine-store.ts';
import { recordStarts, recordStops } from './instance-history.ts';
import { DeployFailure, explainFailure, maskSecrets, secretValues } from './instance-report.ts';
import { type DeployPlan, planDeploy } from './plan-deploy.ts';
import { formationCounts, type ReleaseBuild } from './release-build.ts';
import { lineSplitter, releaseLaunch, runInRelease } from './release-process.ts';
import type { ReleaseRow } from './tables.ts';
import { UnhealthyError, waitHealthy, waitStaysUp } from './wait-healthy.ts';

export { DeployFailure } from './instance-report.ts';

export interface ApplyInput {
  app: string;
  env: EnvName;
  release: ReleaseRow;
  build: ReleaseBuild;
  /** The env's formation overrides (already merged with the deploy's change). */
  formation: Record<string, number>;
  replace: boolean;
  runReleaseCommand: boolean;
  signal: AbortSignal;
  log(line: string, level?: 'info' | 'warn' | 'error'): void;
  /** Called with the ids of the instances about to be started (the handler checkpoints them). */
  onStarted(ids: string[]): Promise<void>;
  /** Called once traffic was switched to `serving` (the handler checkpoints it). */
  onSwapped(serving: string[]): Promise<void>;
}

export function newInstanceId(
  app: string,
  env: string,
  version: number,
  type: string,
  index: number,
): string {
  return `${app}-${env}-v${version}-${type}-${index}-${crypto.randomBytes(3).toString('hex')}`;
}

export async function applyRelease(ctx: EngineContext, input: ApplyInput): Promise<DeployPlan> {
  const { app, env, build, signal } = input;
  const version = Number(input.release.version);
  const artifactDir = input.release.artifact_dir;
  if (!artifactDir) throw new DeployFailure(`release v${version} has no artifact`);
  const current = await ctx.driver.list({ app, env });
  const counts = formationCounts(build, input.formation);
  const plan = planDeploy(
    current,
    { version, processTypes: Object.keys(build.processes), releaseCommand: build.release },
    counts,
    { replace: input.replace, runReleaseCommand: input.runReleaseCommand },
  );
  input.log(
    `-----> Plan for v${version}: start ${plan.start.length}, keep ${plan.keep.length}, stop ${plan.stop.length}`,
  );
  const launch = await releaseLaunch(
    ctx,
    { app, env, release: input.release, build, artifactDir },
    { needImage: plan.releaseCommand !== undefined || plan.start.length > 0, log: (l) => input.log(l) },
  );
  const { vars } = launch;

  if (plan.releaseCommand) {
    input.log(`-----> Running the release command: ${plan.releaseCommand.join(' ')}`);
    const timeoutMs = ctx.settings.releaseCommandTimeoutMs ?? 10 * 60_000;
    // Its output goes to the deploy log, which every reader of the app sees: values of secret
    // config vars and the app secret are masked there, as in a crashed instance's report.
    const secrets = secretValues(vars, await ctx.secretNames(app, env));
    const lines = lineSplitter((line) => input.log(maskSecrets(line, secrets)));
    const exit = await runInRelease(
      ctx,
      launch,
      { kind: 'release', command: plan.releaseCommand, timeoutMs },
      { output: lines.output, signal },
    );
    lines.flush();
    signal.throwIfAborted();
    if (exit.killed === 'timeout')
      input.log(`release command timed out after ${Math.round(timeoutMs / 1000)}s`);
    if (exit.code !== 0)
      throw new DeployFailure(
        `the release command exited with code ${exit.code ?? -1}`,
        'RELEASE_COMMAND_FAILED',
      );
  }

  const specs = plan.start.map((step): InstanceSpec => {
    const processSpec = build.processes[step.processType]!;
    return {
      ...launch,
      id: newInstanceId(app, env, version, step.processType, step.index),
      processType: step.processType,
      index: step.index,
      command: processSpec.command,
      listen: step.processType === 'web',
    };
  });
  const started: InstanceInfo[] = [];
  try {
    signal.throwIfAborted();
    // Checkpointed before any starts: an interrupted attempt's successor stops whichever did.
    if (specs.length) {
      await recordStarts(ctx.store.db, specs);
      await input.onStarted(specs.map((s) => s.id));
    }
    await startAndCheck(ctx, specs, build, signal, started, input.log);
  } catch (err) {
    // The failed instance's last lines are read before it is stopped.
    let failure = err;
    if (err instanceof UnhealthyError && !signal.aborted) {
      // Without the secret names nothing is shown: the app's output could hold their values.
      const explain = async () => {
        const secrets = secretValues(vars, await ctx.secretNames(app, env));
        return explainFailure(ctx.driver, err, build.health, secrets, input.log);
      };
      failure = await explain().catch((why: unknown) => {
        ctx.logger.warn({ err: why }, 'could not report the failed instance');
        return new DeployFailure(err.message, err.crashed ? 'INSTANCE_CRASHED' : 'HEALTH_CHECK_FAILED');
      });
    }
    await stopAll(
      ctx,
      started.map((i) => i.id),
      input.log,
    );
    throw failure;
  }

  const serving = [...plan.keep, ...started.map((i) => i.id)];
  await writeEnvState(ctx.store.db, app, env, {
    release: version,
    status: 'running',
    formation: input.formation,
    instances: serving,
  });
  await ctx.routes.refresh();
  await input.onSwapped(serving);
  input.log(`-----> v${version} is serving`);

  if (plan.stop.length) {
    await sleep(ctx.settings.drainMs);
    input.log(`-----> Stopping ${plan.stop.length} replaced instance(s)`);
    await stopAll(ctx, plan.stop, input.log);
  }
  return plan;
}

/** Instances started at once, at most this many together (container starts are the slow part). */
const START_CONCURRENCY = 8;

/**
 * Starts the new instances side by side and checks each as soon as it runs (web instances answer
 * their health check, workers stay up). The first failure cancels the other checks; every start is
 * waited for, so `started` holds every instance that runs when this returns or throws.
 */
async function startAndCheck(
  ctx: EngineContext,
  specs: readonly InstanceSpec[],
  build: ReleaseBuild,
  signal: AbortSignal,
  started: InstanceInfo[],
  log: ApplyInput['log'],
): Promise<void> {
  if (specs.length === 0) return;
  const checks = new AbortController();
  const cancel = () => checks.abort(signal.reason);
  signal.addEventListener('abort', cancel, { once: true });
  let failure: { err: unknown } | undefined;
  let next = 0;
  let checking = false;
  const lane = async (): Promise<void> => {
    while (next < specs.length && !checks.signal.aborted) {
      const spec = specs[next++]!;
      try {
        const info = await ctx.driver.start(spec);
        started.push(info);
        log(`-----> Started ${spec.id}`);
        if (!checking) {
          checking = true;
          log(`-----> Checking ${specs.length} new instance(s)`);
        }
        await (info.processType === 'web'
          ? waitHealthy(ctx.driver, info.id, info.app, build.health, checks.signal, log)
          : waitStaysUp(ctx.driver, info.id, info.app, ctx.settings.workerSettleMs ?? 2000, checks.signal));
      } catch (err) {
        // Only the first failure counts; the others are its consequence (their checks cancelled).
        if (failure === undefined && !checks.signal.aborted) {
          failure = { err };
          checks.abort(err);
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(START_CONCURRENCY, specs.length) }, lane));
  } finally {
    signal.removeEventListener('abort', cancel);
  }
  signal.throwIfAborted();
  if (failure !== undefined) throw failure.err;
}

export async function stopAll(
  ctx: EngineContext,
  ids: readonly string[],
  log: (line: string, level?: 'info' | 'warn' | 'error') => void,
): Promise<void> {
  await Promise.all(
    ids.map((id) =>
      ctx.driver.stop(id, { graceMs: ctx.settings.stopGraceMs }).catch((err) => {
        log(`could not stop ${id}: ${(err as Error).message}`, 'warn');
      }),
    ),
  );
  await recordStops(ctx.store.db, ids).catch((err) =>
    ctx.logger.warn({ err }, 'could not note stopped instances in the instance history'),
  );
}
