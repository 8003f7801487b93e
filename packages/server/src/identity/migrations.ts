// The identity module's tables: users, sessions, API tokens, failed logins, the audit log and the
// login tickets apps redeem. Later migrations change them in place; each runs on SQLite, PostgreSQL
// and MySQL.
import type { Kysely } from 'kysely';
import { columnTypes, dialectOf } from '../store/dialect.ts';
import type { MigrationSet } from '../store/migrate.ts';

export const identityMigrations: MigrationSet = {
  '2026112301_identity_init': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));

      await db.schema
        .createTable('users')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('username', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('display_name', 'varchar(100)', (c) => c.notNull())
        .addColumn('email', 'varchar(254)')
        .addColumn('role', 'varchar(16)', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addColumn('updated_at', types.bigint, (c) => c.notNull())
        .addColumn('password_changed_at', types.bigint, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addColumn('expires_at', types.bigint, (c) => c.notNull())
        .addColumn('revoked_at', types.bigint)
        .addColumn('ip', 'varchar(64)')
        .addColumn('user_agent', 'varchar(255)')
        .addColumn('last_seen_at', types.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user_id_idx').on('sessions').column('user_id').execute();
      await db.schema.createIndex('sessions_expires_at_idx').on('sessions').column('expires_at').execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('prefix', 'varchar(16)', (c) => c.notNull())
        .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addColumn('expires_at', types.bigint)
        .addColumn('last_used_at', types.bigint)
        .addColumn('revoked_at', types.bigint)
        .execute();
      await db.schema.createIndex('api_tokens_user_id_idx').on('api_tokens').column('user_id').execute();

      await db.schema
        .createTable('login_failures')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('at', types.bigint, (c) => c.notNull())
        .addColumn('username', 'varchar(64)', (c) => c.notNull())
        .addColumn('ip', 'varchar(64)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('login_failures_username_idx')
        .on('login_failures')
        .columns(['username', 'at'])
        .execute();
      await db.schema
        .createIndex('login_failures_ip_idx')
        .on('login_failures')
        .columns(['ip', 'at'])
        .execute();
      await db.schema.createIndex('login_failures_at_idx').on('login_failures').column('at').execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('at', types.bigint, (c) => c.notNull())
        .addColumn('actor_id', 'varchar(64)')
        .addColumn('actor_name', 'varchar(64)', (c) => c.notNull())
        .addColumn('action', 'varchar(64)', (c) => c.notNull())
        .addColumn('target_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('target_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('ip', 'varchar(64)')
        .addColumn('detail', types.longText)
        .execute();
      await db.schema.createIndex('audit_events_at_idx').on('audit_events').columns(['at', 'id']).execute();
      await db.schema
        .createIndex('audit_events_actor_idx')
        .on('audit_events')
        .columns(['actor_name', 'at'])
        .execute();
      await db.schema
        .createIndex('audit_events_target_idx')
        .on('audit_events')
        .columns(['target_type', 'target_id', 'at'])
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async down(db: Kysely<any>) {
      for (const table of ['audit_events', 'login_failures', 'api_tokens', 'sessions', 'users']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  },
  '2026120102_identity_app_tickets': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));
      await db.schema
        .createTable('app_tickets')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('ticket_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('app', 'varchar(64)', (c) => c.notNull())
        .addColumn('env', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addColumn('expires_at', types.bigint, (c) => c.notNull())
        .addColumn('used_at', types.bigint)
        .execute();
      await db.schema
        .createIndex('app_tickets_expires_at_idx')
        .on('app_tickets')
        .column('expires_at')
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async down(db: Kysely<any>) {
      await db.schema.dropTable('app_tickets').ifExists().execute();
    },
  },
  '2026120401_identity_password_change_required': {
    // A user who must choose a new password before anything else (the bootstrap admin with a
    // generated password); see credentials.ts.
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('users')
        .addColumn('password_change_required', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async down(db: Kysely<any>) {
      await db.schema.alterTable('users').dropColumn('password_change_required').execute();
    },
  },
  '2026121331_identity_gateway_user_tokens': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));
      await db.schema
        .createTable('gateway_user_tokens')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('app', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addColumn('expires_at', types.bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('gateway_user_tokens_expires_at_idx')
        .on('gateway_user_tokens')
        .column('expires_at')
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async down(db: Kysely<any>) {
      await db.schema.dropTable('gateway_user_tokens').ifExists().execute();
    },
  },
};
