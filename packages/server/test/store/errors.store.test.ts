// The store's error classification on every dialect, from real failures of the real databases: a
// unique or primary-key violation, a foreign-key violation, and (SQLite, node:sqlite) a locked
// database, are recognised by the helpers the services use to pick the catalogue's codes and retries.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isForeignKeyViolation } from '../../src/apps/store-errors.ts';
import { isRetryableConflict, isUniqueViolation } from '../../src/store/dialect.ts';
import { openSqlite, sqliteCodeName } from '../../src/store/node-sqlite.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/databases.ts';

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected the statement to fail');
    },
    (err: unknown) => err,
  );
}

describe.each(testDialects())('store errors on %s', (dialect) => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    store = openStore(db.config);
    await sql`create table t_parent (id integer primary key, name varchar(40) not null unique)`.execute(
      store.db,
    );
    await sql`create table t_child (id integer primary key, parent integer not null references t_parent (id))`.execute(
      store.db,
    );
    await sql`insert into t_parent (id, name) values (1, 'one')`.execute(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('reads rows back as plain values', async () => {
    const { rows } = await sql<{ id: number; name: string }>`select id, name from t_parent`.execute(store.db);
    expect(rows).toEqual([{ id: 1, name: 'one' }]);
  });

  it('recognises a unique violation, on a unique column and on the primary key', async () => {
    const onName = await failure(sql`insert into t_parent (id, name) values (2, 'one')`.execute(store.db));
    expect(isUniqueViolation(onName)).toBe(true);
    expect(isForeignKeyViolation(onName)).toBe(false);
    const onKey = await failure(sql`insert into t_parent (id, name) values (1, 'two')`.execute(store.db));
    expect(isUniqueViolation(onKey)).toBe(true);
    expect(isRetryableConflict(onKey)).toBe(false);
  });

  it('recognises a foreign-key violation', async () => {
    const err = await failure(sql`insert into t_child (id, parent) values (1, 99)`.execute(store.db));
    expect(isForeignKeyViolation(err)).toBe(true);
    expect(isUniqueViolation(err)).toBe(false);
  });

  it('does not classify a syntax error', async () => {
    const err = await failure(sql`selec 1`.execute(store.db));
    expect(isUniqueViolation(err)).toBe(false);
    expect(isForeignKeyViolation(err)).toBe(false);
    expect(isRetryableConflict(err)).toBe(false);
  });
});

describe('the SQLite store (node:sqlite)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('takes a locked database for a retryable conflict (SQLITE_BUSY)', () => {
    if (db.config.dialect !== 'sqlite') throw new Error('expected an SQLite test database');
    const holder = openSqlite(db.config.file, ['PRAGMA busy_timeout = 0']);
    const waiter = openSqlite(db.config.file, ['PRAGMA busy_timeout = 0']);
    try {
      holder.exec('BEGIN IMMEDIATE');
      let err: unknown;
      try {
        waiter.exec('BEGIN IMMEDIATE');
      } catch (caught) {
        err = caught;
      }
      expect(err).toMatchObject({ code: 'SQLITE_BUSY', errcode: 5 });
      expect(isRetryableConflict(err)).toBe(true);
      holder.exec('ROLLBACK');
    } finally {
      holder.close();
      waiter.close();
    }
  });

  it('names extended result codes, and primary codes when the store need not tell the extension apart', () => {
    expect(sqliteCodeName(5)).toBe('SQLITE_BUSY');
    expect(sqliteCodeName(517)).toBe('SQLITE_BUSY_SNAPSHOT');
    expect(sqliteCodeName(2067)).toBe('SQLITE_CONSTRAINT_UNIQUE');
    expect(sqliteCodeName(1555)).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
    expect(sqliteCodeName(787)).toBe('SQLITE_CONSTRAINT_FOREIGNKEY');
    expect(sqliteCodeName(266)).toBe('SQLITE_IOERR'); // SQLITE_IOERR_READ
    expect(sqliteCodeName(999_999)).toBe('SQLITE_999999');
  });
});
