// Which user a gateway call acts for. A gateway user token (X-Berth-User-Token, or BlueKing's
// bk_token field), which the app got when it redeemed the user's login ticket
// (identity/gateway-user-tokens.ts): it names the user in that app's calls only, and an expired one,
// another app's, or a disabled user's is refused. A platform session or API token is no user token
// here: an app never holds one (that would let it act on the platform as the user). A user name
// alone counts only from a trusted app (grants.ts); any other app gets APIGW_USER_AUTH_FAILED. App
// credentials never stand for a user: a token that is the call's app secret is refused first.
import { BerthError } from '../errors.ts';
import type { UserSummary } from '../identity/user-records.ts';
import type { CallerClaims } from './caller-credentials.ts';

export interface GatewayUser {
  userId: string;
  username: string;
  /** A gateway user token was sent, or a trusted app named the user. */
  via: 'token' | 'trusted-app';
}

export interface UserAuthDeps {
  /** identity.gatewayUserTokens.verify: the user a token names in `app`'s calls, if any. */
  verifyUserToken(token: string, app: string): Promise<{ id: string; username: string } | undefined>;
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
    async authenticateUser({ claims, app, required = true }) {
      if (claims.userToken) {
        const { token } = claims.userToken;
        if (claims.secret !== undefined && token === claims.secret) {
          throw failed("An app secret is not a user token: send the user's gateway token");
        }
        const user = await deps.verifyUserToken(token, app);
        if (!user) {
          throw failed(
            `The user token is not one ${app} got for a user (expired, another app's, or a platform credential)`,
          );
        }
        return { userId: user.id, username: user.username, via: 'token' };
      }
      if (claims.username) {
        const { name } = claims.username;
        if (!(await deps.isTrusted(app, now()))) {
          throw failed(`The app ${app} may not name a user without a session token (it is not trusted)`);
        }
        const user = name.length > MAX_USERNAME_LENGTH ? null : await deps.lookupUser(name);
        if (!user || user.disabled) throw failed(`No active user ${name}`);
        return { userId: user.id, username: user.username, via: 'trusted-app' };
      }
      if (!required) return undefined;
      throw failed('The component needs a user: send X-Berth-User-Token (or bk_token)');
    },
  };
}
