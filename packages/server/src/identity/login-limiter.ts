// Failed-login limits, kept in the store so they hold across berthd processes and replicas.
//
// Why our own and not a rate-limit library: the limits must hold across several berthd processes on
// one database (no shared memory, no Redis), count only attempts whose password was checked, and be
// exact under parallel requests. Each attempt is written as a row *before* its password is checked
// and only then are the rows counted; since every attempt counts the rows written before its own
// check, the k-th attempt to be written sees at least k rows, so a burst of parallel attempts cannot
// slip past a limit the way "check first, record the failure later" could. A wrong password leaves
// its row (a failure); a right one deletes its key's rows; an attempt refused before its check
// (limited, or LOGIN_BUSY) deletes its own row, so hammering a closed door does not keep it closed.
//
// The limits, within the window (BERTH_LOGIN_WINDOW):
// - per username *and* client address: `freeFailures` failures, then each further attempt must wait
//   `backoffMs` after the latest failure, doubled with every further failure, up to the window. A
//   flood against a username from one address slows that address down only: the same user logs in
//   from anywhere else as usual, so nobody can lock an account out.
// - per client address, across usernames: at most `maxFailuresPerAddress` failures (password
//   spraying), refused until enough failures have aged out of the window.
import type { Config } from '../config.ts';
import { newId } from '../crypto/tokens.ts';
import { BerthError } from '../errors.ts';
import type { Store } from '../store/store.ts';

/** One attempt, recorded as a failure until it is known to be something else. */
export interface LoginAttempt {
  /** The password was right: forget the failures of this username from this address. */
  succeeded(): Promise<void>;
  /** The password was not checked after all (berthd was busy, the store failed): it does not count. */
  abandon(): Promise<void>;
}

export interface LoginLimiter {
  /**
   * Records an attempt before its password is checked. Throws LOGIN_RATE_LIMITED (with
   * `details.retryAfterSeconds`) when it is over a limit; the attempt then does not count.
   */
  begin(username: string, ip: string): Promise<LoginAttempt>;
}

const PRUNE_EVERY_MS = 60_000;

export function createLoginLimiter(deps: {
  store: Store;
  login: Pick<Config['login'], 'windowMs' | 'freeFailures' | 'backoffMs' | 'maxFailuresPerAddress'>;
  clock: () => number;
}): LoginLimiter {
  const { db } = deps.store;
  const { windowMs, freeFailures, backoffMs, maxFailuresPerAddress } = deps.login;
  let lastPrune = 0;

  const remove = async (id: string) => {
    await db.deleteFrom('login_failures').where('id', '=', id).execute();
  };

  /** Milliseconds until `username` may try again from `address` (0: now), not counting attempt `id`. */
  async function waitFor(id: string, username: string, address: string, now: number): Promise<number> {
    const since = now - windowMs;
    const earlier = await db
      .selectFrom('login_failures')
      .select('at')
      .where('username', '=', username)
      .where('ip', '=', address)
      .where('at', '>', since)
      .where('id', '!=', id)
      .orderBy('at', 'desc')
      .execute();
    let wait = 0;
    if (earlier.length >= freeFailures) {
      const delay = Math.min(backoffMs * 2 ** (earlier.length - freeFailures), windowMs);
      wait = Number(earlier[0]!.at) + delay - now;
    }

    const row = await db
      .selectFrom('login_failures')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('ip', '=', address)
      .where('at', '>', since)
      .where('id', '!=', id)
      .executeTakeFirst();
    const fromAddress = Number(row?.n ?? 0);
    if (fromAddress >= maxFailuresPerAddress) {
      // Once the (count - max + 1) oldest failures have left the window, the count is below the cap.
      const pivot = await db
        .selectFrom('login_failures')
        .select('at')
        .where('ip', '=', address)
        .where('at', '>', since)
        .where('id', '!=', id)
        .orderBy('at', 'asc')
        .limit(1)
        .offset(fromAddress - maxFailuresPerAddress)
        .executeTakeFirst();
      wait = Math.max(wait, Number(pivot?.at ?? now) + windowMs - now);
    }
    return wait;
  }

  async function prune(now: number): Promise<void> {
    if (now - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = now;
    await db
      .deleteFrom('login_failures')
      .where('at', '<=', now - windowMs)
      .execute();
  }

  return {
    async begin(username, ip) {
      const now = deps.clock();
      const address = addressKey(ip);
      const id = newId('lgf');
      await db.insertInto('login_failures').values({ id, at: now, username, ip: address }).execute();
      let wait: number;
      try {
        wait = await waitFor(id, username, address, now);
      } catch (err) {
        await remove(id);
        throw err;
      }
      if (wait > 0) {
        await remove(id);
        const seconds = Math.max(1, Math.ceil(wait / 1000));
        throw new BerthError(
          'LOGIN_RATE_LIMITED',
          `Too many failed logins; try again in ${seconds} seconds`,
          { retryAfterSeconds: seconds },
        );
      }
      await prune(now);
      return {
        async succeeded() {
          await db
            .deleteFrom('login_failures')
            .where('username', '=', username)
            .where('ip', '=', address)
            .execute();
        },
        abandon: () => remove(id),
      };
    },
  };
}

/** Addresses are stored in a varchar(64) (IPv6 with a zone fits). */
function addressKey(ip: string): string {
  return ip.slice(0, 64);
}
