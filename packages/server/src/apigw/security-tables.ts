// The API gateway's security tables: the nonces of signed calls (replay protection across replicas),
// grants (which calling app may call which system or component, until when), trusted apps (may name
// a user without a session), the version counter that tells every replica's cache that grants or
// trusted apps changed, and the shared rate-limit buckets. Systems and components are the
// declarations' tables (apigw/tables.ts): these refer to them by name, not by foreign key, so a grant
// may be made before its system is declared and outlives a system removed and declared again.
// Times are epoch milliseconds.
import type { Kysely, Selectable } from 'kysely';
import { caseSensitiveTables, columnTypes, dialectOf } from '../store/dialect.ts';
import type { MigrationSet } from '../store/migrate.ts';

export interface ApigwNoncesTable {
  app_code: string;
  nonce: string;
  /** After this the nonce may be claimed again (its signature window is long past). */
  expires_at: number;
}

export interface ApigwGrantsTable {
  id: string;
  /** The calling app. */
  app_code: string;
  system_name: string;
  /** '' grants the whole system (a unique index treats NULLs as distinct on every dialect). */
  component_name: string;
  /** null: no expiry. */
  expires_at: number | null;
  granted_by: string;
  created_at: number;
}

export interface ApigwTrustedAppsTable {
  app_code: string;
  trusted_by: string;
  created_at: number;
}

/** One row per counter; `access` is raised by every change of grants or trusted apps. */
export interface ApigwSecurityVersionsTable {
  name: string;
  version: number;
}

export interface ApigwRateBucketsTable {
  /** rateBucketKey(): the calling app and the system/component. */
  bucket: string;
  /** Tokens left, in thousandths of a token. */
  tokens_milli: number;
  /** When `tokens_milli` was last refilled. */
  refilled_at: number;
  /** The limit's period; a bucket untouched for longer is full again, so its row can go. */
  period_ms: number;
}

export interface ApigwSecurityTables {
  apigw_nonces: ApigwNoncesTable;
  apigw_grants: ApigwGrantsTable;
  apigw_trusted_apps: ApigwTrustedAppsTable;
  apigw_security_versions: ApigwSecurityVersionsTable;
  apigw_rate_buckets: ApigwRateBucketsTable;
}
export type ApigwGrantRow = Selectable<ApigwGrantsTable>;

/** The counter row grants and trusted apps share. */
export const ACCESS_VERSION = 'access';

export const apigwSecurityMigrations: MigrationSet = {
  '2026121311_apigw_security': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const dialect = dialectOf(db);
      const types = columnTypes(dialect);
      // Names and nonces compare case-sensitively on MySQL too (BK_SOPS and bk_sops are two systems).
      const options = caseSensitiveTables(dialect);
      await db.schema
        .createTable('apigw_nonces')
        .addColumn('app_code', 'varchar(64)', (c) => c.notNull())
        .addColumn('nonce', 'varchar(128)', (c) => c.notNull())
        .addColumn('expires_at', types.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('apigw_nonces_pk', ['app_code', 'nonce'])
        .modifyEnd(options)
        .execute();
      await db.schema.createIndex('apigw_nonces_expiry').on('apigw_nonces').column('expires_at').execute();
      await db.schema
        .createTable('apigw_grants')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('app_code', 'varchar(64)', (c) => c.notNull())
        .addColumn('system_name', 'varchar(64)', (c) => c.notNull())
        .addColumn('component_name', 'varchar(128)', (c) => c.notNull())
        .addColumn('expires_at', types.bigint)
        .addColumn('granted_by', 'varchar(255)', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .modifyEnd(options)
        .execute();
      await db.schema
        .createIndex('apigw_grants_target')
        .on('apigw_grants')
        .columns(['app_code', 'system_name', 'component_name'])
        .unique()
        .execute();
      await db.schema.createIndex('apigw_grants_system').on('apigw_grants').column('system_name').execute();
      await db.schema
        .createTable('apigw_trusted_apps')
        .addColumn('app_code', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('trusted_by', 'varchar(255)', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .modifyEnd(options)
        .execute();
      await db.schema
        .createTable('apigw_security_versions')
        .addColumn('name', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('version', types.bigint, (c) => c.notNull())
        .modifyEnd(options)
        .execute();
      await db.insertInto('apigw_security_versions').values({ name: ACCESS_VERSION, version: 1 }).execute();
      await db.schema
        .createTable('apigw_rate_buckets')
        .addColumn('bucket', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('tokens_milli', types.bigint, (c) => c.notNull())
        .addColumn('refilled_at', types.bigint, (c) => c.notNull())
        .addColumn('period_ms', types.bigint, (c) => c.notNull())
        .modifyEnd(options)
        .execute();
      await db.schema
        .createIndex('apigw_rate_buckets_refilled')
        .on('apigw_rate_buckets')
        .column('refilled_at')
        .execute();
    },
  },
};
