// What follows from a deploy's job: the deploy's own status moves with its job's, in the job's
// transaction (the job queue's transition hook), and a finished deploy or a crash-looping instance
// is told to the app's notification channels (a crash loop once, however many replicas saw it).
import type { EnvName, NotifyEvent } from '@berth/sdk';
import type { JobRecord, TransitionHook } from '../jobs/index.ts';
import type { InstanceInfo } from '../runtime/index.ts';
import { canMove, moveDeploy, statusOfJob } from './deploy-lifecycle.ts';
import type { EngineContext } from './engine-deps.ts';
import { claimCrashLoopNotice } from './instance-history.ts';

/** Moves a deploy with its job: queued -> running -> succeeded | failed | cancelled (or queued again). */
export function followJob(ctx: EngineContext): TransitionHook {
  return async (tx, job: JobRecord) => {
    const to = statusOfJob(job.status);
    if (!to) return;
    const d = await tx.selectFrom('deploys').selectAll().where('job_id', '=', job.id).executeTakeFirst();
    if (!d || d.status === to) return;
    if (!canMove(d.status as never, to)) {
      ctx.logger.warn({ deployId: d.id, from: d.status, to }, 'a deploy job moved where its deploy cannot');
      return;
    }
    const detail: Record<string, unknown> = { jobId: job.id };
    if (job.error && to !== 'succeeded') detail['error'] = job.error.code;
    const moved = await moveDeploy(tx, ctx.audit, {
      id: d.id,
      from: [d.status as never],
      to,
      audit: { actor: null, action: to === 'queued' ? 'deploy.retry' : `deploy.${to}`, detail },
    });
    if (moved !== null && (to === 'failed' || to === 'cancelled')) {
      // A build its job left running (an attempt killed mid-build that is not retried) ends with it.
      await tx
        .updateTable('builds')
        .set({ status: to, finished_at: job.finishedAt ?? Date.now() })
        .where('deploy_id', '=', d.id)
        .where('status', '=', 'running')
        .execute();
    }
    if (moved === null || (to !== 'succeeded' && to !== 'failed') || !ctx.notify) return;
    const event: NotifyEvent = {
      type: to === 'succeeded' ? 'deploy.succeeded' : 'deploy.failed',
      app: d.app_code,
      env: d.env as EnvName,
      at: job.finishedAt ?? Date.now(),
      deployId: d.id,
      kind: d.kind,
      actor: d.created_by,
    };
    // The row read above has it: the job set it before it settled, and a move does not change it.
    if (d.release_version !== null) event.release = Number(d.release_version);
    if (d.description) event.note = d.description;
    if (to === 'failed' && job.error) event.error = { code: job.error.code, message: job.error.message };
    await ctx.notify(tx, event);
  };
}

/** Tells the app's channels that an instance gave up restarting: once, whichever of the replicas
 *  watching it (each reports the crash loop) claims the notice first in the store, in the
 *  transaction that queues it (a claim whose notice failed is not kept). */
export async function notifyCrashLoop(ctx: EngineContext, info: InstanceInfo | undefined): Promise<void> {
  const notify = ctx.notify;
  if (!notify || !info) return;
  const at = Date.now();
  await ctx.store.db.transaction().execute(async (trx) => {
    if (!(await claimCrashLoopNotice(trx, info.id, at))) return;
    await notify(trx, {
      type: 'instance.crashloop',
      app: info.app,
      env: info.env,
      at,
      release: info.release,
      processType: info.processType,
      instanceId: info.id,
    });
  });
}
