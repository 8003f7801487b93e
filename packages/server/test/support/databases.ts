// The databases the store's tests run against: SQLite always, PostgreSQL and MySQL/MariaDB when
// BERTH_TEST_POSTGRES_URL / BERTH_TEST_MYSQL_URL are set (CI sets both). Each test database is
// created fresh under a random name and dropped afterwards.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config.ts';
import type { DialectName } from '../../src/store/dialect.ts';
import { removeInstallationUsers } from './host-users.ts';

export interface TestDatabase {
  config: DatabaseConfig;
  /** Drops the database, and first removes the Unix users a berthd on it created (host-users.ts). */
  drop(): Promise<void>;
}

/** Every dialect whose URL is set: for suites where the store is under test (`*.store.test.ts`),
 *  and for a test that checks dialect-specific behaviour elsewhere. */
export function testDialects(): DialectName[] {
  const dialects: DialectName[] = ['sqlite'];
  if (process.env['BERTH_TEST_POSTGRES_URL']) dialects.push('postgres');
  if (process.env['BERTH_TEST_MYSQL_URL']) dialects.push('mysql');
  return dialects;
}

/** Dialects that several processes can share (for multi-process tests). */
export function serverDialects(): DialectName[] {
  return testDialects().filter((d) => d !== 'sqlite');
}

/** The one dialect of suites that test berthd, the engine or the CLI rather than the store
 *  (`*.system.test.ts`, `*.docker.test.ts`): SQLite, which needs no server. The store tier runs the
 *  store's queries on every dialect, so these suites repeating them would add time, not coverage. */
export function systemDialects(): DialectName[] {
  return ['sqlite'];
}

export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  const made = await createDatabase(dialect);
  return {
    config: made.config,
    async drop() {
      await removeInstallationUsers(made.config);
      await made.drop();
    },
  };
}

async function createDatabase(dialect: DialectName): Promise<TestDatabase> {
  const name = `berth_t_${crypto.randomBytes(6).toString('hex')}`;
  switch (dialect) {
    case 'sqlite': {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sqlite-'));
      return {
        config: { dialect: 'sqlite', file: path.join(dir, 'berth.db') },
        drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
      };
    }
    case 'postgres': {
      const base = process.env['BERTH_TEST_POSTGRES_URL']!;
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(base);
      url.pathname = `/${name}`;
      return {
        config: { dialect: 'postgres', url: url.toString() },
        drop: async () => {
          const c = new pg.Client({ connectionString: base });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await c.end();
        },
      };
    }
    case 'mysql': {
      const base = process.env['BERTH_TEST_MYSQL_URL']!;
      const admin = await createConnection(base);
      await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
      await admin.end();
      const url = new URL(base);
      url.pathname = `/${name}`;
      return {
        config: { dialect: 'mysql', url: url.toString() },
        drop: async () => {
          const c = await createConnection(base);
          await c.query(`DROP DATABASE IF EXISTS ${name}`);
          await c.end();
        },
      };
    }
  }
}
