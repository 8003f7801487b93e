// Resolves the credential on a request (an API token in `Authorization: Bearer`, or the session
// cookie) to an actor. Tokens are looked up by their SHA-256 digest; last-use times are written at
// most once a minute.
//
// The session cookie belongs to the console's origin only (docs/security.md, "Session design"):
// `__Host-berth_session` (Secure, no Domain, Path=/) when the console is https or on a loopback
// name, else `berth_session` without Secure (browsers refuse Secure cookies from plain http). Only
// the one name berthd sets is read; `berth_token`, the cookie of earlier versions, never is.
//
// A user who must change their password first (a generated first password) is an actor only on the
// routes that say `config: { allowPendingPasswordChange: true }` (see me and logout); everywhere
// else the request is refused with PASSWORD_CHANGE_REQUIRED.
import type { Role } from '@berth/sdk';
import type { FastifyRequest } from 'fastify';
import { sha256 } from '../crypto/tokens.ts';
import { BerthError, isBerthError } from '../errors.ts';
import { readCookie } from '../http/cookies.ts';
import type { Authenticate } from '../http/server.ts';
import { PLATFORM_COOKIE_NAMES, type PlatformCookieName } from '../platform-cookies.ts';
import type { Store } from '../store/store.ts';
import type { Actor } from './actor.ts';

/** The session cookie of a console browsers hold Secure cookies for (https, or http on localhost). */
export const SECURE_SESSION_COOKIE: PlatformCookieName = '__Host-berth_session';
/** The session cookie of a plain-http console on another host name (no Secure flag possible). */
export const PLAIN_SESSION_COOKIE: PlatformCookieName = 'berth_session';
/** Every cookie name the platform sets or once set: apps never receive these nor set them. */
export const PLATFORM_COOKIES = PLATFORM_COOKIE_NAMES;

/** The session cookie's name for a console whose cookie can be Secure, or not. */
export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : PLAIN_SESSION_COOKIE;
}
export const API_TOKEN_PREFIX = 'berth_';
/** Longer presented tokens are refused without a lookup. */
const MAX_TOKEN_LENGTH = 512;
const TOUCH_EVERY_MS = 60_000;
/** The user behind a session or a token, as both lookups select it. */
const USER_COLUMNS = [
  'users.id as userId',
  'users.username as username',
  'users.display_name as displayName',
  'users.role as role',
  'users.disabled as disabled',
  'users.password_change_required as passwordChangeRequired',
] as const;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route serves users who must change their password first (GET /me, the change, logout). */
    allowPendingPasswordChange?: boolean;
  }
}

/** Last-use times are written at most once a minute, not on every request. */
function dueForTouch(last: number | null, now: number): boolean {
  return last === null || now - Number(last) >= TOUCH_EVERY_MS;
}

export interface ResolvedCredential {
  actor: Actor;
  displayName: string;
  /** The user must change their password before anything else. */
  passwordChangeRequired: boolean;
}

export interface Credentials {
  authenticate: Authenticate;
  /** A session token to its actor; throws TOKEN_INVALID / TOKEN_EXPIRED / TOKEN_REVOKED / USER_DISABLED. */
  resolveSession(token: string, ip: string): Promise<ResolvedCredential>;
  /** An API token (`berth_…`) to its actor; throws like resolveSession. */
  resolveApiToken(token: string, ip: string): Promise<ResolvedCredential>;
  /** An API token when it starts with `berth_`, else a session token. */
  resolve(token: string, ip: string): Promise<ResolvedCredential>;
}

interface Found {
  id: string;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
  userId: string;
  username: string;
  displayName: string;
  role: string;
  disabled: number;
  passwordChangeRequired: number;
}

export function createCredentials(deps: {
  store: Store;
  clock: () => number;
  /** The session cookie's name (`sessionCookieName`). */
  cookieName: string;
}): Credentials {
  const { db } = deps.store;

  function check(found: Found | undefined, via: Actor['via'], ip: string, now: number): ResolvedCredential {
    if (!found) throw new BerthError('TOKEN_INVALID');
    if (found.revokedAt !== null) throw new BerthError('TOKEN_REVOKED');
    if (found.expiresAt !== null && now >= Number(found.expiresAt)) throw new BerthError('TOKEN_EXPIRED');
    if (Number(found.disabled) === 1) throw new BerthError('USER_DISABLED');
    return {
      actor: {
        userId: found.userId,
        username: found.username,
        role: found.role as Role,
        via,
        credentialId: found.id,
        ip,
      },
      displayName: found.displayName,
      passwordChangeRequired: Number(found.passwordChangeRequired) === 1,
    };
  }

  const credentials: Credentials = {
    async resolveSession(token, ip) {
      if (!token || token.length > MAX_TOKEN_LENGTH) throw new BerthError('TOKEN_INVALID');
      const now = deps.clock();
      const found = await db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select([
          'sessions.id as id',
          'sessions.expires_at as expiresAt',
          'sessions.revoked_at as revokedAt',
          'sessions.last_seen_at as lastUsedAt',
          ...USER_COLUMNS,
        ])
        .where('sessions.token_hash', '=', sha256(token))
        .executeTakeFirst();
      const resolved = check(found, 'session', ip, now);
      if (dueForTouch(found!.lastUsedAt, now)) {
        await db
          .updateTable('sessions')
          .set({ last_seen_at: now })
          .where('id', '=', found!.id)
          .where('last_seen_at', '<=', now - TOUCH_EVERY_MS)
          .execute();
      }
      return resolved;
    },

    async resolveApiToken(token, ip) {
      if (!token.startsWith(API_TOKEN_PREFIX) || token.length > MAX_TOKEN_LENGTH) {
        throw new BerthError('TOKEN_INVALID');
      }
      const now = deps.clock();
      const found = await db
        .selectFrom('api_tokens')
        .innerJoin('users', 'users.id', 'api_tokens.user_id')
        .select([
          'api_tokens.id as id',
          'api_tokens.expires_at as expiresAt',
          'api_tokens.revoked_at as revokedAt',
          'api_tokens.last_used_at as lastUsedAt',
          ...USER_COLUMNS,
        ])
        .where('api_tokens.token_hash', '=', sha256(token))
        .executeTakeFirst();
      const resolved = check(found, 'token', ip, now);
      if (dueForTouch(found!.lastUsedAt, now)) {
        await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', found!.id).execute();
      }
      return resolved;
    },

    resolve(token, ip) {
      return token.startsWith(API_TOKEN_PREFIX)
        ? credentials.resolveApiToken(token, ip)
        : credentials.resolveSession(token, ip);
    },

    async authenticate(req: FastifyRequest) {
      const header = req.headers.authorization;
      let token: string | undefined;
      if (header !== undefined) {
        const match = /^Bearer +(\S+) *$/i.exec(header);
        if (!match) return { actor: null, error: 'TOKEN_INVALID' };
        token = match[1]!;
      } else {
        token = readCookie(req.headers.cookie, deps.cookieName);
        if (!token) return { actor: null };
      }
      try {
        const resolved = await credentials.resolve(token, req.ip);
        if (resolved.passwordChangeRequired && req.routeOptions.config?.allowPendingPasswordChange !== true) {
          return { actor: null, error: 'PASSWORD_CHANGE_REQUIRED' };
        }
        return { actor: resolved.actor };
      } catch (err) {
        if (isBerthError(err)) return { actor: null, error: err.code };
        throw err;
      }
    },
  };
  return credentials;
}
