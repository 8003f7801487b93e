// The first start: when no user exists, create `admin` with the configured or a generated password.
// A generated password has been printed on a terminal (and maybe into a log), so the admin must
// replace it on their first login before the account can do anything else.
// Berthd replicas starting together against one database create exactly one (the username is
// unique; the losers see the violation and carry on).
import { newId } from '../crypto/tokens.ts';
import { BerthError, isBerthError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { isUniqueViolation } from '../store/dialect.ts';
import type { Store } from '../store/store.ts';
import type { AuditLog } from './audit-log.ts';
import { assertPasswordPolicy } from './password-policy.ts';
import { generatePassword, hashPassword, type PasswordParams } from './passwords.ts';

export const BOOTSTRAP_USERNAME = 'admin';

export interface BootstrapResult {
  created: boolean;
  username: string;
  /** Set only when the password was generated on this start (shown once, never logged). */
  generatedPassword?: string;
}

export async function bootstrapAdmin(
  deps: {
    store: Store;
    audit: AuditLog;
    logger: Logger;
    passwordParams: PasswordParams;
    clock: () => number;
  },
  password: string | undefined,
): Promise<BootstrapResult> {
  const { db } = deps.store;
  const existing = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (existing) return { created: false, username: await firstAdminName(deps.store) };

  const generated = password === undefined ? generatePassword() : undefined;
  const chosen = password ?? generated!;
  try {
    assertPasswordPolicy(chosen, BOOTSTRAP_USERNAME);
  } catch (err) {
    if (isBerthError(err, 'WEAK_PASSWORD')) {
      throw new BerthError(
        'WEAK_PASSWORD',
        `BERTH_ADMIN_PASSWORD: ${err.message.toLowerCase()}`,
        err.details,
      );
    }
    throw err;
  }
  const hash = await hashPassword(chosen, deps.passwordParams);
  const now = deps.clock();
  const id = newId('usr');
  try {
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('users')
        .values({
          id,
          username: BOOTSTRAP_USERNAME,
          display_name: 'Administrator',
          email: null,
          role: 'admin',
          disabled: 0,
          password_hash: hash,
          created_at: now,
          updated_at: now,
          password_changed_at: now,
          password_change_required: generated ? 1 : 0,
        })
        .execute();
      await deps.audit.record(trx, {
        actor: null,
        action: 'user.create',
        targetType: 'user',
        targetId: BOOTSTRAP_USERNAME,
        detail: { id, role: 'admin', bootstrap: true },
      });
    });
  } catch (err) {
    if (isUniqueViolation(err)) return { created: false, username: BOOTSTRAP_USERNAME };
    throw err;
  }
  deps.logger.info(
    { username: BOOTSTRAP_USERNAME, passwordFrom: generated ? 'generated' : 'BERTH_ADMIN_PASSWORD' },
    'created the first admin',
  );
  return generated
    ? { created: true, username: BOOTSTRAP_USERNAME, generatedPassword: generated }
    : { created: true, username: BOOTSTRAP_USERNAME };
}

/** The name to suggest for logging in: the oldest active admin's, else `admin`. */
async function firstAdminName(store: Store): Promise<string> {
  const row = await store.db
    .selectFrom('users')
    .select('username')
    .where('role', '=', 'admin')
    .where('disabled', '=', 0)
    .orderBy('created_at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return row?.username ?? BOOTSTRAP_USERNAME;
}
