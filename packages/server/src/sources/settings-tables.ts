// The sources module's table: each app's source settings (one row, made on first change; an app
// without one has the defaults: the hosted repository, `main` deploys to stag, tags only stored).
import type { Kysely, Selectable } from 'kysely';
import { columnTypes, dialectOf } from '../store/dialect.ts';
import type { MigrationSet } from '../store/migrate.ts';

export interface AppSourcesTable {
  app_code: string;
  /** hosted | external: the repository `deploy --ref` and webhooks use by default. */
  repository: string;
  external_url: string | null;
  /** none | token | ssh */
  external_auth: string | null;
  external_username: string | null;
  /** The HTTPS token or SSH private key, sealed with the context `source:{code}`. */
  external_secret: string | null;
  /** SSH: pinned host keys (known_hosts lines). */
  known_hosts: string | null;
  branch: string;
  /** stag | prod | null (a push of the branch only stores). */
  branch_env: string | null;
  tag_env: string | null;
  /** The pinned berth.yaml text and the JSON list of pinned fields. */
  pin_manifest: string | null;
  pin_fields: string | null;
  pinned_by: string | null;
  pinned_at: number | null;
  updated_at: number;
}

export interface SourcesTables {
  app_sources: AppSourcesTable;
}
export type AppSourceRow = Selectable<AppSourcesTable>;

export const sourcesMigrations: MigrationSet = {
  '2026120702_sources_settings': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));
      await db.schema
        .createTable('app_sources')
        .addColumn('app_code', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('repository', 'varchar(16)', (c) => c.notNull())
        .addColumn('external_url', 'text')
        .addColumn('external_auth', 'varchar(16)')
        .addColumn('external_username', 'varchar(128)')
        .addColumn('external_secret', types.longText)
        .addColumn('known_hosts', 'text')
        .addColumn('branch', 'varchar(255)', (c) => c.notNull())
        .addColumn('branch_env', 'varchar(16)')
        .addColumn('tag_env', 'varchar(16)')
        .addColumn('pin_manifest', 'text')
        .addColumn('pin_fields', 'text')
        .addColumn('pinned_by', 'varchar(255)')
        .addColumn('pinned_at', types.bigint)
        .addColumn('updated_at', types.bigint, (c) => c.notNull())
        .execute();
    },
  },
};
