// Rate limits of gateway calls, shared by every berthd process on the store: one token bucket per
// (calling app, system/component), capacity N, refilled continuously at N per period. The bucket is a
// store row; a process does not ask it on every call but leases a share of its tokens
// (max(1, ceil(N/10)), or fewer when fewer are left) and spends them locally, and leases again when
// they are spent. A lease lasts LEASE_MS: tokens not spent by then are spent no more, and go back to
// the row with the process's next lease of that bucket (in the same compare-and-set), so an app
// calling slowly, a lease per call, is not refused below its limit; a process that never calls
// again keeps at most one lease's worth out of the row.
//
// A process may also lend tokens of its lease to processes that have no store (the gateway's
// workers, borrowed-rate-limits.ts): `lend` hands out up to the tokens wanted of the live lease,
// leasing as `take` does when it is spent or expired, and the loan expires with the lease it came
// from. A borrower gives back the tokens it did not spend of an expired loan with its next borrow;
// the lender adds them to what goes back to the row with its own next lease, never to a live lease.
// `take` is a loan of one token to the process itself.
//
// The bound: tokens leave the row only by leases, so the row enforces the bucket exactly; a loan
// never outlives the lease it came from, and a borrower borrows again only once its loan is spent or
// expired, as a process leases. So every holder (a process, or a borrower) spends in a window the
// tokens it got in it plus what is left of at most one earlier lease or loan, which already spent
// its first token. In any interval the calls admitted across P processes and B borrowers are at
// most what one bucket admits plus (P + B) × (lease size − 1); with a frozen clock exactly N. Leases
// are taken with a compare-and-set on the row (the same queries on SQLite, PostgreSQL and MySQL: no
// lock held, nothing to deadlock). After a refusal a process (and a borrower) refuses locally until
// the refill can make a token again (the refill rate is fixed; tokens given back meanwhile may make
// one sooner, and waiting for the refill errs the safe way), asking nothing meanwhile.
import type { Kysely } from 'kysely';
import type { DialectName } from '../store/dialect.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { Awaitable } from './awaitable.ts';

export type RatePeriod = 'second' | 'minute' | 'hour' | 'day';
export interface RateLimit {
  /** Calls allowed per period (> 0). */
  count: number;
  per: RatePeriod;
}
export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

export const PERIOD_MS: Record<RatePeriod, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};
/** How long leased tokens may be spent. */
export const LEASE_MS = 2000;
/** Compare-and-set attempts before a take gives up (and refuses: it fails closed). */
const MAX_ATTEMPTS = 20;
const MILLI = 1000;
/** Past this many buckets in memory, those with nothing left to remember are dropped. */
const SWEEP_AT = 10_000;

/**
 * What a lender answers a borrower (and what a holder of tokens gets when it asks for more):
 * `granted` tokens (1 or more) that may be spent until `expiresAt` (epoch ms, later than the `now`
 * they were lent at: the expiry of the lease they came from), or a refusal until `refusedUntil`
 * (the time the bucket can hold a token again). Plain data: it crosses the gateway's IPC channel.
 */
export type RateLoan =
  | { ok: true; granted: number; expiresAt: number }
  | { ok: false; granted: 0; refusedUntil: number };

export interface RateLimiter {
  /** Spends one call of the bucket `key` (rateBucketKey) under `limit` at `now` (epoch ms): at once
   *  from the tokens at hand, a promise when it has to lease. */
  take(key: string, limit: RateLimit, now: number): Awaitable<RateDecision>;
  /**
   * Lends up to `want` (≥ 1) tokens of this process's lease of `key`, leasing as `take` does when it
   * is spent or expired; `giveBack` are the tokens the borrower did not spend of an earlier loan of
   * `key` that has expired: they go back to the row with this process's next lease of it.
   */
  lend(key: string, limit: RateLimit, now: number, want: number, giveBack: number): Promise<RateLoan>;
  /** Deletes the rows of buckets idle for a whole period (full again: the same as no row). */
  purge(now: number): Promise<number>;
}

/** The bucket of one calling app's calls to a component (or a system's, when component is ''). */
export function rateBucketKey(app: string, system: string, component: string): string {
  return `${app}:${system}/${component}`;
}

/** How many tokens a process leases at once under the limit (and a borrower borrows). */
export function leaseSize(limit: RateLimit): number {
  return Math.max(1, Math.ceil(limit.count / 10));
}

/** Throws unless the limit is a whole number (≥ 1) of calls. */
export function checkRateLimit(limit: RateLimit): void {
  if (!validLimit(limit)) throw new Error(`bad rate limit ${limit.count}`);
}

function validLimit(limit: RateLimit): boolean {
  return Number.isSafeInteger(limit.count) && limit.count >= 1;
}

/** What a holder has of one bucket. */
interface Held {
  /** Tokens of the current lease (or loan) not spent or lent yet. */
  tokens: number;
  expiresAt: number;
  /** Refused until then without asking. */
  refusedUntil: number;
  /** Unspent tokens of expired leases and loans, handed back with the next acquisition. */
  returning: number;
}

/** Gets tokens of `key` for a holder, handing back `giveBack` unspent ones of expired leases or loans:
 *  a lease from the store row, or a loan from the process that leases. */
export type AcquireTokens = (
  key: string,
  limit: RateLimit,
  now: number,
  giveBack: number,
) => Promise<RateLoan>;

export interface TokenHolder {
  /** One token of `key` for a call of this holder's own: the answer at once when the tokens held
   *  (or a refusal held) decide it, else a promise (an acquisition). */
  take(key: string, limit: RateLimit, now: number): Awaitable<RateDecision>;
  /** Up to `want` tokens of what is held of `key`, acquiring more when it is spent or expired (one
   *  acquisition in flight per key; concurrent calls wait for it). Rejects when the acquisition does. */
  spend(key: string, limit: RateLimit, now: number, want: number, giveBack: number): Promise<RateLoan>;
}

/**
 * The tokens one process (or borrower) holds of each bucket, spent locally: the part `take`, `lend`
 * and a borrower's `take` share. Tokens to hand back are counted per key and handed to the next
 * acquisition; if it fails they are lost, the safe way (a token is never handed back twice). Memory
 * stays bounded: past SWEEP_AT buckets, those whose lease and refusal are over are forgotten (with
 * the tokens they had to hand back: also the safe way).
 */
export function createTokenHolder(acquire: AcquireTokens): TokenHolder {
  const held = new Map<string, Held>();
  const acquiring = new Map<string, Promise<void>>();

  /** Forgets buckets whose lease and refusal are over (they would acquire anew anyway), but for
   *  `keep` and those being acquired. Run before an acquisition: no more often than it. */
  function sweep(now: number, keep: string): void {
    if (held.size < SWEEP_AT) return;
    for (const [key, h] of held) {
      if (h.expiresAt <= now && h.refusedUntil <= now && key !== keep && !acquiring.has(key))
        held.delete(key);
    }
  }

  function heldOf(key: string): Held {
    let h = held.get(key);
    if (!h) {
      h = { tokens: 0, expiresAt: 0, refusedUntil: 0, returning: 0 };
      held.set(key, h);
    }
    return h;
  }

  /** The answer from what is held at `now`, or undefined when more must be acquired. */
  function answer(h: Held, now: number, want: number): RateLoan | undefined {
    if (h.refusedUntil > now) return { ok: false, granted: 0, refusedUntil: h.refusedUntil };
    if (h.tokens > 0 && h.expiresAt > now) {
      const granted = Math.min(want, h.tokens);
      h.tokens -= granted;
      return { ok: true, granted, expiresAt: h.expiresAt };
    }
    return undefined;
  }

  async function spend(
    key: string,
    limit: RateLimit,
    now: number,
    want: number,
    giveBack: number,
  ): Promise<RateLoan> {
    checkRateLimit(limit);
    if (!Number.isSafeInteger(want) || want < 1) throw new Error(`bad number of tokens wanted ${want}`);
    if (!Number.isSafeInteger(giveBack) || giveBack < 0)
      throw new Error(`bad number of tokens given back ${giveBack}`);
    heldOf(key).returning += giveBack;
    for (;;) {
      const h = heldOf(key);
      const ready = answer(h, now, want);
      if (ready) return ready;
      const pending = acquiring.get(key);
      if (pending) {
        await pending;
        continue;
      }
      sweep(now, key);
      if (h.expiresAt <= now) {
        h.returning += h.tokens;
        h.tokens = 0;
      }
      const giving = h.returning;
      h.returning = 0;
      const acquired = acquire(key, limit, now, giving)
        .then((loan) => {
          const got = heldOf(key);
          got.tokens = loan.ok ? loan.granted : 0;
          got.expiresAt = loan.ok ? loan.expiresAt : 0;
          got.refusedUntil = loan.ok ? 0 : loan.refusedUntil;
        })
        .finally(() => acquiring.delete(key));
      acquiring.set(key, acquired);
      await acquired;
      // What was just acquired at `now` answers this call first (the calls waiting resume after).
      const got = answer(heldOf(key), now, want);
      if (got) return got;
      throw new Error(`the tokens acquired for ${key} had expired at ${now}`);
    }
  }

  return {
    spend,
    take(key, limit, now) {
      // What `spend` answers first, without its promise: tokens at hand, or a refusal held.
      const h = held.get(key);
      const ready = h !== undefined && validLimit(limit) ? answer(h, now, 1) : undefined;
      if (ready !== undefined) return decision(ready, now);
      return spend(key, limit, now, 1, 0).then((loan) => decision(loan, now));
    },
  };
}

function decision(loan: RateLoan, now: number): RateDecision {
  return loan.ok ? { ok: true } : { ok: false, retryAfterMs: loan.refusedUntil - now };
}

function createIfAbsent(db: Kysely<Database>, dialect: DialectName, row: Database['apigw_rate_buckets']) {
  const insert = db.insertInto('apigw_rate_buckets').values(row);
  return dialect === 'mysql' ? insert.ignore() : insert.onConflict((oc) => oc.column('bucket').doNothing());
}

export function createRateLimiter(deps: { store: Store }): RateLimiter {
  const { db } = deps.store;
  const holder = createTokenHolder(lease);

  /** Takes a lease from the row (giving back `unspent` tokens of expired leases and loans), or
   *  answers when the row can hold a token again. */
  async function lease(key: string, limit: RateLimit, now: number, unspent: number): Promise<RateLoan> {
    const periodMs = PERIOD_MS[limit.per];
    const capacity = limit.count * MILLI;
    const fresh = { bucket: key, tokens_milli: capacity, refilled_at: now, period_ms: periodMs };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const row = await db
        .selectFrom('apigw_rate_buckets')
        .select(['tokens_milli', 'refilled_at'])
        .where('bucket', '=', key)
        .executeTakeFirst();
      if (!row) {
        // A new bucket (or one purged as idle) starts full; another process may create it first.
        await createIfAbsent(db, deps.store.dialect, fresh).execute();
        continue;
      }
      const before = Number(row.tokens_milli);
      const refilledAt = Number(row.refilled_at);
      // Thousandths of a token made in `ms`, and the ms it takes to make `milli` of them (integer
      // products divided once: exact where the answer is whole).
      const made = (ms: number) => Math.floor((ms * capacity) / periodMs);
      const takes = (milli: number) => Math.ceil((milli * periodMs) / capacity);
      const refill = made(Math.max(0, now - refilledAt));
      const full = before + refill + unspent * MILLI >= capacity;
      const available = full ? capacity : before + refill + unspent * MILLI;
      // The time the refill took is spent (rounded up to a whole ms: never credits more), the rest
      // is kept for the next refill; a full bucket keeps nothing.
      const refilledUntil = full ? Math.max(now, refilledAt) : refilledAt + takes(refill);
      const granted = Math.min(leaseSize(limit), Math.floor(available / MILLI));
      const after = available - granted * MILLI;
      const updated = await db
        .updateTable('apigw_rate_buckets')
        .set({ tokens_milli: after, refilled_at: refilledUntil, period_ms: periodMs })
        .where('bucket', '=', key)
        .where('tokens_milli', '=', before)
        .where('refilled_at', '=', refilledAt)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) continue; // another process leased meanwhile
      if (granted > 0) return { ok: true, granted, expiresAt: now + LEASE_MS };
      // When the row will hold a whole token again.
      const at = refilledUntil + takes(MILLI - after);
      return { ok: false, granted: 0, refusedUntil: Math.max(at, now + 1) };
    }
    // Contended beyond reason: refuse this call, ask again on the next (the unspent tokens are lost).
    return { ok: false, granted: 0, refusedUntil: now + 1 };
  }

  return {
    take: holder.take,
    lend: holder.spend,

    async purge(now) {
      // A bucket idle for a whole period is full again: the same as no row. (period_ms is per row,
      // so this compares in SQL: refilled_at + period_ms <= now.)
      const gone = await db
        .deleteFrom('apigw_rate_buckets')
        .where((eb) => eb(eb('refilled_at', '+', eb.ref('period_ms')), '<=', now))
        .executeTakeFirst();
      return Number(gone.numDeletedRows);
    },
  };
}
