// Existing deploys migrate to their own lifecycle without loss: each keeps its row, with its job's
// status and finish time as its own; a deploy whose job is gone ends failed; job_id may be null after.
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.ts';
import { ALL_MIGRATIONS } from '../../src/migrations.ts';
import type { MigrationSet } from '../../src/store/migrate.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/databases.ts';

const LIFECYCLE = '2026120602_engine_deploy_lifecycle';

/** Every migration up to (not including) the lifecycle one. */
function before(): MigrationSet[] {
  return ALL_MIGRATIONS.map((set) =>
    Object.fromEntries(Object.entries(set).filter(([name]) => name < LIFECYCLE)),
  );
}

describe.each(testDialects())('deploy lifecycle migration on %s', (dialect) => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    store = openStore(db.config);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('gives every deploy the status of its job, keeps its fields, and allows deploys without a job', async () => {
    await migrateToLatest(store, before(), silentLogger());
    // biome-ignore lint/suspicious/noExplicitAny: the schema as it was before the migration
    const old = store.db as unknown as Kysely<any>;
    const job = (id: string, status: string, finished: number | null) => ({
      id,
      kind: 'deploy',
      app_code: 'old',
      job_key: 'deploy:old:stag',
      payload: '{}',
      state: null,
      result: null,
      error: status === 'failed' ? 'it broke' : null,
      error_code: status === 'failed' ? 'HEALTH_CHECK_FAILED' : null,
      status,
      attempts: 1,
      max_attempts: 3,
      run_at: 1000,
      lease_owner: null,
      lease_expires_at: null,
      cancel_requested: 0,
      created_at: 1000,
      started_at: 1100,
      finished_at: finished,
      updated_at: finished ?? 1100,
    });
    await old
      .insertInto('jobs')
      .values([job('job_a', 'succeeded', 2000), job('job_b', 'failed', 3000), job('job_c', 'running', null)])
      .execute();
    const deploy = (id: string, jobId: string, kind: string, at: number) => ({
      id,
      app_code: 'old',
      env: 'stag',
      kind,
      job_id: jobId,
      release_version: kind === 'build' ? 1 : null,
      params: kind === 'restart' ? '{"reason":"secret_rotated"}' : '{}',
      description: kind === 'build' ? 'first' : null,
      created_by: 'admin',
      created_at: at,
    });
    await old
      .insertInto('deploys')
      .values([
        deploy('dep_a', 'job_a', 'build', 1000),
        deploy('dep_b', 'job_b', 'build', 1001),
        deploy('dep_c', 'job_c', 'restart', 1002),
        deploy('dep_d', 'job_gone', 'stop', 1003),
      ])
      .execute();

    const applied = await migrateToLatest(store, [...ALL_MIGRATIONS], silentLogger());
    expect(applied).toContain(LIFECYCLE);
    const rows = await store.db.selectFrom('deploys').selectAll().orderBy('id').execute();
    expect(
      rows.map((r) => ({
        id: r.id,
        status: r.status,
        job: r.job_id,
        kind: r.kind,
        release: r.release_version === null ? null : Number(r.release_version),
        description: r.description,
        params: r.params,
        finished: r.finished_at === null ? null : Number(r.finished_at),
        requested: Number(r.requested),
        createdAt: Number(r.created_at),
      })),
    ).toEqual([
      {
        id: 'dep_a',
        status: 'succeeded',
        job: 'job_a',
        kind: 'build',
        release: 1,
        description: 'first',
        params: '{}',
        finished: 2000,
        requested: 0,
        createdAt: 1000,
      },
      {
        id: 'dep_b',
        status: 'failed',
        job: 'job_b',
        kind: 'build',
        release: 1,
        description: 'first',
        params: '{}',
        finished: 3000,
        requested: 0,
        createdAt: 1001,
      },
      {
        id: 'dep_c',
        status: 'running',
        job: 'job_c',
        kind: 'restart',
        release: null,
        description: null,
        params: '{"reason":"secret_rotated"}',
        finished: null,
        requested: 0,
        createdAt: 1002,
      },
      {
        id: 'dep_d',
        status: 'failed',
        job: 'job_gone',
        kind: 'stop',
        release: null,
        description: null,
        params: '{}',
        finished: null,
        requested: 0,
        createdAt: 1003,
      },
    ]);
    // A request has no job until it is approved.
    await store.db
      .insertInto('deploys')
      .values({
        id: 'dep_req',
        app_code: 'old',
        env: 'prod',
        kind: 'promote',
        status: 'requested',
        job_id: null,
        release_version: null,
        params: '{"version":1}',
        description: 'please',
        created_by: 'dev',
        created_at: 5000,
        requested: 1,
      })
      .execute();
    expect(
      (await store.db.selectFrom('deploys').select('job_id').where('id', '=', 'dep_req').executeTakeFirst())
        ?.job_id,
    ).toBeNull();
  });
});
