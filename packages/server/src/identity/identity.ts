// The identity module's services behind one object: who is calling (authenticate), logging in and
// out, users, API tokens and the first admin. Other modules use lookupUser / usersByIds.
import type { User } from '@berth/sdk';
import type { Config } from '../config.ts';
import { BerthError } from '../errors.ts';
import type { Authenticate } from '../http/server.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import type { Actor } from './actor.ts';
import { type ApiTokens, createApiTokens } from './api-tokens.ts';
import { type AppTickets, createAppTickets } from './app-tickets.ts';
import type { AuditLog } from './audit-log.ts';
import { type BootstrapResult, bootstrapAdmin } from './bootstrap.ts';
import { createCredentials, sessionCookieName } from './credentials.ts';
import { createGatewayUserTokens, type GatewayUserTokens } from './gateway-user-tokens.ts';
import { createHashGate } from './hash-gate.ts';
import { createLoginLimiter } from './login-limiter.ts';
import { DEFAULT_PASSWORD_PARAMS, type PasswordParams } from './passwords.ts';
import { createSessions, type Sessions } from './sessions.ts';
import { findUserById, toSummary, toUser, type UserSummary } from './user-records.ts';
import { createUsers, type Users } from './users.ts';

export interface IdentityDeps {
  store: Store;
  audit: AuditLog;
  logger: Logger;
  sessionTtlMs: number;
  /** Whether the console's session cookie can be Secure (config.cookieSecure); default true. */
  cookieSecure?: boolean;
  login: Config['login'];
  /** Defaults to Date.now; tests pass their own clock. */
  clock?: () => number;
  /** scrypt parameters for new hashes; tests use cheaper ones. */
  passwordParams?: PasswordParams;
}

export interface Identity {
  /** Resolves the request's credential; never throws for a bad credential (see requireActor). */
  authenticate: Authenticate;
  /**
   * A presented token (`berth_…` API token, else a session token) to its actor; throws TOKEN_INVALID,
   * TOKEN_EXPIRED, TOKEN_REVOKED, USER_DISABLED or PASSWORD_CHANGE_REQUIRED.
   */
  resolveCredential(token: string, ip: string): Promise<Actor>;
  /** Creates `admin` when no user exists; later starts change nothing. */
  bootstrapAdmin(password?: string): Promise<BootstrapResult>;
  /** A user by username, or null (for the apps module). */
  lookupUser(username: string): Promise<UserSummary | null>;
  /** The public profiles (no role, no password, no token) of the users among these names that
   *  exist: the API gateway's built-in user lookup. */
  userProfiles(
    usernames: readonly string[],
  ): Promise<Array<{ username: string; displayName: string; email: string | null; disabled: boolean }>>;
  /** The users among these ids that exist (for the apps module). */
  usersByIds(ids: string[]): Promise<UserSummary[]>;
  /** The actor's own user record. */
  me(actor: Actor): Promise<User>;
  /** The session cookie berthd sets and reads (credentials.ts). */
  readonly sessionCookie: { name: string; secure: boolean };
  sessions: Sessions;
  users: Users;
  tokens: ApiTokens;
  /** Login tickets for apps (app-tickets.ts). */
  tickets: AppTickets;
  /** Tokens naming a user in an app's API gateway calls, given at a ticket's redemption. */
  gatewayUserTokens: GatewayUserTokens;
}

const IDS_PER_QUERY = 500;

export function createIdentity(deps: IdentityDeps): Identity {
  const clock = deps.clock ?? Date.now;
  const passwordParams = deps.passwordParams ?? DEFAULT_PASSWORD_PARAMS;
  const { store, audit, logger } = deps;
  const cookieSecure = deps.cookieSecure ?? true;
  const sessionCookie = { name: sessionCookieName(cookieSecure), secure: cookieSecure };
  const credentials = createCredentials({ store, clock, cookieName: sessionCookie.name });
  const limiter = createLoginLimiter({ store, login: deps.login, clock });
  const hashGate = createHashGate(deps.login);

  return {
    authenticate: credentials.authenticate,
    async resolveCredential(token, ip) {
      const resolved = await credentials.resolve(token, ip);
      if (resolved.passwordChangeRequired) throw new BerthError('PASSWORD_CHANGE_REQUIRED');
      return resolved.actor;
    },
    bootstrapAdmin: (password) => bootstrapAdmin({ store, audit, logger, passwordParams, clock }, password),

    async lookupUser(username) {
      const row = await store.db
        .selectFrom('users')
        .selectAll()
        .where('username', '=', username)
        .executeTakeFirst();
      return row ? toSummary(row) : null;
    },

    async userProfiles(usernames) {
      if (usernames.length === 0) return [];
      const rows = await store.db
        .selectFrom('users')
        .select(['username', 'display_name', 'email', 'disabled'])
        .where('username', 'in', [...usernames])
        .execute();
      return rows.map((r) => ({
        username: r.username,
        displayName: r.display_name,
        email: r.email,
        disabled: Number(r.disabled) === 1,
      }));
    },

    async usersByIds(ids) {
      const unique = [...new Set(ids)];
      const found: UserSummary[] = [];
      for (let i = 0; i < unique.length; i += IDS_PER_QUERY) {
        const chunk = unique.slice(i, i + IDS_PER_QUERY);
        const rows = await store.db.selectFrom('users').selectAll().where('id', 'in', chunk).execute();
        found.push(...rows.map(toSummary));
      }
      return found;
    },

    async me(actor) {
      const row = await findUserById(store.db, actor.userId);
      if (!row) throw new BerthError('USER_NOT_FOUND');
      return toUser(row);
    },

    sessionCookie,
    sessions: createSessions({
      store,
      audit,
      logger,
      limiter,
      hashGate,
      sessionTtlMs: deps.sessionTtlMs,
      passwordParams,
      clock,
    }),
    users: createUsers({ store, audit, passwordParams, clock }),
    tokens: createApiTokens({ store, audit, clock }),
    tickets: createAppTickets({ store, audit, clock }),
    gatewayUserTokens: createGatewayUserTokens({ store, clock }),
  };
}
