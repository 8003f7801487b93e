// The jobs module's tables: the queue itself, per-job log lines, one-at-a-time key locks and the
// runs of scheduled (periodic) work.
import type { Kysely } from 'kysely';
import { columnTypes, dialectOf } from '../store/dialect.ts';
import type { MigrationSet } from '../store/migrate.ts';

export const jobsMigrations: MigrationSet = {
  '2026112401_jobs_init': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));

      await db.schema
        .createTable('jobs')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('kind', 'varchar(100)', (c) => c.notNull())
        .addColumn('app_code', 'varchar(64)')
        .addColumn('job_key', 'varchar(255)')
        .addColumn('payload', types.longText, (c) => c.notNull())
        .addColumn('state', types.longText)
        .addColumn('result', types.longText)
        .addColumn('error', 'text')
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('run_at', types.bigint, (c) => c.notNull())
        .addColumn('lease_owner', 'varchar(128)')
        .addColumn('lease_expires_at', types.bigint)
        .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('log_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addColumn('started_at', types.bigint)
        .addColumn('finished_at', types.bigint)
        .addColumn('updated_at', types.bigint, (c) => c.notNull())
        .execute();
      // Leasing: queued jobs due now; reaping: running jobs whose lease expired.
      await db.schema
        .createIndex('jobs_status_run_at_idx')
        .on('jobs')
        .columns(['status', 'run_at'])
        .execute();
      await db.schema
        .createIndex('jobs_status_lease_idx')
        .on('jobs')
        .columns(['status', 'lease_expires_at'])
        .execute();
      // One-at-a-time keys: the earliest unfinished job of a key.
      await db.schema
        .createIndex('jobs_key_idx')
        .on('jobs')
        .columns(['job_key', 'status', 'created_at'])
        .execute();
      // Listing, newest first, optionally per app or kind.
      await db.schema.createIndex('jobs_created_idx').on('jobs').columns(['created_at', 'id']).execute();
      await db.schema.createIndex('jobs_app_idx').on('jobs').columns(['app_code', 'created_at']).execute();
      await db.schema.createIndex('jobs_kind_idx').on('jobs').columns(['kind', 'created_at']).execute();

      await db.schema
        .createTable('job_logs')
        .addColumn('job_id', 'varchar(64)', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('at', types.bigint, (c) => c.notNull())
        .addColumn('level', 'varchar(8)', (c) => c.notNull())
        .addColumn('line', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('job_logs_pk', ['job_id', 'seq'])
        .execute();

      await db.schema
        .createTable('job_locks')
        .addColumn('lock_key', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('job_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('acquired_at', types.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('job_locks_job_idx').on('job_locks').column('job_id').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async down(db: Kysely<any>) {
      for (const table of ['job_locks', 'job_logs', 'jobs']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  },
  '2026120420_jobs_error_code': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      await db.schema.alterTable('jobs').addColumn('error_code', 'varchar(64)').execute();
      // Rows that failed before codes were kept: the lost-worker message had its own wording; the
      // rest get the generic code of a failed deploy (kind `deploy`) or job.
      await db
        .updateTable('jobs')
        .set({ error_code: 'JOB_WORKER_LOST' })
        .where('error', '=', 'worker lost (lease expired)')
        .execute();
      await db
        .updateTable('jobs')
        .set({ error_code: 'DEPLOY_FAILED' })
        .where('error', 'is not', null)
        .where('error_code', 'is', null)
        .where('kind', '=', 'deploy')
        .execute();
      await db
        .updateTable('jobs')
        .set({ error_code: 'JOB_FAILED' })
        .where('error', 'is not', null)
        .where('error_code', 'is', null)
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async down(db: Kysely<any>) {
      await db.schema.alterTable('jobs').dropColumn('error_code').execute();
    },
  },
  '2026121001_jobs_schedule_runs': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));
      await db.schema
        .createTable('schedule_runs')
        .addColumn('schedule', 'varchar(100)', (c) => c.notNull())
        .addColumn('period_start', types.bigint, (c) => c.notNull())
        .addColumn('owner', 'varchar(128)', (c) => c.notNull())
        .addColumn('lease_expires_at', types.bigint, (c) => c.notNull())
        .addColumn('started_at', types.bigint, (c) => c.notNull())
        .addColumn('finished_at', types.bigint)
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('handed_over_from', 'varchar(128)')
        .addPrimaryKeyConstraint('schedule_runs_pk', ['schedule', 'period_start'])
        .execute();
      // Take-overs: running periods whose lease ran out.
      await db.schema
        .createIndex('schedule_runs_status_lease_idx')
        .on('schedule_runs')
        .columns(['status', 'lease_expires_at'])
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async down(db: Kysely<any>) {
      await db.schema.dropTable('schedule_runs').ifExists().execute();
    },
  },
  '2026121206_jobs_runs_on': {
    // Jobs bound to the replica whose data dir holds their input (lease-jobs.ts).
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      await db.schema.alterTable('jobs').addColumn('runs_on', 'varchar(128)').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async down(db: Kysely<any>) {
      await db.schema.alterTable('jobs').dropColumn('runs_on').execute();
    },
  },
};
