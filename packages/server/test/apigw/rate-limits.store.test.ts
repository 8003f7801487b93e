// Shared rate limits on every dialect, with two limiters on one store as two replicas (a second
// connection pool; on SQLite the same one) and an injected clock: 10 calls a minute across both
// allow exactly 10 of 30 at one moment, and the refusals say when a call passes again; time refills
// the bucket at the limit's rate and no further than its capacity; a larger limit leases
// ceil(N/10) tokens at a time, so the store is asked once per lease, and what leases leave unspent
// expires with them; idle buckets are purged. Lending (to the gateway's workers): what borrowers get
// of one replica's leases and the other replica takes at one moment is exactly N; tokens borrowers
// give back of expired loans reach the row with the lender's next lease (without them an app
// calling slowly through borrowers is refused below its limit); a loan expires with the lease it
// came from; a refusal says when the bucket holds a token again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRateLimiter,
  LEASE_MS,
  leaseSize,
  type RateDecision,
  type RateLimit,
  type RateLimiter,
  type RateLoan,
  rateBucketKey,
} from '../../src/apigw/rate-limits.ts';
import { createJobsTestStore, type JobsTestStore } from '../jobs/helpers.ts';
import { testDialects } from '../support/databases.ts';
import { tokensOf as tokensOfRow } from './rate-buckets.ts';

const T0 = 1_800_000_000_000;
const TEN_A_MINUTE: RateLimit = { count: 10, per: 'minute' };

describe.each(testDialects())('shared rate limits on %s', (dialect) => {
  let t: JobsTestStore;
  let a: RateLimiter;
  let b: RateLimiter;
  let serial = 0;
  const key = () => rateBucketKey('shop', 'BK_SOPS', `component_${++serial}`);

  beforeAll(async () => {
    t = await createJobsTestStore(dialect);
    a = createRateLimiter({ store: t.store });
    b = createRateLimiter({ store: t.openAnother() });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const tokensOf = (bucket: string) => tokensOfRow(t.store, bucket);

  /** `n` takes spread over both replicas (alternating, in pairs at once). */
  async function spread(bucket: string, limit: RateLimit, n: number, now: number): Promise<RateDecision[]> {
    const out: RateDecision[] = [];
    for (let i = 0; i < n; i += 2) {
      out.push(...(await Promise.all([a.take(bucket, limit, now), b.take(bucket, limit, now)])));
    }
    return out;
  }

  it('allows exactly 10 of 30 calls at once across two replicas, and says when to retry', async () => {
    const bucket = key();
    const results = await spread(bucket, TEN_A_MINUTE, 30, T0);
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    const refused = results.filter((r): r is { ok: false; retryAfterMs: number } => !r.ok);
    expect(refused).toHaveLength(20);
    // One token comes back every 6 s.
    for (const r of refused) expect(r.retryAfterMs).toBe(6000);
    expect(await tokensOf(bucket)).toBe(0);
    // A moment later, still nothing; after the 6 s, one call passes on either replica, then no more.
    expect(await a.take(bucket, TEN_A_MINUTE, T0 + 5999)).toEqual({ ok: false, retryAfterMs: 1 });
    expect(await b.take(bucket, TEN_A_MINUTE, T0 + 6000)).toEqual({ ok: true });
    expect(await a.take(bucket, TEN_A_MINUTE, T0 + 6000)).toEqual({ ok: false, retryAfterMs: 6000 });
  });

  it('answers at once (no promise) from the tokens it holds, and from a refusal it holds', async () => {
    const bucket = key();
    const twenty: RateLimit = { count: 20, per: 'minute' }; // leases of 2
    const first = a.take(bucket, twenty, T0);
    expect(first).toBeInstanceOf(Promise); // a lease from the row
    expect(await first).toEqual({ ok: true });
    expect(a.take(bucket, twenty, T0)).toEqual({ ok: true }); // the lease's second token
    const third = a.take(bucket, twenty, T0);
    expect(third).toBeInstanceOf(Promise); // spent: the next lease
    expect(await third).toEqual({ ok: true });
    // The other replica takes the rest; this one is refused by the row, then at once until then.
    for (let i = 0; i < 16; i++) expect(await b.take(bucket, twenty, T0)).toEqual({ ok: true });
    expect(a.take(bucket, twenty, T0)).toEqual({ ok: true }); // its lease's last token
    expect(await a.take(bucket, twenty, T0)).toEqual({ ok: false, retryAfterMs: 3000 });
    expect(a.take(bucket, twenty, T0 + 1000)).toEqual({ ok: false, retryAfterMs: 2000 });
    expect(await tokensOf(bucket)).toBe(0);
  });

  it('refills at the limit’s rate, never past its capacity', async () => {
    const bucket = key();
    expect((await spread(bucket, TEN_A_MINUTE, 12, T0)).filter((r) => r.ok)).toHaveLength(10);
    // Half a minute makes 5 tokens.
    const half = await spread(bucket, TEN_A_MINUTE, 8, T0 + 30_000);
    expect(half.filter((r) => r.ok)).toHaveLength(5);
    // An hour idle fills the bucket to 10, not 600.
    const hour = await spread(bucket, TEN_A_MINUTE, 20, T0 + 3_630_000);
    expect(hour.filter((r) => r.ok)).toHaveLength(10);
  });

  it('keeps the refill of slow limits across frequent refused calls', async () => {
    // 2 a day: a token every 12 h; refusals every minute must not eat the refill.
    const bucket = key();
    const limit: RateLimit = { count: 2, per: 'day' };
    expect((await spread(bucket, limit, 4, T0)).filter((r) => r.ok)).toHaveLength(2);
    let allowed = 0;
    let now = T0;
    for (let minute = 1; minute <= 12 * 60; minute++) {
      now = T0 + minute * 60_000;
      const r = await (minute % 2 ? a : b).take(bucket, limit, now);
      if (r.ok) allowed++;
      else if (minute < 12 * 60) expect(r.retryAfterMs).toBe(T0 + 43_200_000 - now);
    }
    expect(allowed).toBe(1);
  });

  it('leases ceil(N/10) tokens at a time: the store row moves once per lease', async () => {
    const bucket = key();
    const limit: RateLimit = { count: 100, per: 'second' };
    expect(leaseSize(limit)).toBe(10);
    expect(await a.take(bucket, limit, T0)).toEqual({ ok: true });
    expect(await tokensOf(bucket)).toBe(90);
    for (let i = 0; i < 9; i++) expect(await a.take(bucket, limit, T0)).toEqual({ ok: true });
    expect(await tokensOf(bucket)).toBe(90);
    expect(await a.take(bucket, limit, T0)).toEqual({ ok: true });
    expect(await tokensOf(bucket)).toBe(80);
    // 300 calls at one moment across both replicas: exactly 100 pass.
    const bucket2 = key();
    expect((await spread(bucket2, limit, 300, T0)).filter((r) => r.ok)).toHaveLength(100);
  });

  it('gives leased tokens left unspent back to the row with the next lease (never more than one lease each over)', async () => {
    const bucket = key();
    const limit: RateLimit = { count: 100, per: 'minute' };
    // Each replica leases 10 and spends 1.
    expect(await a.take(bucket, limit, T0)).toEqual({ ok: true });
    expect(await b.take(bucket, limit, T0)).toEqual({ ok: true });
    expect(await tokensOf(bucket)).toBe(80);
    // Within the lease the leftovers are spent without the store.
    for (let i = 0; i < 9; i++) expect(await a.take(bucket, limit, T0 + LEASE_MS - 1)).toEqual({ ok: true });
    expect(await tokensOf(bucket)).toBe(80);
    // Past it, b spends none of its 9 leftovers: they go back as it leases 10 anew (the row made
    // 3.333 tokens in the 2 s).
    expect(await b.take(bucket, limit, T0 + LEASE_MS)).toEqual({ ok: true });
    expect(await tokensOf(bucket)).toBeCloseTo(82.333, 3);
    // a's lease is spent: it leases too, and the row pays for every token either spends.
    expect(await a.take(bucket, limit, T0 + LEASE_MS)).toEqual({ ok: true });
    expect(await tokensOf(bucket)).toBeCloseTo(72.333, 3);
  });

  it('does not refuse an app calling below its limit from two replicas, a lease per call each', async () => {
    const bucket = key();
    const limit: RateLimit = { count: 100, per: 'minute' };
    // Both replicas call at the same moments, every 3 s for 3 minutes: 40 calls a minute of the 100
    // allowed, each a new lease of up to 10 that spends 1. Were the other 9 lost, the row would run
    // dry within half a minute and the second replica be refused.
    for (let ms = 0; ms < 180_000; ms += 3000) {
      expect(await a.take(bucket, limit, T0 + ms), `a at ${ms} ms`).toEqual({ ok: true });
      expect(await b.take(bucket, limit, T0 + ms), `b at ${ms} ms`).toEqual({ ok: true });
    }
  });

  it('admits over time no more than one bucket would, plus one lease per replica', async () => {
    const bucket = key();
    const limit: RateLimit = { count: 100, per: 'minute' };
    let allowed = 0;
    // Both replicas call every 50 ms for a minute: a bucket admits its 100 and the 100 it makes.
    for (let ms = 0; ms < 60_000; ms += 50) {
      const pair = await Promise.all([a.take(bucket, limit, T0 + ms), b.take(bucket, limit, T0 + ms)]);
      allowed += pair.filter((r) => r.ok).length;
    }
    expect(allowed).toBeLessThanOrEqual(200 + 2 * (leaseSize(limit) - 1));
    expect(allowed).toBeGreaterThanOrEqual(190);
  });

  it('lends one bucket’s tokens to borrowers: with the other replica’s calls, exactly N at one moment', async () => {
    const bucket = key();
    const limit: RateLimit = { count: 100, per: 'minute' };
    let admitted = 0;
    // Two borrowers of a ask for 10 and 7 tokens at a time, b takes for itself, all at once.
    for (let round = 0; round < 30; round++) {
      const [x, y, z] = await Promise.all([
        a.lend(bucket, limit, T0, 10, 0),
        a.lend(bucket, limit, T0, 7, 0),
        b.take(bucket, limit, T0),
      ]);
      for (const [loan, want] of [
        [x, 10],
        [y, 7],
      ] as const) {
        if (!loan.ok) continue;
        expect(loan.granted).toBeGreaterThanOrEqual(1);
        expect(loan.granted).toBeLessThanOrEqual(want);
        expect(loan.expiresAt).toBe(T0 + LEASE_MS);
        admitted += loan.granted;
      }
      if (z.ok) admitted++;
    }
    expect(admitted).toBe(100);
    expect(await tokensOf(bucket)).toBe(0);
    // One token comes back every 600 ms.
    expect(await a.lend(bucket, limit, T0, 10, 0)).toEqual({ ok: false, granted: 0, refusedUntil: T0 + 600 });
  });

  it('gives tokens borrowers did not spend back to the row: an app calling slowly through borrowers is not refused below its limit', async () => {
    const limit: RateLimit = { count: 100, per: 'minute' };
    /** One borrower of each replica, borrowing a lease's worth every 3 s for 3 minutes and spending
     *  one token of it (40 calls a minute of the 100 allowed); the refusals they meet. */
    async function slowly(giveBack: boolean): Promise<number> {
      const bucket = key();
      const last = new Map<RateLimiter, RateLoan>();
      let refusals = 0;
      for (let ms = 0; ms < 180_000; ms += 3000) {
        for (const lender of [a, b]) {
          const before = last.get(lender);
          const unspent = giveBack && before?.ok ? before.granted - 1 : 0;
          const loan = await lender.lend(bucket, limit, T0 + ms, leaseSize(limit), unspent);
          if (!loan.ok) refusals++;
          last.set(lender, loan);
        }
      }
      return refusals;
    }
    expect(await slowly(true)).toBe(0);
    // Were the 9 unspent tokens of each loan lost, the row would run dry within half a minute.
    expect(await slowly(false)).toBeGreaterThan(0);
  });

  it('lends until the lease expires, and keeps tokens given back for the next lease', async () => {
    const bucket = key();
    const limit: RateLimit = { count: 100, per: 'minute' };
    expect(await a.take(bucket, limit, T0)).toEqual({ ok: true });
    expect(await tokensOf(bucket)).toBe(90);
    // Later loans of the same lease expire with it.
    expect(await a.lend(bucket, limit, T0 + 500, 4, 0)).toEqual({
      ok: true,
      granted: 4,
      expiresAt: T0 + LEASE_MS,
    });
    // Tokens given back while the lease lives are not added to it: 5 are left, not 8.
    expect(await a.lend(bucket, limit, T0 + 1000, 10, 3)).toEqual({
      ok: true,
      granted: 5,
      expiresAt: T0 + LEASE_MS,
    });
    expect(await tokensOf(bucket)).toBe(90);
    // The lease is spent: the next loan comes of a new lease, which gives the 3 back to the row
    // (that made 2.5 tokens in 1.5 s).
    expect(await a.lend(bucket, limit, T0 + 1500, 10, 0)).toEqual({
      ok: true,
      granted: 10,
      expiresAt: T0 + 1500 + LEASE_MS,
    });
    expect(await tokensOf(bucket)).toBeCloseTo(85.5, 3);
    // An expired lease lends nothing more: a take at its expiry leases anew.
    expect(await a.take(bucket, limit, T0 + 1500 + LEASE_MS)).toEqual({ ok: true });
    expect(await tokensOf(bucket)).toBeCloseTo(78.833, 3);
  });

  it('answers a refusal with the time the bucket holds a token again, without asking the store before', async () => {
    const bucket = key();
    for (let i = 0; i < 10; i++) {
      expect(await a.lend(bucket, TEN_A_MINUTE, T0, 5, 0)).toEqual({
        ok: true,
        granted: 1,
        expiresAt: T0 + LEASE_MS,
      });
    }
    const refusal = { ok: false, granted: 0, refusedUntil: T0 + 6000 };
    expect(await a.lend(bucket, TEN_A_MINUTE, T0, 5, 0)).toEqual(refusal);
    // The row is not asked until then: tokens appearing in it meanwhile (given back by another
    // replica) change nothing here.
    await t.store.db
      .updateTable('apigw_rate_buckets')
      .set({ tokens_milli: 5000 })
      .where('bucket', '=', bucket)
      .execute();
    expect(await a.lend(bucket, TEN_A_MINUTE, T0 + 5999, 5, 0)).toEqual(refusal);
    expect(await a.take(bucket, TEN_A_MINUTE, T0 + 5999)).toEqual({ ok: false, retryAfterMs: 1 });
    expect(await a.lend(bucket, TEN_A_MINUTE, T0 + 6000, 5, 0)).toEqual({
      ok: true,
      granted: 1,
      expiresAt: T0 + 6000 + LEASE_MS,
    });
  });

  it('refuses to lend fewer than one token or take back a negative number', async () => {
    await expect(a.lend(key(), TEN_A_MINUTE, T0, 0, 0)).rejects.toThrow(/wanted/);
    await expect(a.lend(key(), TEN_A_MINUTE, T0, 1.5, 0)).rejects.toThrow(/wanted/);
    await expect(a.lend(key(), TEN_A_MINUTE, T0, 1, -1)).rejects.toThrow(/given back/);
    await expect(a.lend(key(), { count: 0, per: 'minute' }, T0, 1, 0)).rejects.toThrow(/bad rate limit/);
  });

  it('refuses a limit that is not a whole number of calls', async () => {
    await expect(a.take(key(), { count: 0, per: 'second' }, T0)).rejects.toThrow(/bad rate limit/);
    await expect(a.take(key(), { count: 1.5, per: 'second' }, T0)).rejects.toThrow(/bad rate limit/);
  });

  it('purges buckets idle for a whole period (they are full again)', async () => {
    await t.store.db.deleteFrom('apigw_rate_buckets').execute();
    const idle = key();
    const busy = key();
    await a.take(idle, { count: 5, per: 'second' }, T0);
    await a.take(busy, { count: 5, per: 'hour' }, T0);
    expect(await a.purge(T0 + 1000)).toBe(1);
    const left = await t.store.db.selectFrom('apigw_rate_buckets').select('bucket').execute();
    expect(left.map((r) => r.bucket)).toEqual([busy]);
    // A purged bucket starts full again.
    const fresh = createRateLimiter({ store: t.store });
    const again = await Promise.all(
      Array.from({ length: 6 }, () => fresh.take(idle, { count: 5, per: 'second' }, T0 + 2000)),
    );
    expect(again.filter((r) => r.ok)).toHaveLength(5);
  });
});
