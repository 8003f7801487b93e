// What each role may do in the identity module. Apps and jobs decide their own rules (apps module).
import type { Role } from '@berth/sdk';
import { BerthError } from '../errors.ts';
import type { Actor } from './actor.ts';

/** Throws FORBIDDEN unless the actor has one of the roles. */
export function assertRole(actor: Actor, roles: readonly Role[]): void {
  if (!roles.includes(actor.role)) throw new BerthError('FORBIDDEN');
}

/** Who may list and read users: everyone but developers (who may read themselves). */
export const USER_READERS: readonly Role[] = ['admin', 'operator', 'auditor'];
/** Who may create, change, disable and delete users. */
export const USER_ADMINS: readonly Role[] = ['admin'];
/** Who may reset passwords at all (whose: see assertMayResetPassword). */
export const PASSWORD_RESETTERS: readonly Role[] = ['admin', 'operator'];

/**
 * Whose password each role may reset, that is set without knowing it. Whoever resets a password can
 * log in as that user, so a role may reset only the passwords of roles it could not gain anything
 * from: admins anyone's (they hold every right already); operators developers' only (an auditor's
 * password would give them the audit log, an admin's everything). Nobody resets their own: that is a
 * change, which needs the current password (PUT /api/v1/me/password).
 */
const RESETTABLE = new Map<Role, readonly Role[]>([
  ['admin', ['admin', 'operator', 'developer', 'auditor']],
  ['operator', ['developer']],
]);

/** Throws FORBIDDEN unless the actor may reset the target's password. */
export function assertMayResetPassword(actor: Actor, target: { id: string; role: string }): void {
  if (target.id === actor.userId) {
    throw new BerthError(
      'FORBIDDEN',
      'Change your own password with PUT /api/v1/me/password (berth passwd): it needs the current one',
    );
  }
  if (!(RESETTABLE.get(actor.role) ?? []).some((role) => role === target.role)) {
    throw new BerthError(
      'FORBIDDEN',
      `The role ${actor.role} may not reset the password of a user with role ${target.role}`,
    );
  }
}
/** Who may read the audit log. */
export const AUDIT_READERS: readonly Role[] = ['admin', 'auditor'];
/** Who may list and revoke every user's API tokens. */
export const TOKEN_ADMINS: readonly Role[] = ['admin'];
