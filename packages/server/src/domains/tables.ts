// The domains module's tables: custom domains bound to app environments, TLS certificates (the key
// sealed with the SecretBox), the ACME account (its key sealed) and the HTTP-01 challenges being
// answered. Times are epoch milliseconds, booleans 0/1 (store/dialect.ts).
import type { Kysely, Selectable } from 'kysely';
import { columnTypes, dialectOf } from '../store/dialect.ts';
import type { MigrationSet } from '../store/migrate.ts';

export interface DomainsTable {
  /** Lower-case host or `*.example.com` (host-name.ts). */
  host: string;
  app_code: string;
  env: string;
  https_redirect: number;
  hsts_max_age: number;
  /** auto | none | acme */
  cert_source: string;
  /** The last ACME order: pending | valid | failed (null: none ordered). */
  acme_status: string | null;
  acme_job_id: string | null;
  acme_error: string | null;
  created_at: number;
  created_by: string;
}

export interface CertificatesTable {
  id: string;
  /** JSON array of lower-case DNS names. */
  names: string;
  cert_pem: string;
  /** Sealed with the context `certificate:{id}`. */
  key_sealed: string;
  not_before: number;
  not_after: number;
  issuer: string;
  fingerprint: string;
  /** upload | acme */
  source: string;
  created_at: number;
  created_by: string;
}

export interface AcmeAccountsTable {
  /** The ACME directory URL the account belongs to. */
  directory: string;
  /** The account's private key (PEM), sealed with the context `acme-account:{directory}`. */
  key_sealed: string;
  account_url: string | null;
  email: string | null;
  created_at: number;
}

export interface AcmeChallengesTable {
  token: string;
  host: string;
  key_authorization: string;
  created_at: number;
}

export interface DomainsTables {
  domains: DomainsTable;
  certificates: CertificatesTable;
  acme_accounts: AcmeAccountsTable;
  acme_challenges: AcmeChallengesTable;
}
export type DomainRow = Selectable<DomainsTable>;
export type CertificateRow = Selectable<CertificatesTable>;

export const domainsMigrations: MigrationSet = {
  '2026120901_domains': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));
      await db.schema
        .createTable('domains')
        .addColumn('host', 'varchar(253)', (c) => c.primaryKey())
        .addColumn('app_code', 'varchar(64)', (c) => c.notNull())
        .addColumn('env', 'varchar(16)', (c) => c.notNull())
        .addColumn('https_redirect', 'integer', (c) => c.notNull())
        .addColumn('hsts_max_age', 'integer', (c) => c.notNull())
        .addColumn('cert_source', 'varchar(16)', (c) => c.notNull())
        .addColumn('acme_status', 'varchar(16)')
        .addColumn('acme_job_id', 'varchar(64)')
        .addColumn('acme_error', 'text')
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addColumn('created_by', 'varchar(255)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('domains_app').on('domains').column('app_code').execute();
      await db.schema
        .createTable('certificates')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('names', 'text', (c) => c.notNull())
        .addColumn('cert_pem', types.longText, (c) => c.notNull())
        .addColumn('key_sealed', 'text', (c) => c.notNull())
        .addColumn('not_before', types.bigint, (c) => c.notNull())
        .addColumn('not_after', types.bigint, (c) => c.notNull())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'varchar(128)', (c) => c.notNull())
        .addColumn('source', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .addColumn('created_by', 'varchar(255)', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('acme_accounts')
        .addColumn('directory', 'varchar(512)', (c) => c.primaryKey())
        .addColumn('key_sealed', 'text', (c) => c.notNull())
        .addColumn('account_url', 'text')
        .addColumn('email', 'varchar(255)')
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('acme_challenges')
        .addColumn('token', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('host', 'varchar(253)', (c) => c.notNull())
        .addColumn('key_authorization', 'text', (c) => c.notNull())
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .execute();
    },
  },
};
