// Reading deploys as the API shows them: the deploy row with its job's times and error.

import type { Deploy } from '@berth/sdk';
import type { Kysely, Transaction } from 'kysely';
import { BerthError } from '../errors.ts';
import { newestFirst } from '../store/keyset.ts';
import type { Database } from '../store/schema.ts';
import { type DeployJoined, toDeploy } from './views.ts';

type Db = Kysely<Database> | Transaction<Database>;

export const DEPLOY_KEYSET = newestFirst<{ created_at: number | string; id: string }>(
  'deploys',
  { time: 'deploys.created_at', id: 'deploys.id' },
  (r) => [r.created_at, r.id],
);

export function deploysQuery(from: Db) {
  return from
    .selectFrom('deploys')
    .leftJoin('jobs', 'jobs.id', 'deploys.job_id')
    .selectAll('deploys')
    .select([
      'jobs.status as job_status',
      'jobs.error as job_error',
      'jobs.error_code as job_error_code',
      'jobs.started_at as job_started_at',
      'jobs.finished_at as job_finished_at',
    ]);
}

/** Throws DEPLOY_NOT_FOUND. */
export async function loadDeploy(from: Db, id: string): Promise<Deploy> {
  const row = await deploysQuery(from).where('deploys.id', '=', id).executeTakeFirst();
  if (!row) throw new BerthError('DEPLOY_NOT_FOUND');
  return toDeploy(row as DeployJoined);
}
