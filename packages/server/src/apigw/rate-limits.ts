// Rate limits of gateway calls, shared by every berthd process on the store: one token bucket per
// (calling app, system/component), capacity N, refilled continuously at N per period. The bucket is a
// store row; a process does not ask it on every call but leases a share of its tokens
// (max(1, ceil(N/10)), or fewer when fewer are left) and spends them locally, and leases again when
// they are spent. A lease lasts LEASE_MS: tokens not spent by then are spent no more, and go back to
// the row with the process's next lease of that bucket (in the same compare-and-set), so an app
// calling slowly, a lease per call, is not refused below its limit; a process that never calls
// again keeps at most one lease's worth out of the row.
//
// The bound: tokens leave the row only by leases, so the row enforces the bucket exactly; what a
// process admits in a window are the tokens it leased in it plus what is left of at most one earlier
// lease (it leases again only once its lease is spent or expired, and a lease lives LEASE_MS). So in
// any interval the calls admitted across P processes are at most what one bucket admits plus
// P × (lease size − 1); with a frozen clock exactly N. Leases are taken with a compare-and-set on the
// row (the same queries on SQLite, PostgreSQL and MySQL: no lock held, nothing to deadlock). After
// a refusal a process refuses locally until the bucket can hold a token again (the refill rate is
// fixed, so no other process can make one appear sooner), asking the store nothing meanwhile.
import type { Kysely } from 'kysely';
import type { DialectName } from '../store/dialect.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';

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

export interface RateLimiter {
  /** Spends one call of the bucket `key` (rateBucketKey) under `limit` at `now` (epoch ms). */
  take(key: string, limit: RateLimit, now: number): Promise<RateDecision>;
  /** Deletes the rows of buckets idle for a whole period (full again: the same as no row). */
  purge(now: number): Promise<number>;
}

/** The bucket of one calling app's calls to a component (or a system's, when component is ''). */
export function rateBucketKey(app: string, system: string, component: string): string {
  return `${app}:${system}/${component}`;
}

/** How many tokens a process leases at once under the limit. */
export function leaseSize(limit: RateLimit): number {
  return Math.max(1, Math.ceil(limit.count / 10));
}

interface Local {
  /** Tokens of the current lease not spent yet. */
  tokens: number;
  expiresAt: number;
  /** Refused until then without asking the store. */
  refusedUntil: number;
}

function createIfAbsent(db: Kysely<Database>, dialect: DialectName, row: Database['apigw_rate_buckets']) {
  const insert = db.insertInto('apigw_rate_buckets').values(row);
  return dialect === 'mysql' ? insert.ignore() : insert.onConflict((oc) => oc.column('bucket').doNothing());
}

export function createRateLimiter(deps: { store: Store }): RateLimiter {
  const { db } = deps.store;
  const local = new Map<string, Local>();
  const leasing = new Map<string, Promise<void>>();

  /** Forgets buckets whose lease and refusal are over (they would lease anew anyway). */
  function sweep(now: number): void {
    if (local.size < SWEEP_AT) return;
    for (const [key, l] of local) if (l.expiresAt <= now && l.refusedUntil <= now) local.delete(key);
  }

  /** Takes a lease from the row into `local` (giving back `unspent` tokens of an expired one), or
   *  records a refusal. */
  async function lease(key: string, limit: RateLimit, now: number, unspent: number): Promise<void> {
    sweep(now);
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
      if (granted > 0) {
        local.set(key, { tokens: granted, expiresAt: now + LEASE_MS, refusedUntil: 0 });
      } else {
        // When the row will hold a whole token again.
        const at = refilledUntil + takes(MILLI - after);
        local.set(key, { tokens: 0, expiresAt: 0, refusedUntil: Math.max(at, now + 1) });
      }
      return;
    }
    // Contended beyond reason: refuse this call, ask again on the next.
    local.set(key, { tokens: 0, expiresAt: 0, refusedUntil: now + 1 });
  }

  return {
    async take(key, limit, now) {
      if (!Number.isSafeInteger(limit.count) || limit.count < 1)
        throw new Error(`bad rate limit ${limit.count}`);
      for (;;) {
        const mine = local.get(key);
        if (mine && mine.refusedUntil > now) return { ok: false, retryAfterMs: mine.refusedUntil - now };
        if (mine && mine.tokens > 0 && mine.expiresAt > now) {
          mine.tokens--;
          return { ok: true };
        }
        const pending = leasing.get(key);
        if (pending) {
          await pending;
          continue;
        }
        const unspent = mine && mine.expiresAt <= now ? mine.tokens : 0;
        const leased = lease(key, limit, now, unspent).finally(() => leasing.delete(key));
        leasing.set(key, leased);
        await leased;
        // A lease just taken (or refused) at `now` answers on the next turn.
        const got = local.get(key)!;
        if (got.refusedUntil > now) return { ok: false, retryAfterMs: got.refusedUntil - now };
        if (got.tokens > 0) {
          got.tokens--;
          return { ok: true };
        }
      }
    },

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
