// The engine's rows: releases, deploys and environment states, read and written the same way on
// SQLite, PostgreSQL and MySQL (versions are allocated in code, retried on a duplicate).
import type { Kysely, Transaction } from 'kysely';
import { newId } from '../crypto/tokens.ts';
import { BerthError } from '../errors.ts';
import { isUniqueViolation } from '../store/dialect.ts';
import type { Database } from '../store/schema.ts';
import type { DeployRow, EnvStateRow, ReleaseRow, ReleasesTable } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface EnvState {
  app: string;
  env: string;
  release: number | null;
  status: 'running' | 'stopped';
  formation: Record<string, number>;
  instances: string[];
}

export function toEnvState(row: EnvStateRow): EnvState {
  return {
    app: row.app_code,
    env: row.env,
    release: row.release_version === null ? null : Number(row.release_version),
    status: row.status === 'stopped' ? 'stopped' : 'running',
    formation: JSON.parse(row.formation) as Record<string, number>,
    instances: JSON.parse(row.instances) as string[],
  };
}

export async function readEnvState(db: Db, app: string, env: string): Promise<EnvState> {
  const row = await db
    .selectFrom('env_states')
    .selectAll()
    .where('app_code', '=', app)
    .where('env', '=', env)
    .executeTakeFirst();
  if (row) return toEnvState(row);
  return { app, env, release: null, status: 'running', formation: {}, instances: [] };
}

/** The current release of every environment of `codes` that has one (one query). */
export async function currentVersions(
  db: Db,
  codes: readonly string[],
): Promise<Array<{ app: string; env: string; version: number }>> {
  if (codes.length === 0) return [];
  const rows = await db
    .selectFrom('env_states')
    .select(['app_code', 'env', 'release_version'])
    .where('app_code', 'in', [...codes])
    .where('release_version', 'is not', null)
    .execute();
  return rows.map((r) => ({ app: r.app_code, env: r.env, version: Number(r.release_version) }));
}

/** Creates the env's state row when missing, then applies `patch`. */
export async function writeEnvState(
  db: Db,
  app: string,
  env: string,
  patch: Partial<Pick<EnvState, 'release' | 'status' | 'formation' | 'instances'>>,
): Promise<void> {
  const now = Date.now();
  const values: Record<string, unknown> = { updated_at: now };
  if (patch.release !== undefined) values['release_version'] = patch.release;
  if (patch.status !== undefined) values['status'] = patch.status;
  if (patch.formation !== undefined) values['formation'] = JSON.stringify(patch.formation);
  if (patch.instances !== undefined) values['instances'] = JSON.stringify(patch.instances);
  for (let attempt = 0; attempt < 3; attempt++) {
    const updated = await db
      .updateTable('env_states')
      .set(values)
      .where('app_code', '=', app)
      .where('env', '=', env)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return;
    try {
      await db
        .insertInto('env_states')
        .values({
          app_code: app,
          env,
          release_version: patch.release ?? null,
          status: patch.status ?? 'running',
          formation: JSON.stringify(patch.formation ?? {}),
          instances: JSON.stringify(patch.instances ?? []),
          updated_at: now,
        })
        .execute();
      return;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }
  throw new Error(`cannot write the state of ${app}/${env}`);
}

export async function findRelease(db: Db, app: string, env: string, version: number): Promise<ReleaseRow> {
  const row = await db
    .selectFrom('releases')
    .selectAll()
    .where('app_code', '=', app)
    .where('env', '=', env)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row || row.status === 'building') throw new BerthError('RELEASE_NOT_FOUND');
  return row;
}

/** Allocates the env's next version with a row in status `building` (hidden from the API), with no
 *  image yet (release-image.ts records it when the release is first launched). */
export async function reserveRelease(
  db: Kysely<Database>,
  fields: Omit<ReleasesTable, 'id' | 'version' | 'status' | 'pruned' | 'created_at' | 'image_ref'>,
): Promise<ReleaseRow> {
  for (let attempt = 0; ; attempt++) {
    const top = await db
      .selectFrom('releases')
      .select((eb) => eb.fn.max('version').as('top'))
      .where('app_code', '=', fields.app_code)
      .where('env', '=', fields.env)
      .executeTakeFirst();
    const row: ReleaseRow = {
      ...fields,
      id: newId('rel'),
      version: Number(top?.top ?? 0) + 1,
      status: 'building',
      pruned: 0,
      image_ref: null,
      created_at: Date.now(),
    };
    try {
      await db.insertInto('releases').values(row).execute();
      return row;
    } catch (err) {
      if (!isUniqueViolation(err) || attempt >= 20) throw err;
    }
  }
}

export async function findDeploy(db: Db, id: string): Promise<DeployRow | undefined> {
  return db.selectFrom('deploys').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The newest ready release of the env before `current` (what a rollback goes back to by default);
 *  RELEASE_NOT_FOUND when there is none. */
export async function releaseBefore(db: Db, app: string, env: string, current: number): Promise<number> {
  const before = await db
    .selectFrom('releases')
    .select('version')
    .where('app_code', '=', app)
    .where('env', '=', env)
    .where('status', '=', 'ready')
    .where('version', '<', current)
    .orderBy('version', 'desc')
    .executeTakeFirst();
  if (!before) throw new BerthError('RELEASE_NOT_FOUND', 'There is no release before the current one');
  return Number(before.version);
}

/** Checks that a release can be deployed again (rollback, promote): built, and not pruned. */
export function assertRedeployable(release: ReleaseRow): void {
  if (release.status !== 'ready' && release.status !== 'failed') throw new BerthError('RELEASE_NOT_FOUND');
  if (!release.build || !release.artifact_dir) {
    throw new BerthError('RELEASE_NOT_FOUND', 'That release never finished building');
  }
  if (Number(release.pruned) === 1) throw new BerthError('RELEASE_PRUNED');
}
