// Failed-login limits, kept in the store so they hold across berthd replicas: failures are counted
// per username and per client address within a sliding window. At the limit every further attempt
// is refused (even with the right password) until enough failures have aged out of the window.
import type { Config } from '../config.ts';
import { newId } from '../crypto/tokens.ts';
import { BerthError } from '../errors.ts';
import type { Store } from '../store/store.ts';

export interface LoginLimiter {
  /** Throws LOGIN_RATE_LIMITED with `details.retryAfterSeconds` when a limit is reached. */
  assertAllowed(username: string, ip: string): Promise<void>;
  recordFailure(username: string, ip: string): Promise<void>;
  /** After a successful login: forget that username's failures. */
  clearUser(username: string): Promise<void>;
}

const PRUNE_EVERY_MS = 60_000;

export function createLoginLimiter(deps: {
  store: Store;
  login: Config['login'];
  clock: () => number;
}): LoginLimiter {
  const { db } = deps.store;
  const { windowMs } = deps.login;
  let lastPrune = 0;

  /** Seconds until the failures of `column = value` drop below `max`, or 0 when below already. */
  async function retryAfter(column: 'username' | 'ip', value: string, max: number, now: number) {
    const since = now - windowMs;
    const row = await db
      .selectFrom('login_failures')
      .select((eb) => eb.fn.countAll().as('n'))
      .where(column, '=', value)
      .where('at', '>', since)
      .executeTakeFirst();
    const count = Number(row?.n ?? 0);
    if (count < max) return 0;
    // Once the (count - max + 1) oldest failures have left the window, the count is below the limit.
    const pivot = await db
      .selectFrom('login_failures')
      .select('at')
      .where(column, '=', value)
      .where('at', '>', since)
      .orderBy('at', 'asc')
      .limit(1)
      .offset(count - max)
      .executeTakeFirst();
    const until = Number(pivot?.at ?? now) + windowMs;
    return Math.max(1, Math.ceil((until - now) / 1000));
  }

  return {
    async assertAllowed(username, ip) {
      const now = deps.clock();
      const seconds = Math.max(
        await retryAfter('username', username, deps.login.maxFailuresPerUser, now),
        await retryAfter('ip', addressKey(ip), deps.login.maxFailuresPerAddress, now),
      );
      if (seconds > 0) {
        throw new BerthError(
          'LOGIN_RATE_LIMITED',
          `Too many failed logins; try again in ${seconds} seconds`,
          { retryAfterSeconds: seconds },
        );
      }
    },

    async recordFailure(username, ip) {
      const now = deps.clock();
      await db
        .insertInto('login_failures')
        .values({ id: newId('lgf'), at: now, username, ip: addressKey(ip) })
        .execute();
      if (now - lastPrune >= PRUNE_EVERY_MS) {
        lastPrune = now;
        await db
          .deleteFrom('login_failures')
          .where('at', '<=', now - windowMs)
          .execute();
      }
    },

    async clearUser(username) {
      await db.deleteFrom('login_failures').where('username', '=', username).execute();
    },
  };
}

/** Addresses are stored in a varchar(64) (IPv6 with a zone fits). */
function addressKey(ip: string): string {
  return ip.slice(0, 64);
}
