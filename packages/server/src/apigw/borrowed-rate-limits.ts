// The rate limits of gateway calls served in the built-in gateway's worker processes, which have no
// store: a worker borrows tokens of a bucket from berthd's primary process (RateLimiter.lend, over
// the IPC channel: `borrow`), a lease's worth at a time, and spends them locally as the primary
// spends its lease (the same token holder, rate-limits.ts). When its loan is spent or expired it
// borrows again, giving back what it did not spend of the expired one; one borrow is in flight per
// bucket, and after a refusal it refuses until the refusal's time without asking.
//
// The bound of rate-limits.ts holds with workers counted as borrowers: tokens still leave the row
// only by the primary's store leases, a loan never outlives the lease it came from, and unspent
// tokens go back to the row only after their loan expired. A borrow that fails (the channel is gone)
// fails the call: nothing is admitted without a loan, and the tokens it was to give back are lost
// (the safe way: never given back twice).
import type { Awaitable } from './awaitable.ts';
import {
  createTokenHolder,
  leaseSize,
  type RateDecision,
  type RateLimit,
  type RateLoan,
} from './rate-limits.ts';

export interface BorrowedRateLimiterDeps {
  /** Asks the primary for a loan (its RateLimiter.lend); rejects when the primary cannot be asked. */
  borrow(key: string, limit: RateLimit, now: number, want: number, giveBack: number): Promise<RateLoan>;
}

export interface BorrowedRateLimiter {
  /** Spends one call of the bucket `key` under `limit` at `now` (epoch ms); rejects when it had to
   *  borrow and the borrow failed. */
  take(key: string, limit: RateLimit, now: number): Awaitable<RateDecision>;
}

export function createBorrowedRateLimiter(deps: BorrowedRateLimiterDeps): BorrowedRateLimiter {
  const holder = createTokenHolder((key, limit, now, giveBack) =>
    deps.borrow(key, limit, now, leaseSize(limit), giveBack),
  );
  return { take: holder.take };
}
