// The tenants module's tables: the installation row and the host identities.
import type { Kysely } from 'kysely';
import { columnTypes, dialectOf } from '../store/dialect.ts';
import type { MigrationSet } from '../store/migrate.ts';

export const tenantsMigrations: MigrationSet = {
  '2026120401_tenants_init': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));
      await db.schema
        .createTable('installation')
        .addColumn('id', 'varchar(16)', (c) => c.primaryKey())
        .addColumn('code', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('host_identities')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('app_code', 'varchar(64)')
        .addColumn('env', 'varchar(16)')
        .addColumn('uid', 'integer', (c) => c.notNull().unique())
        .addColumn('name', 'varchar(32)', (c) => c.notNull().unique())
        .addColumn('active_slot', 'varchar(128)', (c) => c.unique())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addColumn('retired_at', types.bigint)
        .execute();
      await db.schema
        .createIndex('host_identities_app_idx')
        .on('host_identities')
        .columns(['app_code', 'status'])
        .execute();
    },
  },
};
