// Nonces of signed gateway calls on every dialect: a nonce is claimed once per app, also when a
// second connection pool (another replica) claims it at the same moment; a duplicate inside a
// transaction does not abort it (PostgreSQL); an expired nonce may be claimed again; purge deletes
// expired rows in bounded batches and keeps the live ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNonces, NONCE_TTL_MS, type Nonces } from '../../src/apigw/nonces.ts';
import { createJobsTestStore, type JobsTestStore } from '../jobs/helpers.ts';
import { testDialects } from '../support/databases.ts';

const T0 = 1_800_000_000_000;

describe.each(testDialects())('gateway nonces on %s', (dialect) => {
  let t: JobsTestStore;
  let nonces: Nonces;
  let replica: Nonces;

  beforeAll(async () => {
    t = await createJobsTestStore(dialect);
    nonces = createNonces({ store: t.store });
    replica = createNonces({ store: t.openAnother() });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const count = async () =>
    Number(
      (
        await t.store.db
          .selectFrom('apigw_nonces')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('claims a nonce once; the second claim, here or on another replica, is refused', async () => {
    expect(await nonces.claim('shop', 'nonce-0001', T0)).toBe(true);
    expect(await nonces.claim('shop', 'nonce-0001', T0 + 1)).toBe(false);
    expect(await replica.claim('shop', 'nonce-0001', T0 + 2)).toBe(false);
    // Another app's nonce of the same text is its own.
    expect(await replica.claim('blog', 'nonce-0001', T0)).toBe(true);
  });

  it('lets exactly one of two replicas claiming at once win', async () => {
    for (let i = 0; i < 10; i++) {
      const nonce = `race-nonce-${i}`;
      const results = await Promise.all([nonces.claim('shop', nonce, T0), replica.claim('shop', nonce, T0)]);
      expect(results.filter(Boolean), nonce).toHaveLength(1);
    }
  });

  it('answers a duplicate inside a transaction without aborting it', async () => {
    await nonces.claim('shop', 'in-trx-0001', T0);
    const answers = await t.store.db.transaction().execute(async (trx) => {
      const again = await nonces.claim('shop', 'in-trx-0001', T0, trx);
      // The transaction still works after the duplicate.
      const fresh = await nonces.claim('shop', 'in-trx-0002', T0, trx);
      return [again, fresh];
    });
    expect(answers).toEqual([false, true]);
    expect(await nonces.claim('shop', 'in-trx-0002', T0)).toBe(false);
  });

  it('may claim a nonce again once its row expired, even before a purge', async () => {
    expect(await nonces.claim('shop', 'expiring-01', T0)).toBe(true);
    expect(await nonces.claim('shop', 'expiring-01', T0 + NONCE_TTL_MS - 1)).toBe(false);
    expect(await replica.claim('shop', 'expiring-01', T0 + NONCE_TTL_MS)).toBe(true);
    expect(await nonces.claim('shop', 'expiring-01', T0 + NONCE_TTL_MS + 1)).toBe(false);
  });

  it('purges expired rows in bounded batches and keeps the live ones', async () => {
    await t.store.db.deleteFrom('apigw_nonces').execute();
    for (let i = 0; i < 25; i++) await nonces.claim('shop', `purge-old-${i}`, T0 + i);
    for (let i = 0; i < 5; i++) await nonces.claim('shop', `purge-new-${i}`, T0 + 10 * NONCE_TTL_MS);
    const later = T0 + 2 * NONCE_TTL_MS;
    expect(await nonces.purge(later, 10)).toBe(10);
    expect(await count()).toBe(20);
    expect(await nonces.purge(later, 10)).toBe(10);
    expect(await nonces.purge(later, 10)).toBe(5);
    expect(await nonces.purge(later, 10)).toBe(0);
    expect(await count()).toBe(5);
    // A purged nonce is free again; a live one is not.
    expect(await nonces.claim('shop', 'purge-old-3', later)).toBe(true);
    expect(await nonces.claim('shop', 'purge-new-3', later)).toBe(false);
  });
});
