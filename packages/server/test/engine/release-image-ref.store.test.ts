// A release's image reference (releases.image_ref, release-image.ts) on every store: recorded once,
// the first recorded wins over a later (racing) one, and a release without one finds the recorded
// image of a release with the same content (same tree and build, or the stag release it was promoted
// from), never one of other content.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reserveRelease } from '../../src/engine/engine-store.ts';
import { recordImageRef, sameContentImage } from '../../src/engine/release-image.ts';
import { silentLogger } from '../../src/logger.ts';
import { ALL_MIGRATIONS } from '../../src/migrations.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/databases.ts';

const BUILD = JSON.stringify({ runtime: 'node', processes: { web: { command: ['node', 'a.js'] } } });
const OTHER_BUILD = JSON.stringify({ runtime: 'node', processes: { web: { command: ['node', 'A.js'] } } });

describe.each(testDialects())('release image refs on %s', (dialect) => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    store = openStore(db.config);
    await migrateToLatest(store, [...ALL_MIGRATIONS], silentLogger());
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  const reserve = (o: {
    env: 'stag' | 'prod';
    dir: string;
    build?: string;
    source?: string;
    fromVersion?: number | null;
  }) =>
    reserveRelease(store.db, {
      app_code: 'refs',
      env: o.env,
      source: o.source ?? 'package',
      out_dir: o.dir,
      artifact_dir: o.dir,
      build: o.build ?? BUILD,
      config_sealed: null,
      description: null,
      from_version: o.fromVersion ?? null,
      origin: null,
      build_id: null,
      created_by: 'test',
    });

  it('records a ref once: a later one does not replace it, and everyone gets the first', async () => {
    const release = await reserve({ env: 'stag', dir: '/d/one' });
    expect(release.image_ref).toBeNull();
    expect(await recordImageRef(store.db, release.id, 'reg/app@sha256:aaa')).toBe('reg/app@sha256:aaa');
    expect(await recordImageRef(store.db, release.id, 'reg/app@sha256:bbb')).toBe('reg/app@sha256:aaa');
    const racing = await reserve({ env: 'stag', dir: '/d/two' });
    const both = await Promise.all([
      recordImageRef(store.db, racing.id, 'reg/app@sha256:ccc'),
      recordImageRef(store.db, racing.id, 'reg/app@sha256:ddd'),
    ]);
    expect(both[0]).toBe(both[1]);
    const row = await store.db
      .selectFrom('releases')
      .select('image_ref')
      .where('id', '=', racing.id)
      .executeTakeFirstOrThrow();
    expect(row.image_ref).toBe(both[0]);
  });

  it('finds the image of a release with the same content, and none of other content', async () => {
    const stag = await reserve({ env: 'stag', dir: '/d/three' });
    await recordImageRef(store.db, stag.id, 'reg/app@sha256:eee');
    // Sharing the tree (a promotion without a copy, a rollback, a config change).
    const shared = await reserve({ env: 'prod', dir: '/d/three', source: 'promote' });
    expect(await sameContentImage(store.db, shared)).toBe('reg/app@sha256:eee');
    // A copy of the stag tree (a promotion with host identities): found by from_version.
    const copied = await reserve({
      env: 'prod',
      dir: '/d/prod-copy',
      source: 'promote',
      fromVersion: Number(stag.version),
    });
    expect(await sameContentImage(store.db, copied)).toBe('reg/app@sha256:eee');
    // Another build (even one MySQL would call equal), another tree, or a rollback (same env only).
    expect(await sameContentImage(store.db, { ...shared, build: OTHER_BUILD })).toBeUndefined();
    expect(await sameContentImage(store.db, { ...shared, artifact_dir: '/d/elsewhere' })).toBeUndefined();
    expect(
      await sameContentImage(store.db, { ...copied, source: 'rollback', artifact_dir: '/d/elsewhere' }),
    ).toBeUndefined();
  });
});
