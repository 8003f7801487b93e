import fs from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.ts';
import { ALL_MIGRATIONS } from '../../src/migrations.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/databases.ts';

const expected = ALL_MIGRATIONS.flatMap((set) => Object.keys(set)).sort();

describe.each(testDialects())('store migrations on %s', (dialect) => {
  let db: TestDatabase;
  const stores: Store[] = [];
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await db.drop();
  });

  it('has migrations from every module', () => {
    expect(expected.length).toBeGreaterThanOrEqual(3);
  });

  it('applies every migration exactly once when several berthd start at once', async () => {
    for (let i = 0; i < 4; i++) stores.push(openStore(db.config));
    const results = await Promise.all(
      stores.map((s) => migrateToLatest(s, [...ALL_MIGRATIONS], silentLogger())),
    );
    const appliedEverywhere = results.flat().sort();
    expect(appliedEverywhere).toEqual(expected);
    const rows = await sql<{ name: string }>`select name from berth_migrations`.execute(stores[0]!.db);
    expect(rows.rows.map((r) => r.name).sort()).toEqual(expected);
  });

  it('is a no-op on the next start', async () => {
    const again = await migrateToLatest(stores[0]!, [...ALL_MIGRATIONS], silentLogger());
    expect(again).toEqual([]);
  });
});

describe('sqlite store file', () => {
  it('is readable by its owner only, with its lock file', async () => {
    const db = await createTestDatabase('sqlite');
    const store = openStore(db.config);
    try {
      await migrateToLatest(store, [...ALL_MIGRATIONS], silentLogger());
      const file = (db.config as { file: string }).file;
      for (const f of [file, `${file}.migrate-lock`, `${file}-wal`]) {
        if (fs.existsSync(f)) expect((fs.statSync(f).mode & 0o777).toString(8)).toBe('600');
      }
      expect(fs.existsSync(file)).toBe(true);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
