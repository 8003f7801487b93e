// Who may see and cancel which jobs. Admins, operators and auditors see every job; developers see
// the jobs of the apps they may read, and never app-less (platform) jobs: those look absent to them
// (JOB_NOT_FOUND), like apps they are not members of. Cancelling takes admin or operator, or write
// access to the job's app; auditors only read.
import type { Role } from '@berth/sdk';
import type { Kysely } from 'kysely';
import type { AppAccess } from '../apps/index.ts';
import { BerthError, isBerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import type { Page } from '../store/keyset.ts';
import type { Database } from '../store/schema.ts';
import type { JobLogPage } from './job-logs.ts';
import type { JobListFilter, JobQueue } from './job-queue.ts';
import type { JobRecord, JobStatus } from './job-record.ts';

/** Roles that see every job, with or without an app. */
export const JOB_OVERSEERS: readonly Role[] = ['admin', 'operator', 'auditor'];
/** Roles that may cancel any job. */
export const JOB_CANCELLERS: readonly Role[] = ['admin', 'operator'];

/** The audit log as this module uses it: one record written in the caller's transaction. */
export interface JobsAudit {
  record(
    db: Kysely<Database>,
    e: {
      actor: Actor;
      action: string;
      targetType: string;
      targetId: string;
      detail?: Record<string, unknown>;
    },
  ): Promise<void>;
}

export interface JobsQuery {
  status?: JobStatus;
  kind?: string;
  /** An app code. */
  app?: string;
  limit?: number;
  cursor?: string;
}

export interface JobsService {
  list(actor: Actor, query?: JobsQuery): Promise<Page<JobRecord>>;
  get(actor: Actor, id: string): Promise<JobRecord>;
  logs(actor: Actor, id: string, options?: { after?: number; limit?: number }): Promise<JobLogPage>;
  cancel(actor: Actor, id: string): Promise<JobRecord>;
}

export function createJobsService(deps: {
  queue: JobQueue;
  access: AppAccess;
  audit?: JobsAudit;
}): JobsService {
  const { queue, access } = deps;

  /** The job if the actor may see it; JOB_NOT_FOUND otherwise. */
  async function visible(actor: Actor, id: string): Promise<JobRecord> {
    const job = await queue.get(id);
    if (JOB_OVERSEERS.includes(actor.role)) return job;
    if (job.appCode === null) throw new BerthError('JOB_NOT_FOUND');
    await hideAppErrors(() => access.authorize(actor, 'app.read', job.appCode!));
    return job;
  }

  return {
    async list(actor, query = {}) {
      let appCodes: JobListFilter['appCodes'];
      if (query.app !== undefined) {
        await access.authorize(actor, 'app.read', query.app);
        appCodes = [query.app];
      } else if (JOB_OVERSEERS.includes(actor.role)) {
        appCodes = 'all';
      } else {
        const readable = await access.readableCodes(actor);
        appCodes = readable === 'all' ? [] : readable;
      }
      return queue.list({
        status: query.status,
        kind: query.kind,
        appCodes,
        limit: query.limit,
        cursor: query.cursor,
      });
    },

    get: visible,

    async logs(actor, id, options = {}) {
      await visible(actor, id);
      return queue.logs(id, { afterSeq: options.after, limit: options.limit });
    },

    async cancel(actor, id) {
      const job = await visible(actor, id);
      if (!JOB_CANCELLERS.includes(actor.role)) {
        if (actor.role !== 'developer' || job.appCode === null) throw new BerthError('FORBIDDEN');
        await hideAppErrors(() => access.authorize(actor, 'operate', job.appCode!));
      }
      return queue.cancel(id, {
        inTransaction: async (tx, cancelled) => {
          await deps.audit?.record(tx, {
            actor,
            action: 'job.cancel',
            targetType: 'job',
            targetId: id,
            detail: { kind: cancelled.kind, appCode: cancelled.appCode, status: cancelled.status },
          });
        },
      });
    },
  };
}

/** An app the actor may not see makes its jobs invisible too. */
async function hideAppErrors(check: () => Promise<unknown>): Promise<void> {
  try {
    await check();
  } catch (err) {
    if (isBerthError(err, 'APP_NOT_FOUND')) throw new BerthError('JOB_NOT_FOUND');
    throw err;
  }
}
