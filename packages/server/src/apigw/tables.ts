// The API gateway's declaration tables: systems, their components (in their file's order,
// `position`) and one `apigw_state` row whose `version` goes up in the transaction of every change, so
// that a reader (the component directory, on any replica) knows when to read again. Times are epoch
// milliseconds, booleans 0/1 (store/dialect.ts); names compare case-sensitively on every dialect.
import type { Kysely, Selectable } from 'kysely';
import { caseSensitiveTables, columnTypes, dialectOf } from '../store/dialect.ts';
import type { MigrationSet } from '../store/migrate.ts';

export interface ApigwSystemsTable {
  name: string;
  label: string;
  owner_app: string | null;
  timeout_ms: number | null;
  docs: string | null;
  updated_at: number;
  updated_by: string;
}

export interface ApigwComponentsTable {
  system: string;
  name: string;
  /** The component's place in its system's file (0-based). */
  position: number;
  label: string;
  label_en: string | null;
  comp_codename: string | null;
  path: string;
  /** The path with every `{var}` as `{}` (model.ts pathShape): unique with the method. */
  path_shape: string;
  method: string;
  dest_app: string;
  dest_env: string;
  dest_path: string;
  dest_method: string | null;
  type: string;
  perm_level: string;
  timeout_ms: number | null;
  rate_calls: number | null;
  /** s | min | h | d */
  rate_per: string | null;
  hidden: number;
  docs: string | null;
}

export interface ApigwStateTable {
  /** Always 1. */
  id: number;
  version: number;
}

export interface ApigwTables {
  apigw_systems: ApigwSystemsTable;
  apigw_components: ApigwComponentsTable;
  apigw_state: ApigwStateTable;
}
export type ApigwSystemRow = Selectable<ApigwSystemsTable>;
export type ApigwComponentRow = Selectable<ApigwComponentsTable>;

export const apigwMigrations: MigrationSet = {
  '2026121301_apigw_systems': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const dialect = dialectOf(db);
      const types = columnTypes(dialect);
      const options = caseSensitiveTables(dialect);
      await db.schema
        .createTable('apigw_systems')
        .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('owner_app', 'varchar(30)')
        .addColumn('timeout_ms', 'integer')
        .addColumn('docs', types.longText)
        .addColumn('updated_at', types.bigint, (c) => c.notNull())
        .addColumn('updated_by', 'varchar(255)', (c) => c.notNull())
        .modifyEnd(options)
        .execute();
      await db.schema
        .createTable('apigw_components')
        .addColumn('system', 'varchar(64)', (c) => c.notNull())
        .addColumn('name', 'varchar(128)', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('label_en', 'text')
        .addColumn('comp_codename', 'varchar(255)')
        .addColumn('path', 'varchar(512)', (c) => c.notNull())
        .addColumn('path_shape', 'varchar(512)', (c) => c.notNull())
        .addColumn('method', 'varchar(8)', (c) => c.notNull())
        .addColumn('dest_app', 'varchar(30)', (c) => c.notNull())
        .addColumn('dest_env', 'varchar(8)', (c) => c.notNull())
        .addColumn('dest_path', 'text', (c) => c.notNull())
        .addColumn('dest_method', 'varchar(8)')
        .addColumn('type', 'varchar(16)', (c) => c.notNull())
        .addColumn('perm_level', 'varchar(16)', (c) => c.notNull())
        .addColumn('timeout_ms', 'integer')
        .addColumn('rate_calls', 'integer')
        .addColumn('rate_per', 'varchar(8)')
        .addColumn('hidden', 'integer', (c) => c.notNull())
        .addColumn('docs', types.longText)
        .addPrimaryKeyConstraint('apigw_components_pkey', ['system', 'name'])
        .addForeignKeyConstraint('apigw_components_system_fkey', ['system'], 'apigw_systems', ['name'])
        .addUniqueConstraint('apigw_components_route_key', ['path_shape', 'method'])
        .modifyEnd(options)
        .execute();
      await db.schema
        .createTable('apigw_state')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('version', types.bigint, (c) => c.notNull())
        .modifyEnd(options)
        .execute();
      await db.insertInto('apigw_state').values({ id: 1, version: 0 }).execute();
    },
  },
};
