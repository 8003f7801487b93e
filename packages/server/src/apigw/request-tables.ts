// The API gateway's permission requests table: an app's request for a grant, its decision, and the
// grant an approval wrote. `open_key` is set (app, system, component) while the request is open and
// null once decided, under a unique index: at most one open request per app and target, on every
// dialect (NULLs are distinct in unique indexes on SQLite, PostgreSQL and MariaDB), even when two
// replicas file at once. Times are epoch milliseconds.
import type { Kysely, Selectable } from 'kysely';
import { caseSensitiveTables, columnTypes, dialectOf } from '../store/dialect.ts';
import type { MigrationSet } from '../store/migrate.ts';

export interface ApigwPermissionRequestsTable {
  id: string;
  app_code: string;
  system_name: string;
  /** '' asks for the whole system. */
  component_name: string;
  /** The grant's expiry asked for; null: none. */
  expires_at: number | null;
  reason: string;
  /** requested | approved | refused | withdrawn */
  status: string;
  /** `app\nsystem\ncomponent` while requested, null after. */
  open_key: string | null;
  requested_by: string;
  /** The requester's user id (null for a token without a user: never, today). */
  requested_by_id: string | null;
  created_at: number;
  decided_by: string | null;
  decided_at: number | null;
  decision_reason: string | null;
  grant_id: string | null;
}

export interface ApigwRequestTables {
  apigw_permission_requests: ApigwPermissionRequestsTable;
}
export type ApigwPermissionRequestRow = Selectable<ApigwPermissionRequestsTable>;

export const apigwRequestMigrations: MigrationSet = {
  '2026121341_apigw_permission_requests': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const dialect = dialectOf(db);
      const types = columnTypes(dialect);
      await db.schema
        .createTable('apigw_permission_requests')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('app_code', 'varchar(64)', (c) => c.notNull())
        .addColumn('system_name', 'varchar(64)', (c) => c.notNull())
        .addColumn('component_name', 'varchar(128)', (c) => c.notNull())
        .addColumn('expires_at', types.bigint)
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('open_key', 'varchar(260)')
        .addColumn('requested_by', 'varchar(255)', (c) => c.notNull())
        .addColumn('requested_by_id', 'varchar(64)')
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addColumn('decided_by', 'varchar(255)')
        .addColumn('decided_at', types.bigint)
        .addColumn('decision_reason', 'text')
        .addColumn('grant_id', 'varchar(64)')
        .modifyEnd(caseSensitiveTables(dialect))
        .execute();
      await db.schema
        .createIndex('apigw_permission_requests_open')
        .on('apigw_permission_requests')
        .column('open_key')
        .unique()
        .execute();
      await db.schema
        .createIndex('apigw_permission_requests_app')
        .on('apigw_permission_requests')
        .columns(['app_code', 'created_at'])
        .execute();
      await db.schema
        .createIndex('apigw_permission_requests_system')
        .on('apigw_permission_requests')
        .columns(['system_name', 'created_at'])
        .execute();
    },
  },
};
