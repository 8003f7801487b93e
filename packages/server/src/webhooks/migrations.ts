// The webhooks module's tables: each app's webhook secret and its delivery log.
import type { Kysely } from 'kysely';
import { columnTypes, dialectOf } from '../store/dialect.ts';
import type { MigrationSet } from '../store/migrate.ts';

export const webhooksMigrations: MigrationSet = {
  '2026120701_webhooks': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));
      await db.schema
        .createTable('webhook_secrets')
        .addColumn('app_code', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('secret_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addColumn('updated_at', types.bigint, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('app_code', 'varchar(64)', (c) => c.notNull())
        .addColumn('provider', 'varchar(16)')
        .addColumn('event', 'varchar(64)')
        .addColumn('delivery_id', 'varchar(128)')
        .addColumn('replay_key', 'varchar(160)')
        .addColumn('body_key', 'varchar(80)')
        .addColumn('body_sha256', 'varchar(64)', (c) => c.notNull())
        .addColumn('received_at', types.bigint, (c) => c.notNull())
        .addColumn('verified', 'integer', (c) => c.notNull())
        .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
        .addColumn('reason', 'varchar(512)')
        .addColumn('error_code', 'varchar(64)')
        .addColumn('ref', 'varchar(512)')
        .addColumn('commit_sha', 'varchar(64)')
        .addColumn('deploy_id', 'varchar(64)')
        .addColumn('env', 'varchar(16)')
        .addColumn('remote_address', 'varchar(64)')
        .execute();
      // A replayed delivery loses this insert, also when it arrives at the same moment as the first
      // (every dialect lets several rows hold a null key).
      await db.schema
        .createIndex('webhook_deliveries_replay_idx')
        .on('webhook_deliveries')
        .columns(['app_code', 'provider', 'replay_key'])
        .unique()
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_body_idx')
        .on('webhook_deliveries')
        .columns(['app_code', 'provider', 'body_key'])
        .unique()
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_app_idx')
        .on('webhook_deliveries')
        .columns(['app_code', 'received_at'])
        .execute();
    },
  },
};
