// The deploy engine's tables: releases, deploy requests, each environment's desired state, and the
// instances it started (whose logs stay readable after they stopped).
import type { Kysely } from 'kysely';
import { columnTypes, dialectOf } from '../store/dialect.ts';
import type { MigrationSet } from '../store/migrate.ts';

export const engineMigrations: MigrationSet = {
  '2026112501_engine_init': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));

      await db.schema
        .createTable('releases')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('app_code', 'varchar(64)', (c) => c.notNull())
        .addColumn('env', 'varchar(16)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('source', 'varchar(16)', (c) => c.notNull())
        .addColumn('out_dir', 'text')
        .addColumn('artifact_dir', 'text')
        .addColumn('build', types.longText)
        .addColumn('config_sealed', types.longText)
        .addColumn('pruned', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('description', 'text')
        .addColumn('created_by', 'varchar(255)', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addUniqueConstraint('releases_app_env_version_uq', ['app_code', 'env', 'version'])
        .execute();

      await db.schema
        .createTable('deploys')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('app_code', 'varchar(64)', (c) => c.notNull())
        .addColumn('env', 'varchar(16)', (c) => c.notNull())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('job_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('release_version', 'integer')
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_by', 'varchar(255)', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('deploys_app_env_idx')
        .on('deploys')
        .columns(['app_code', 'env', 'created_at'])
        .execute();

      await db.schema
        .createTable('env_states')
        .addColumn('app_code', 'varchar(64)', (c) => c.notNull())
        .addColumn('env', 'varchar(16)', (c) => c.notNull())
        .addColumn('release_version', 'integer')
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('formation', 'text', (c) => c.notNull())
        .addColumn('instances', 'text', (c) => c.notNull())
        .addColumn('updated_at', types.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('env_states_pk', ['app_code', 'env'])
        .execute();
    },
  },
  '2026120411_engine_instance_history': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));
      await db.schema
        .createTable('instance_history')
        .addColumn('id', 'varchar(160)', (c) => c.primaryKey())
        .addColumn('app_code', 'varchar(64)', (c) => c.notNull())
        .addColumn('env', 'varchar(16)', (c) => c.notNull())
        .addColumn('process_type', 'varchar(64)', (c) => c.notNull())
        .addColumn('release_version', 'integer', (c) => c.notNull())
        .addColumn('started_at', types.bigint, (c) => c.notNull())
        .addColumn('stopped_at', types.bigint)
        .execute();
      await db.schema
        .createIndex('instance_history_app_env_idx')
        .on('instance_history')
        .columns(['app_code', 'env', 'started_at'])
        .execute();
    },
  },
  '2026120421_engine_idempotency_keys': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('idem_key', 'varchar(255)', (c) => c.notNull())
        .addColumn('fingerprint', 'varchar(64)', (c) => c.notNull())
        .addColumn('deploy_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['user_id', 'idem_key'])
        .execute();
      await db.schema
        .createIndex('idempotency_keys_created_idx')
        .on('idempotency_keys')
        .column('created_at')
        .execute();
    },
  },
  '2026120501_engine_release_from_version': {
    // Releases made from another release (rollback, promote) name it in a column instead of an
    // English sentence in `description`, so that every client can say it in its own language.
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      await db.schema.alterTable('releases').addColumn('from_version', 'integer').execute();
    },
  },
  '2026120602_engine_deploy_lifecycle': {
    // Deploys get a lifecycle of their own (deploy-lifecycle.ts): a status column instead of their
    // job's, and what approval needs (the job exists only once the deploy is queued, so job_id may be
    // null). The table is rebuilt on every dialect (SQLite cannot drop NOT NULL); each deploy keeps
    // its row, with its job's status and finish time as its own.
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));
      await db.schema
        .createTable('deploys_v2')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('app_code', 'varchar(64)', (c) => c.notNull())
        .addColumn('env', 'varchar(16)', (c) => c.notNull())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('job_id', 'varchar(64)')
        .addColumn('release_version', 'integer')
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_by', 'varchar(255)', (c) => c.notNull())
        .addColumn('created_by_id', 'varchar(64)')
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addColumn('requested', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('not_before', types.bigint)
        .addColumn('not_after', types.bigint)
        .addColumn('decided_by', 'varchar(255)')
        .addColumn('decided_at', types.bigint)
        .addColumn('decision_reason', 'text')
        .addColumn('emergency_reason', 'text')
        .addColumn('error_code', 'varchar(64)')
        .addColumn('error', 'text')
        .addColumn('finished_at', types.bigint)
        .addColumn('updated_at', types.bigint)
        .execute();
      await db
        .insertInto('deploys_v2')
        .columns([
          'id',
          'app_code',
          'env',
          'kind',
          'status',
          'job_id',
          'release_version',
          'params',
          'description',
          'created_by',
          'created_at',
          'finished_at',
          'updated_at',
        ])
        .expression(
          db
            .selectFrom('deploys as d')
            .leftJoin('jobs as j', 'j.id', 'd.job_id')
            .select((s) => [
              'd.id',
              'd.app_code',
              'd.env',
              'd.kind',
              s.fn.coalesce('j.status', s.val('failed')).as('status'),
              'd.job_id',
              'd.release_version',
              'd.params',
              'd.description',
              'd.created_by',
              'd.created_at',
              'j.finished_at',
              s.fn.coalesce('j.updated_at', 'd.created_at').as('updated_at'),
            ]),
        )
        .execute();
      await db.schema.dropTable('deploys').execute();
      await db.schema.alterTable('deploys_v2').renameTo('deploys').execute();
      await db.schema
        .createIndex('deploys_app_env_idx')
        .on('deploys')
        .columns(['app_code', 'env', 'created_at'])
        .execute();
      await db.schema
        .createIndex('deploys_status_idx')
        .on('deploys')
        .columns(['status', 'not_before'])
        .execute();
      await db.schema.createIndex('deploys_job_idx').on('deploys').column('job_id').execute();
    },
  },
  '2026120701_engine_builds': {
    // Builds are their own records, keyed by what they built (a package digest, a commit, an image),
    // so that deploying the same source again reuses the artifact; releases and deploys say where
    // their code came from.
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));
      await db.schema
        .createTable('builds')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('app_code', 'varchar(64)', (c) => c.notNull())
        .addColumn('env', 'varchar(16)', (c) => c.notNull())
        .addColumn('source_key', 'varchar(255)', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('deploy_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('release_version', 'integer')
        .addColumn('out_dir', 'text')
        .addColumn('artifact_dir', 'text')
        .addColumn('build', types.longText)
        .addColumn('reused', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addColumn('finished_at', types.bigint)
        .execute();
      await db.schema
        .createIndex('builds_app_key_idx')
        .on('builds')
        .columns(['app_code', 'source_key', 'status'])
        .execute();
      await db.schema.createIndex('builds_deploy_idx').on('builds').column('deploy_id').execute();
      await db.schema.alterTable('releases').addColumn('origin', 'text').execute();
      await db.schema.alterTable('releases').addColumn('build_id', 'varchar(64)').execute();
      await db.schema.alterTable('deploys').addColumn('origin', 'text').execute();
      await db.schema.alterTable('deploys').addColumn('build_id', 'varchar(64)').execute();
      await db.schema.alterTable('deploys').addColumn('trigger_ref', 'varchar(300)').execute();
    },
  },
  '2026121203_engine_crashloop_notice': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));
      await db.schema
        .alterTable('instance_history')
        .addColumn('crashloop_noticed_at', types.bigint)
        .execute();
    },
  },
  '2026121204_engine_release_image_ref': {
    // On runtimes that run releases from images (Swarm), the reference by digest a release's image was
    // published as, recorded the first time it is: every later launch, on any berthd replica, runs it
    // as it is instead of baking the artifact tree (which only the replica that built it has) again.
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      await db.schema.alterTable('releases').addColumn('image_ref', 'text').execute();
    },
  },
  '2026121205_engine_route_generations': {
    // Route tables across replicas (route-peers.ts): the store's route generation, and the one each
    // replica serves with its heartbeat.
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));
      await db.schema
        .createTable('route_generation')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('generation', types.bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('route_replicas')
        .addColumn('replica', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('generation', types.bigint, (c) => c.notNull())
        .addColumn('seen_at', types.bigint, (c) => c.notNull())
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async down(db: Kysely<any>) {
      await db.schema.dropTable('route_replicas').ifExists().execute();
      await db.schema.dropTable('route_generation').ifExists().execute();
    },
  },
};
