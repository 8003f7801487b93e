// The apps module's tables. Child rows are deleted explicitly with their app (one transaction); the
// foreign keys only guard against orphans.
import type { Kysely } from 'kysely';
import { caseSensitiveTables, columnTypes, dialectOf } from '../store/dialect.ts';
import type { MigrationSet } from '../store/migrate.ts';

export const appsMigrations: MigrationSet = {
  '2026112310_apps_init': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time
    async up(db: Kysely<any>) {
      const dialect = dialectOf(db);
      const t = columnTypes(dialect);
      // Names compare case-sensitively on MySQL too (`Foo` and `FOO` are two config vars).
      const options = caseSensitiveTables(dialect);

      await db.schema
        .createTable('apps')
        .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('code', 'varchar(30)', (c) => c.notNull())
        .addColumn('name', 'varchar(64)', (c) => c.notNull())
        .addColumn('description', t.longText, (c) => c.notNull())
        .addColumn('logo_url', t.longText)
        .addColumn('secret_sealed', t.longText, (c) => c.notNull())
        .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .addUniqueConstraint('apps_code_key', ['code'])
        .modifyEnd(options)
        .execute();

      await db.schema
        .createTable('app_members')
        .addColumn('app_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('added_at', t.bigint, (c) => c.notNull())
        .addColumn('added_by', 'varchar(64)', (c) => c.notNull())
        .addPrimaryKeyConstraint('app_members_pkey', ['app_id', 'user_id'])
        .addForeignKeyConstraint('app_members_app_fk', ['app_id'], 'apps', ['id'])
        .modifyEnd(options)
        .execute();
      await db.schema.createIndex('app_members_user_idx').on('app_members').column('user_id').execute();

      await db.schema
        .createTable('app_envs')
        .addColumn('app_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('name', 'varchar(8)', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('config_version', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('config_updated_at', t.bigint)
        .addPrimaryKeyConstraint('app_envs_pkey', ['app_id', 'name'])
        .addForeignKeyConstraint('app_envs_app_fk', ['app_id'], 'apps', ['id'])
        .modifyEnd(options)
        .execute();

      await db.schema
        .createTable('app_config_vars')
        .addColumn('app_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('env', 'varchar(8)', (c) => c.notNull())
        .addColumn('name', 'varchar(128)', (c) => c.notNull())
        .addColumn('value', t.longText, (c) => c.notNull())
        .addColumn('secret', 'integer', (c) => c.notNull())
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .addColumn('updated_by', 'varchar(64)', (c) => c.notNull())
        .addPrimaryKeyConstraint('app_config_vars_pkey', ['app_id', 'env', 'name'])
        .addForeignKeyConstraint('app_config_vars_env_fk', ['app_id', 'env'], 'app_envs', ['app_id', 'name'])
        .modifyEnd(options)
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time
    async down(db: Kysely<any>) {
      await db.schema.dropTable('app_config_vars').execute();
      await db.schema.dropTable('app_envs').execute();
      await db.schema.dropTable('app_members').execute();
      await db.schema.dropTable('apps').execute();
    },
  },
  '2026120420_apps_max_instances': {
    // The app's instance ceiling set by an admin; null: the platform default (limits-service.ts).
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time
    async up(db: Kysely<any>) {
      await db.schema.alterTable('apps').addColumn('max_instances', 'integer').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time
    async down(db: Kysely<any>) {
      await db.schema.alterTable('apps').dropColumn('max_instances').execute();
    },
  },
  '2026120601_apps_env_policy': {
    // Each environment's policy (apps/permissions.ts) as JSON; null: the defaults.
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time
    async up(db: Kysely<any>) {
      await db.schema.alterTable('app_envs').addColumn('policy', 'text').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time
    async down(db: Kysely<any>) {
      await db.schema.alterTable('app_envs').dropColumn('policy').execute();
    },
  },
  '2026121010_apps_placement': {
    // The app's placement constraints (placement-service.ts) as a JSON array; null: none.
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time
    async up(db: Kysely<any>) {
      await db.schema.alterTable('apps').addColumn('placement', 'text').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time
    async down(db: Kysely<any>) {
      await db.schema.alterTable('apps').dropColumn('placement').execute();
    },
  },
};
