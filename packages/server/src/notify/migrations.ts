// The notify module's tables: channels, per-app subscriptions and the delivery history.
import type { Kysely } from 'kysely';
import { columnTypes, dialectOf } from '../store/dialect.ts';
import type { MigrationSet } from '../store/migrate.ts';

export const notifyMigrations: MigrationSet = {
  '2026120551_notify_init': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));
      await db.schema
        .createTable('notify_channels')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('language', 'varchar(8)', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('settings', types.longText, (c) => c.notNull())
        .addColumn('url_sealed', 'text')
        .addColumn('url_masked', 'varchar(512)')
        .addColumn('secret_sealed', 'text')
        .addColumn('created_by', 'varchar(255)', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addColumn('updated_at', types.bigint, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('notify_subscriptions')
        .addColumn('app_code', 'varchar(64)', (c) => c.notNull())
        .addColumn('channel_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('envs', 'text', (c) => c.notNull())
        .addColumn('created_by', 'varchar(255)', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addColumn('updated_at', types.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('notify_subscriptions_pk', ['app_code', 'channel_id'])
        .execute();
      await db.schema
        .createIndex('notify_subscriptions_channel_idx')
        .on('notify_subscriptions')
        .column('channel_id')
        .execute();

      await db.schema
        .createTable('notify_deliveries')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('app_code', 'varchar(64)')
        .addColumn('channel_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('event_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('env', 'varchar(16)')
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('job_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addColumn('updated_at', types.bigint, (c) => c.notNull())
        .addColumn('sent_at', types.bigint)
        .execute();
      await db.schema
        .createIndex('notify_deliveries_app_idx')
        .on('notify_deliveries')
        .columns(['app_code', 'created_at'])
        .execute();
      await db.schema
        .createIndex('notify_deliveries_channel_idx')
        .on('notify_deliveries')
        .columns(['channel_id', 'created_at'])
        .execute();
    },
  },
};
