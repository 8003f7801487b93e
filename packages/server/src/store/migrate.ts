// Runs the modules' migrations at start. Several berthd starting at once against one database apply
// each migration exactly once: Kysely's migrator takes a database lock on PostgreSQL (advisory lock)
// and MySQL (GET_LOCK); for SQLite, which it does not lock, we hold an exclusive lock on a sidecar
// file for the duration (released by the OS if the process dies).
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Logger } from '../logger.ts';
import type { Store } from './store.ts';

/** Migration names start with a sortable stamp (YYYYMMDDNN) so modules interleave in a fixed order. */
export type MigrationSet = Record<string, Migration>;

export async function migrateToLatest(store: Store, sets: MigrationSet[], logger: Logger): Promise<string[]> {
  const all: MigrationSet = {};
  for (const set of sets) {
    for (const [name, migration] of Object.entries(set)) {
      if (all[name]) throw new Error(`duplicate migration name ${name}`);
      all[name] = migration;
    }
  }
  const provider: MigrationProvider = { getMigrations: async () => all };
  const migrator = new Migrator({
    db: store.db,
    provider,
    migrationTableName: 'berth_migrations',
    migrationLockTableName: 'berth_migrations_lock',
  });
  const { error, results } = await withSqliteLock(store.sqliteFile, () => migrator.migrateToLatest());
  const applied: string[] = [];
  for (const result of results ?? []) {
    if (result.status === 'Success') applied.push(result.migrationName);
    if (result.status === 'Error') logger.error({ migration: result.migrationName }, 'migration failed');
  }
  if (error) throw error;
  if (applied.length) logger.info({ applied }, 'store migrated');
  return applied;
}

/**
 * Serialises SQLite migrators across connections and processes with `BEGIN EXCLUSIVE` on a sidecar
 * database. node:sqlite blocks the thread while it waits on a lock, so we poll with no busy
 * timeout instead (another store in this same process may be the holder).
 */
async function withSqliteLock<T>(file: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (!file) return fn();
  const lockFile = `${file}.migrate-lock`;
  fs.closeSync(fs.openSync(lockFile, 'a', 0o600));
  const { openSqlite } = await import('./node-sqlite.ts');
  const lock = openSqlite(lockFile, ['PRAGMA busy_timeout = 0']);
  try {
    for (let waited = 0; ; waited += 25) {
      try {
        lock.exec('BEGIN EXCLUSIVE');
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || waited > 120_000) throw err;
        await sleep(25);
      }
    }
    try {
      return await fn();
    } finally {
      lock.exec('ROLLBACK');
    }
  } finally {
    lock.close();
  }
}
