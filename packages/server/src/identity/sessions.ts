// Logging in and out and changing one's own password. (Apps learn who a user is from a login ticket,
// app-tickets.ts, never from the session.)
import type { Role, User } from '@berth/sdk';
import { newId, randomToken, sha256 } from '../crypto/tokens.ts';
import { BerthError, isBerthError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import type { Actor } from './actor.ts';
import type { AuditLog } from './audit-log.ts';
import type { HashGate } from './hash-gate.ts';
import type { LoginAttempt, LoginLimiter } from './login-limiter.ts';
import { assertPasswordPolicy } from './password-policy.ts';
import { hashPassword, type PasswordParams, passwordNeedsRehash, verifyPassword } from './passwords.ts';
import { findUserById, findUserByName, revokeCredentials, toUser } from './user-records.ts';

export interface LoginInput {
  username: string;
  password: string;
  ip: string;
  userAgent?: string;
}

export interface LoginResult {
  user: User;
  /** The session token: the value of the session cookie (shown only here). */
  token: string;
  sessionId: string;
  expiresAt: number;
}

export interface Sessions {
  /** Throws LOGIN_RATE_LIMITED, LOGIN_BUSY, INVALID_CREDENTIALS or USER_DISABLED. */
  login(input: LoginInput): Promise<LoginResult>;
  /** Revokes the credential the actor used (the session, or the API token). */
  logout(actor: Actor): Promise<void>;
  /**
   * Changes the actor's own password (the current one is checked and counts towards the login
   * limits); their other sessions and all their API tokens are revoked, the current session stays.
   */
  changePassword(actor: Actor, currentPassword: string, newPassword: string): Promise<void>;
}

export function createSessions(deps: {
  store: Store;
  audit: AuditLog;
  logger: Logger;
  limiter: LoginLimiter;
  hashGate: HashGate;
  sessionTtlMs: number;
  passwordParams: PasswordParams;
  clock: () => number;
}): Sessions {
  const { db } = deps.store;
  let dummyHash: Promise<string> | undefined;

  /** Spends one hash for an unknown user too, so response times do not tell which usernames exist. */
  function spendHash(password: string): Promise<boolean> {
    dummyHash ??= hashPassword(randomToken(16), deps.passwordParams);
    return dummyHash.then((hash) => verifyPassword(password, hash)).then(() => false);
  }

  /**
   * Runs the part of an attempt that checks the password. When it fails before the check has an
   * answer (LOGIN_BUSY, the store), the attempt does not count.
   */
  async function checked<T>(attempt: LoginAttempt, check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (err) {
      await attempt.abandon();
      throw err;
    }
  }

  async function rehashIfOutdated(userId: string, stored: string, password: string): Promise<void> {
    if (!passwordNeedsRehash(stored, deps.passwordParams)) return;
    const fresh = await hashPassword(password, deps.passwordParams);
    await db
      .updateTable('users')
      .set({ password_hash: fresh })
      .where('id', '=', userId)
      .where('password_hash', '=', stored)
      .execute();
  }

  return {
    async login(input) {
      const attempt = await deps.limiter.begin(input.username, input.ip).catch((err: unknown) => {
        if (isBerthError(err, 'LOGIN_RATE_LIMITED')) {
          deps.logger.warn({ username: input.username, ip: input.ip }, 'login refused: rate limited');
        }
        throw err;
      });
      const { row, ok } = await checked(attempt, async () => {
        const found = await findUserByName(db, input.username);
        const matches = await deps.hashGate.run(input.ip, () =>
          found ? verifyPassword(input.password, found.password_hash) : spendHash(input.password),
        );
        return { row: found, ok: matches };
      }).catch((err: unknown) => {
        if (isBerthError(err, 'LOGIN_BUSY')) {
          deps.logger.warn(
            { username: input.username, ip: input.ip },
            'login refused: too many checks at once',
          );
        }
        throw err;
      });
      if (!row || !ok) {
        await deps.audit.record(db, {
          actor: null,
          actorName: 'anonymous',
          action: 'session.login_failed',
          targetType: 'user',
          targetId: input.username,
          ip: input.ip,
          detail: { reason: row ? 'wrong_password' : 'unknown_user' },
        });
        throw new BerthError('INVALID_CREDENTIALS');
      }
      if (Number(row.disabled) === 1) {
        // The right password of a disabled user: neither a failure nor a success.
        await attempt.abandon();
        await deps.audit.record(db, {
          actor: null,
          actorName: 'anonymous',
          action: 'session.login_failed',
          targetType: 'user',
          targetId: input.username,
          ip: input.ip,
          detail: { reason: 'disabled' },
        });
        throw new BerthError('USER_DISABLED');
      }
      await attempt.succeeded();

      await rehashIfOutdated(row.id, row.password_hash, input.password);

      const now = deps.clock();
      const token = randomToken(32);
      const sessionId = newId('ses');
      const expiresAt = now + deps.sessionTtlMs;
      const actor: Actor = {
        userId: row.id,
        username: row.username,
        role: row.role as Role,
        via: 'session',
        credentialId: sessionId,
        ip: input.ip,
      };
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('sessions')
          .values({
            id: sessionId,
            token_hash: sha256(token),
            user_id: row.id,
            created_at: now,
            expires_at: expiresAt,
            revoked_at: null,
            ip: input.ip.slice(0, 64),
            user_agent: input.userAgent ? input.userAgent.slice(0, 255) : null,
            last_seen_at: now,
          })
          .execute();
        await deps.audit.record(trx, {
          actor,
          action: 'session.login',
          targetType: 'session',
          targetId: sessionId,
          detail: { expiresAt },
        });
      });
      return { user: toUser(row), token, sessionId, expiresAt };
    },

    async logout(actor) {
      const now = deps.clock();
      await db.transaction().execute(async (trx) => {
        const table = actor.via === 'session' ? 'sessions' : 'api_tokens';
        await trx
          .updateTable(table)
          .set({ revoked_at: now })
          .where('id', '=', actor.credentialId)
          .where('revoked_at', 'is', null)
          .execute();
        await deps.audit.record(trx, {
          actor,
          action: 'session.logout',
          targetType: actor.via === 'session' ? 'session' : 'token',
          targetId: actor.credentialId,
        });
      });
    },

    async changePassword(actor, currentPassword, newPassword) {
      const row = await findUserById(db, actor.userId);
      if (!row) throw new BerthError('USER_NOT_FOUND');
      assertPasswordPolicy(newPassword, row.username);
      if (newPassword === currentPassword) {
        throw new BerthError('WEAK_PASSWORD', 'The new password must differ from the current one', {
          rule: 'unchanged',
        });
      }
      const attempt = await deps.limiter.begin(actor.username, actor.ip);
      const hash = await checked(attempt, () =>
        deps.hashGate.run(actor.ip, async () =>
          (await verifyPassword(currentPassword, row.password_hash))
            ? hashPassword(newPassword, deps.passwordParams)
            : undefined,
        ),
      );
      if (hash === undefined) throw new BerthError('INVALID_CREDENTIALS', 'The current password is wrong');
      await attempt.succeeded();
      const now = deps.clock();
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({
            password_hash: hash,
            password_changed_at: now,
            password_change_required: 0,
            updated_at: now,
          })
          .where('id', '=', row.id)
          .execute();
        await revokeCredentials(trx, row.id, now, {
          tokens: true,
          ...(actor.via === 'session' ? { keepSessionId: actor.credentialId } : {}),
        });
        await deps.audit.record(trx, {
          actor,
          action: 'user.password_change',
          targetType: 'user',
          targetId: row.username,
        });
      });
    },
  };
}
