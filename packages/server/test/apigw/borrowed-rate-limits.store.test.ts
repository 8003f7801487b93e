// Rate limits in the gateway's workers on every dialect: two workers borrow from one primary (a real
// RateLimiter on the store; the borrow is its `lend`, with every borrow noted) and the primary's
// bucket holds for them: of many calls at one moment exactly N pass, one borrow per loan, and the
// refused calls are refused locally until the refusal's time; an app calling slowly through two
// workers is not refused below its limit, each borrow giving back what the expired loan left; a
// loan expires with the primary's lease; a failed borrow fails the calls that waited for it and
// admits none, and its tokens are not given back twice. Without a store: a worker forgets buckets
// past 10,000 that have nothing left to spend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BorrowedRateLimiter, createBorrowedRateLimiter } from '../../src/apigw/borrowed-rate-limits.ts';
import {
  createRateLimiter,
  LEASE_MS,
  type RateLimit,
  type RateLimiter,
  type RateLoan,
  rateBucketKey,
} from '../../src/apigw/rate-limits.ts';
import { createJobsTestStore, type JobsTestStore } from '../jobs/helpers.ts';
import { testDialects } from '../support/databases.ts';
import { tokensOf as tokensOfRow } from './rate-buckets.ts';

const T0 = 1_800_000_000_000;
const HUNDRED_A_MINUTE: RateLimit = { count: 100, per: 'minute' };

interface Borrow {
  now: number;
  want: number;
  giveBack: number;
  loan?: RateLoan;
}

interface Worker {
  limiter: BorrowedRateLimiter;
  /** The borrows this worker made, in order, with the loans they got. */
  borrows: Borrow[];
}

describe.each(testDialects())('rate limits borrowed from the primary on %s', (dialect) => {
  let t: JobsTestStore;
  let primary: RateLimiter;
  let serial = 0;
  const key = () => rateBucketKey('shop', 'BK_SOPS', `borrowed_${++serial}`);

  beforeAll(async () => {
    t = await createJobsTestStore(dialect);
    primary = createRateLimiter({ store: t.store });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  /** A worker borrowing from the primary; `down()` says when its channel is gone. */
  function worker(down: () => boolean = () => false): Worker {
    const borrows: Borrow[] = [];
    const limiter = createBorrowedRateLimiter({
      async borrow(key, limit, now, want, giveBack) {
        const noted: Borrow = { now, want, giveBack };
        borrows.push(noted);
        if (down()) throw new Error('the primary is gone');
        noted.loan = await primary.lend(key, limit, now, want, giveBack);
        return noted.loan;
      },
    });
    return { limiter, borrows };
  }

  const tokensOf = (bucket: string) => tokensOfRow(t.store, bucket);

  it('admits exactly N of many calls at one moment across two workers, one borrow per loan, then refuses without asking', async () => {
    const bucket = key();
    const limit: RateLimit = { count: 100, per: 'second' };
    const w1 = worker();
    const w2 = worker();
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => (i % 2 ? w1 : w2).limiter.take(bucket, limit, T0)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(100);
    // One token comes back every 10 ms.
    for (const r of results) if (!r.ok) expect(r.retryAfterMs).toBe(10);
    expect(await tokensOf(bucket)).toBe(0);
    // Each borrow took a whole lease (10 tokens), and each worker was refused once.
    const all = [...w1.borrows, ...w2.borrows];
    expect(all.filter((b) => b.loan?.ok)).toHaveLength(10);
    for (const b of all) if (b.loan?.ok) expect(b.loan.granted).toBe(10);
    expect(w1.borrows.at(-1)!.loan).toEqual({ ok: false, granted: 0, refusedUntil: T0 + 10 });
    expect(w2.borrows.at(-1)!.loan).toEqual({ ok: false, granted: 0, refusedUntil: T0 + 10 });
    expect(all).toHaveLength(12);
    // Until then the workers refuse on their own; then one call passes.
    expect(await w1.limiter.take(bucket, limit, T0 + 9)).toEqual({ ok: false, retryAfterMs: 1 });
    expect(await w2.limiter.take(bucket, limit, T0 + 9)).toEqual({ ok: false, retryAfterMs: 1 });
    expect(w1.borrows.length + w2.borrows.length).toBe(12);
    expect(await w1.limiter.take(bucket, limit, T0 + 10)).toEqual({ ok: true });
    expect(await w2.limiter.take(bucket, limit, T0 + 10)).toEqual({ ok: false, retryAfterMs: 10 });
  });

  it('does not refuse an app calling slowly through two workers: what an expired loan left goes back', async () => {
    const bucket = key();
    const w1 = worker();
    const w2 = worker();
    // Both workers take every 3 s for 3 minutes: 40 calls a minute of the 100 allowed, each a loan
    // of 10 that spends 1 (a loan lives at most LEASE_MS).
    for (let ms = 0; ms < 180_000; ms += 3000) {
      expect(await w1.limiter.take(bucket, HUNDRED_A_MINUTE, T0 + ms), `w1 at ${ms} ms`).toEqual({
        ok: true,
      });
      expect(await w2.limiter.take(bucket, HUNDRED_A_MINUTE, T0 + ms), `w2 at ${ms} ms`).toEqual({
        ok: true,
      });
    }
    for (const w of [w1, w2]) {
      expect(w.borrows).toHaveLength(60);
      expect(w.borrows.map((b) => [b.want, b.giveBack])).toEqual([
        [10, 0],
        ...Array.from({ length: 59 }, () => [10, 9]),
      ]);
    }
  });

  it('spends a loan only until the primary’s lease it came from expires', async () => {
    const bucket = key();
    const w = worker();
    // The primary leases 10 at T0 and spends 1; the worker borrows the 9 left at T0 + 1500.
    expect(await primary.take(bucket, HUNDRED_A_MINUTE, T0)).toEqual({ ok: true });
    for (let i = 0; i < 3; i++) {
      expect(await w.limiter.take(bucket, HUNDRED_A_MINUTE, T0 + 1500)).toEqual({ ok: true });
    }
    expect(w.borrows.map((b) => b.loan)).toEqual([{ ok: true, granted: 9, expiresAt: T0 + LEASE_MS }]);
    expect(await tokensOf(bucket)).toBe(90);
    // At the lease's expiry the worker borrows anew and gives back its 6, which reach the row with
    // the primary's new lease (the row made 3.333 tokens in 2 s).
    expect(await w.limiter.take(bucket, HUNDRED_A_MINUTE, T0 + LEASE_MS)).toEqual({ ok: true });
    expect(w.borrows.map((b) => [b.now, b.giveBack, b.loan])).toEqual([
      [T0 + 1500, 0, { ok: true, granted: 9, expiresAt: T0 + LEASE_MS }],
      [T0 + LEASE_MS, 6, { ok: true, granted: 10, expiresAt: T0 + 2 * LEASE_MS }],
    ]);
    expect(await tokensOf(bucket)).toBeCloseTo(89.333, 3);
  });

  it('fails the calls that wait for a failed borrow, admits none, and never gives tokens back twice', async () => {
    const bucket = key();
    let gone = false;
    const w = worker(() => gone);
    expect(await w.limiter.take(bucket, HUNDRED_A_MINUTE, T0)).toEqual({ ok: true });
    // The loan expires with 9 unspent; the channel is gone: three calls at once, one borrow, all fail.
    gone = true;
    const at = T0 + LEASE_MS;
    const failed = await Promise.allSettled(
      [0, 1, 2].map(() => w.limiter.take(bucket, HUNDRED_A_MINUTE, at)),
    );
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(w.borrows).toHaveLength(2);
    // Back again: the next call borrows, without the 9 it may have handed over already.
    gone = false;
    expect(await w.limiter.take(bucket, HUNDRED_A_MINUTE, at)).toEqual({ ok: true });
    expect(w.borrows.map((b) => b.giveBack)).toEqual([0, 9, 0]);
  });
});

describe('a worker’s memory of buckets', () => {
  it('forgets buckets with nothing left to spend once it holds 10,000', async () => {
    const seen: Array<{ key: string; giveBack: number }> = [];
    // A lender granting 2 tokens for 1 ms: each take leaves 1 to give back after that.
    const limiter = createBorrowedRateLimiter({
      async borrow(key, _limit, now, _want, giveBack) {
        seen.push({ key, giveBack });
        return { ok: true, granted: 2, expiresAt: now + 1 };
      },
    });
    const bucket = (i: number) => rateBucketKey('shop', 'BK_SOPS', `c${i}`);
    for (let i = 0; i < 9_999; i++) await limiter.take(bucket(i), HUNDRED_A_MINUTE, T0);
    // Below the mark nothing is forgotten: bucket 0 gives its unspent token back.
    await limiter.take(bucket(0), HUNDRED_A_MINUTE, T0 + 1);
    expect(seen.at(-1)).toEqual({ key: bucket(0), giveBack: 1 });
    // The 10,000th bucket's borrow sweeps those whose loan is over: bucket 1 has forgotten its token.
    await limiter.take(bucket(9_999), HUNDRED_A_MINUTE, T0 + 2);
    await limiter.take(bucket(1), HUNDRED_A_MINUTE, T0 + 2);
    expect(seen.at(-1)).toEqual({ key: bucket(1), giveBack: 0 });
  });
});
