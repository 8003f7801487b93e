// Two pushes (or webhook deliveries) of one branch in quick succession: the newest wins. Older
// deploys of the same trigger in the same environment that have not switched traffic are cancelled
// with BUILD_SUPERSEDED — queued ones at once, a running one (building, starting) through its job's
// cancel, which its worker acts on at the next heartbeat. One that already switched traffic is left
// to finish: it is serving, and the newer one replaces it next.
import type { Deploy } from '@berth/sdk';
import { isBerthError } from '../errors.ts';
import type { EngineContext } from './engine-deps.ts';

export async function supersedeOlder(ctx: EngineContext, newer: Deploy, trigger: string): Promise<void> {
  const { db } = ctx.store;
  const older = await db
    .selectFrom('deploys as d')
    .leftJoin('jobs as j', 'j.id', 'd.job_id')
    .select(['d.id', 'd.job_id', 'j.state as job_state'])
    .where('d.app_code', '=', newer.app)
    .where('d.env', '=', newer.env)
    .where('d.trigger_ref', '=', trigger)
    .where('d.status', 'in', ['queued', 'running'])
    .where('d.id', '!=', newer.id)
    .where('d.created_at', '<=', newer.createdAt)
    .execute();
  for (const d of older) {
    if (!d.job_id || swapped(d.job_state)) continue;
    try {
      await ctx.queue.cancel(d.job_id, {
        inTransaction: async (tx) => {
          await tx
            .updateTable('deploys')
            .set({
              error_code: 'BUILD_SUPERSEDED',
              error: `superseded by ${newer.id}, a newer ${describe(trigger)}`,
            })
            .where('id', '=', d.id)
            .execute();
          await ctx.audit.record(tx, {
            actor: null,
            action: 'deploy.superseded',
            targetType: 'app',
            targetId: newer.app,
            detail: { env: newer.env, deployId: d.id, by: newer.id, trigger },
          });
        },
      });
    } catch (err) {
      // It finished meanwhile: nothing left to supersede.
      if (!isBerthError(err, 'JOB_NOT_CANCELLABLE')) throw err;
    }
  }
}

function swapped(state: string | null | undefined): boolean {
  if (!state) return false;
  try {
    return (JSON.parse(state) as { swapped?: unknown }).swapped === true;
  } catch {
    return false;
  }
}

function describe(trigger: string): string {
  const [kind, ...rest] = trigger.split(':');
  return `${kind === 'webhook' ? 'webhook delivery' : 'push'} of ${rest.join(':')}`;
}
