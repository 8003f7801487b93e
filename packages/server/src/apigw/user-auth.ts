// Which user a gateway call acts for. A platform session token (X-Berth-User-Token, or BlueKing's
// bk_token) is looked up as the console's session would be (the identity module's session lookup:
// an API token, an expired or revoked session, a disabled user or one who must change their
// password first are refused). A user name alone counts only from a trusted app (grants.ts); any
// other app gets APIGW_USER_AUTH_FAILED. App credentials never stand for a user: a token that is the
// call's app secret is refused before any lookup (and no session has one for its token anyway).
import type { Role } from '@berth/sdk';
import { BerthError, isBerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import type { UserSummary } from '../identity/user-records.ts';
import type { CallerClaims } from './caller-credentials.ts';

export interface GatewayUser {
  userId: string;
  username: string;
  role: Role;
  /** A session token was sent, or a trusted app named the user. */
  via: 'session' | 'trusted-app';
}

export interface UserAuthDeps {
  /** identity.resolveSession: a session token to its user; throws a BerthError when not valid. */
  resolveSession(token: string, ip: string): Promise<Actor>;
  /** identity.lookupUser */
  lookupUser(username: string): Promise<UserSummary | null>;
  /** Whether the app may name a user without a token (grants.ts). */
  isTrusted(app: string, now: number): Promise<boolean>;
  now?: () => number;
}

export interface UserAuthInput {
  claims: CallerClaims;
  /** The authenticated calling app (app-auth.ts). */
  app: string;
  /** The caller's address (for the session's record). */
  ip: string;
  /** When false, a call that names no user answers undefined instead of failing (default true). */
  required?: boolean;
}

export interface UserAuth {
  /** The call's user; throws APIGW_USER_AUTH_FAILED. */
  authenticateUser(input: UserAuthInput): Promise<GatewayUser | undefined>;
}

const MAX_USERNAME_LENGTH = 255;

export function createUserAuth(deps: UserAuthDeps): UserAuth {
  const now = deps.now ?? Date.now;
  const failed = (message: string) => new BerthError('APIGW_USER_AUTH_FAILED', message);

  return {
    async authenticateUser({ claims, app, ip, required = true }) {
      if (claims.userToken) {
        const { token } = claims.userToken;
        if (claims.secret !== undefined && token === claims.secret) {
          throw failed("An app secret is not a user token: send the user's session token");
        }
        try {
          const actor = await deps.resolveSession(token, ip);
          return { userId: actor.userId, username: actor.username, role: actor.role, via: 'session' };
        } catch (err) {
          if (!isBerthError(err)) throw err;
          throw failed(`The user token is not a valid session (${err.code})`);
        }
      }
      if (claims.username) {
        const { name } = claims.username;
        if (!(await deps.isTrusted(app, now()))) {
          throw failed(`The app ${app} may not name a user without a session token (it is not trusted)`);
        }
        const user = name.length > MAX_USERNAME_LENGTH ? null : await deps.lookupUser(name);
        if (!user || user.disabled) throw failed(`No active user ${name}`);
        return { userId: user.id, username: user.username, role: user.role, via: 'trusted-app' };
      }
      if (!required) return undefined;
      throw failed('The component needs a user: send X-Berth-User-Token (or bk_token)');
    },
  };
}
