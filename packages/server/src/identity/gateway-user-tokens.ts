// Gateway user tokens: how an app names its user in API gateway calls without holding a platform
// credential. When an app's server redeems a login ticket (app-tickets.ts) it also gets one of these
// for that user; it sends it as `X-Berth-User-Token` in its calls through the API gateway. A token is
// random (256 bits), stored only as its SHA-256 digest, lives GATEWAY_USER_TOKEN_TTL_MS, and is good
// only in API gateway calls made by the app it was given to: the platform's API accepts no such token
// (its sessions and API tokens live elsewhere), and another app that got hold of one cannot use it.
// A disabled or deleted user's tokens stop working at once.
import { newId, randomToken, sha256 } from '../crypto/tokens.ts';
import type { Store } from '../store/store.ts';
import { findUserById } from './user-records.ts';

/** A working day: an app that needs longer sends its user through app-login again. */
export const GATEWAY_USER_TOKEN_TTL_MS = 8 * 3_600_000;
/** Expired tokens are deleted once they are this old (when the next one is issued). */
const KEEP_EXPIRED_MS = 3_600_000;
const MAX_TOKEN_LENGTH = 128;
/** Tokens start with this, so a leaked one is recognised for what it is. */
const PREFIX = 'bgu_';

export interface GatewayUserTokens {
  /** A new token naming `userId` in `app`'s gateway calls; the text is returned only here. */
  issue(userId: string, app: string): Promise<{ token: string; expiresAt: number }>;
  /** The user a token names, when it was given to `app`, is unexpired and the user is active. */
  verify(token: string, app: string): Promise<{ id: string; username: string } | undefined>;
}

export function createGatewayUserTokens(deps: { store: Store; clock: () => number }): GatewayUserTokens {
  const { db } = deps.store;
  return {
    async issue(userId, app) {
      const now = deps.clock();
      const token = `${PREFIX}${randomToken(32)}`;
      const expiresAt = now + GATEWAY_USER_TOKEN_TTL_MS;
      await db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom('gateway_user_tokens')
          .where('expires_at', '<', now - KEEP_EXPIRED_MS)
          .execute();
        await trx
          .insertInto('gateway_user_tokens')
          .values({
            id: newId('gut'),
            token_hash: sha256(token),
            user_id: userId,
            app,
            created_at: now,
            expires_at: expiresAt,
          })
          .execute();
      });
      return { token, expiresAt };
    },

    async verify(token, app) {
      if (typeof token !== 'string' || !token.startsWith(PREFIX) || token.length > MAX_TOKEN_LENGTH) {
        return undefined;
      }
      const row = await db
        .selectFrom('gateway_user_tokens')
        .select(['user_id', 'app', 'expires_at'])
        .where('token_hash', '=', sha256(token))
        .executeTakeFirst();
      if (!row || row.app !== app || deps.clock() >= Number(row.expires_at)) return undefined;
      const user = await findUserById(db, row.user_id);
      if (!user || Number(user.disabled) === 1) return undefined;
      return { id: user.id, username: user.username };
    },
  };
}
