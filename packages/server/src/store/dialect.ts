// Small helpers that let one migration or query run unchanged on SQLite, PostgreSQL and MySQL.
import { type Kysely, MysqlAdapter, PostgresAdapter, sql } from 'kysely';

export type DialectName = 'sqlite' | 'postgres' | 'mysql';

// biome-ignore lint/suspicious/noExplicitAny: migrations and helpers work on any schema
export function dialectOf(db: Kysely<any>): DialectName {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  return 'sqlite';
}

/**
 * Column types that differ between dialects. Times are stored as epoch milliseconds (bigint),
 * booleans as 0/1 integers, JSON as text: the same values come back on every dialect.
 */
export function columnTypes(dialect: DialectName) {
  return {
    /** Text up to 16 MiB (MySQL's plain `text` stops at 64 KiB). */
    longText: dialect === 'mysql' ? sql`mediumtext` : sql`text`,
    bigint: sql`bigint`,
    /** A name compared byte for byte, case included (MySQL's default collation ignores case). */
    exactName: (length: number) =>
      dialect === 'mysql' ? sql.raw(`varchar(${length}) collate utf8mb4_bin`) : sql.raw(`varchar(${length})`),
  } as const;
}

/**
 * Table options for `createTable(…).modifyEnd(…)`: on MySQL/MariaDB utf8mb4 with a binary collation
 * whatever the database default is, so text compares case-sensitively (as on the other dialects)
 * and any text fits; nothing elsewhere.
 */
export function caseSensitiveTables(dialect: DialectName) {
  return dialect === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
}

/** True when the error is a unique-constraint violation on any dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number } | undefined;
  if (!e) return false;
  return (
    e.code === '23505' || // postgres
    e.code === 'ER_DUP_ENTRY' ||
    e.errno === 1062 || // mysql / mariadb
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

/** True when the database aborted a transaction because of a deadlock or serialisation conflict. */
export function isRetryableConflict(err: unknown): boolean {
  const e = err as { code?: string; errno?: number } | undefined;
  if (!e) return false;
  return (
    e.code === '40001' ||
    e.code === '40P01' || // postgres serialization_failure / deadlock_detected
    e.code === 'ER_LOCK_DEADLOCK' ||
    e.errno === 1213 ||
    e.code === 'ER_LOCK_WAIT_TIMEOUT' ||
    e.errno === 1205 ||
    e.code === 'SQLITE_BUSY'
  );
}

/** The escape character of LIKE patterns: `escape '!'` means the same on every dialect (a backslash
 *  would itself be an escape in MySQL's string syntax). */
export const LIKE_ESCAPE = '!';

/** `value` with LIKE's wildcards (%, _) and the escape character made plain (for `escape '!'`). */
export function escapeLike(value: string): string {
  return value.replace(/[!%_]/g, (ch) => `${LIKE_ESCAPE}${ch}`);
}
