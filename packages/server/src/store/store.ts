// Opens the store: one Kysely instance over SQLite (embedded default), PostgreSQL or MySQL/MariaDB.
// Only the configured dialect's database client is loaded, on first use (each costs 10-15 MB of
// memory and start-up time): Kysely calls the factories below when it opens its first connection.
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { DatabaseConfig } from '../config.ts';
import type { DialectName } from './dialect.ts';
import type { Database } from './schema.ts';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** The database file, for SQLite stores. */
  readonly sqliteFile?: string;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

export function openStore(config: DatabaseConfig, onIdleError: (err: Error) => void = () => {}): Store {
  const db = new Kysely<Database>({ dialect: createDialect(config, onIdleError) });
  let closed = false;
  return {
    db,
    dialect: config.dialect,
    ...(config.dialect === 'sqlite' ? { sqliteFile: config.file } : {}),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

function createDialect(config: DatabaseConfig, onIdleError: (err: Error) => void) {
  switch (config.dialect) {
    case 'sqlite': {
      fs.mkdirSync(path.dirname(config.file), { recursive: true, mode: 0o700 });
      // The store holds password hashes and sealed secrets: owner-only, and SQLite gives its -wal and
      // -shm files the same mode as the database file.
      fs.closeSync(fs.openSync(config.file, 'a', 0o600));
      fs.chmodSync(config.file, 0o600);
      return new SqliteDialect({
        database: async () => {
          const { openSqlite } = await import('./node-sqlite.ts');
          return openSqlite(config.file, [
            'PRAGMA journal_mode = WAL',
            'PRAGMA synchronous = NORMAL',
            'PRAGMA busy_timeout = 10000',
            'PRAGMA foreign_keys = ON',
          ]);
        },
      });
    }
    case 'postgres':
      return new PostgresDialect({ pool: () => createPostgresPool(config.url, onIdleError) });
    case 'mysql':
      return new MysqlDialect({ pool: () => createMysqlPool(config.url) });
  }
}

async function createPostgresPool(url: string, onIdleError: (err: Error) => void) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Epoch-millisecond bigints and counts come back as numbers, as on the other dialects.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID || oid === NUMERIC_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle pooled connection closed by the server (restart, failover) must not crash berthd: the
  // pool drops it and the next query opens a new one.
  pool.on('error', (err) => onIdleError(err));
  return pool;
}

async function createMysqlPool(url: string) {
  const { createPool } = await import('mysql2');
  return createPool({
    uri: url,
    connectionLimit: 10,
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
    timezone: 'Z',
    charset: 'utf8mb4',
  });
}
