// The embedded SQLite store on Node's built-in `node:sqlite` (no native npm module, so `npm ci` builds
// nothing). Kysely's SqliteDialect drives any object with the small `SqliteDatabase` shape it
// declares; this file gives `DatabaseSync` that shape and nothing else: statements run as before
// (Kysely's own driver still begins, commits and serialises them), and failures carry the SQLite
// result-code names (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, …) in `code`, which is what
// dialect.ts and the apps module classify. node:sqlite itself reports every failure as
// `ERR_SQLITE_ERROR` with the numeric extended result code in `errcode`.
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Primary result codes (the low byte of an extended code), https://sqlite.org/rescode.html. */
const PRIMARY: Record<number, string> = {
  1: 'ERROR',
  2: 'INTERNAL',
  3: 'PERM',
  4: 'ABORT',
  5: 'BUSY',
  6: 'LOCKED',
  7: 'NOMEM',
  8: 'READONLY',
  9: 'INTERRUPT',
  10: 'IOERR',
  11: 'CORRUPT',
  12: 'NOTFOUND',
  13: 'FULL',
  14: 'CANTOPEN',
  15: 'PROTOCOL',
  16: 'EMPTY',
  17: 'SCHEMA',
  18: 'TOOBIG',
  19: 'CONSTRAINT',
  20: 'MISMATCH',
  21: 'MISUSE',
  22: 'NOLFS',
  23: 'AUTH',
  24: 'FORMAT',
  25: 'RANGE',
  26: 'NOTADB',
  27: 'NOTICE',
  28: 'WARNING',
};

/**
 * Extended result codes the store reacts to or that must not pass for their primary code (a
 * `SQLITE_BUSY_SNAPSHOT` is not a plain `SQLITE_BUSY`). Others are named by their primary code.
 */
const EXTENDED: Record<number, string> = {
  261: 'BUSY_RECOVERY',
  517: 'BUSY_SNAPSHOT',
  773: 'BUSY_TIMEOUT',
  262: 'LOCKED_SHAREDCACHE',
  518: 'LOCKED_VTAB',
  275: 'CONSTRAINT_CHECK',
  531: 'CONSTRAINT_COMMITHOOK',
  787: 'CONSTRAINT_FOREIGNKEY',
  1043: 'CONSTRAINT_FUNCTION',
  1299: 'CONSTRAINT_NOTNULL',
  1555: 'CONSTRAINT_PRIMARYKEY',
  1811: 'CONSTRAINT_TRIGGER',
  2067: 'CONSTRAINT_UNIQUE',
  2323: 'CONSTRAINT_VTAB',
  2579: 'CONSTRAINT_ROWID',
  2835: 'CONSTRAINT_PINNED',
  3091: 'CONSTRAINT_DATATYPE',
};

/** The name of an SQLite result code, e.g. 2067 → `SQLITE_CONSTRAINT_UNIQUE`. */
export function sqliteCodeName(errcode: number): string {
  const name = EXTENDED[errcode] ?? PRIMARY[errcode & 0xff];
  return name ? `SQLITE_${name}` : `SQLITE_${errcode}`;
}

/** Runs `fn`; a node:sqlite failure leaves with its result code's name in `code` (the same error). */
function named<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const e = err as { code?: unknown; errcode?: unknown } | null;
    if (e && e.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number') {
      e.code = sqliteCodeName(e.errcode);
    }
    throw err;
  }
}

export interface SqliteHandle extends SqliteDatabase {
  /** Runs SQL without results (PRAGMAs, BEGIN EXCLUSIVE …). */
  exec(sql: string): void;
}

/** Opens (creating if absent) the database file and runs `setup` (PRAGMA statements) on it. */
export function openSqlite(file: string, setup: readonly string[] = []): SqliteHandle {
  const database = named(() => new DatabaseSync(file));
  const handle: SqliteHandle = {
    exec: (text) => named(() => database.exec(text)),
    prepare: (text) => statement(named(() => database.prepare(text))),
    close: () => database.close(),
  };
  try {
    for (const pragma of setup) handle.exec(pragma);
  } catch (err) {
    database.close();
    throw err;
  }
  return handle;
}

function statement(stmt: StatementSync): SqliteStatement {
  const args = (parameters: ReadonlyArray<unknown>) => parameters as SQLInputValue[];
  return {
    // A statement that returns rows (SELECT, RETURNING, most PRAGMAs) has result columns.
    reader: stmt.columns().length > 0,
    all: (parameters) => named(() => stmt.all(...args(parameters))),
    run: (parameters) => named(() => stmt.run(...args(parameters))),
    *iterate(parameters) {
      const rows = named(() => stmt.iterate(...args(parameters)));
      for (;;) {
        const next = named(() => rows.next());
        if (next.done) return;
        yield next.value;
      }
    },
  };
}
