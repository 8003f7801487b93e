// After berthd starts (runtime recovered), makes every environment that should run serve again
// without operator action: adopted instances are reused, and an environment missing instances gets
// a `start` deploy (which starts what is missing, checks it and rebuilds the route table).
import type { EnvName } from '@berth/sdk';
import { UNFINISHED_STATUSES } from '../jobs/job-record.ts';
import type { EngineContext } from './engine-deps.ts';
import type { EngineService } from './engine-service.ts';
import { toEnvState } from './engine-store.ts';
import { formationCounts, parseReleaseBuild } from './release-build.ts';

const ALIVE = new Set(['starting', 'running', 'backoff']);

export async function reconcile(ctx: EngineContext, service: EngineService): Promise<void> {
  const log = ctx.logger.child({ part: 'reconciler' });
  await ctx.routes.refresh();
  const rows = await ctx.store.db
    .selectFrom('env_states')
    .selectAll()
    .where('status', '=', 'running')
    .execute();
  const alive = new Map((await ctx.driver.list()).filter((i) => ALIVE.has(i.state)).map((i) => [i.id, i]));
  for (const row of rows) {
    const state = toEnvState(row);
    if (state.release === null) continue;
    const release = await ctx.store.db
      .selectFrom('releases')
      .select('build')
      .where('app_code', '=', state.app)
      .where('env', '=', state.env)
      .where('version', '=', state.release)
      .executeTakeFirst();
    if (!release?.build) continue;
    const wanted = Object.values(formationCounts(parseReleaseBuild(release.build), state.formation)).reduce(
      (a, b) => a + b,
      0,
    );
    const serving = state.instances.filter((id) => alive.has(id)).length;
    if (serving >= wanted && serving === state.instances.length) continue;
    const busy = await ctx.store.db
      .selectFrom('jobs')
      .select('id')
      .where('job_key', '=', `deploy:${state.app}:${state.env}`)
      .where('status', 'in', [...UNFINISHED_STATUSES])
      .executeTakeFirst();
    if (busy) continue; // the unfinished deploy will settle it
    log.info(
      { app: state.app, env: state.env, serving, wanted },
      'environment is missing instances: starting them',
    );
    await service.systemDeploy(state.app, state.env as EnvName, 'start');
  }
}
