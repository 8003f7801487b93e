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
/** Who may reset passwords: admins anyone's, operators those of non-admins. */
export const PASSWORD_RESETTERS: readonly Role[] = ['admin', 'operator'];
/** Who may read the audit log. */
export const AUDIT_READERS: readonly Role[] = ['admin', 'auditor'];
/** Who may list and revoke every user's API tokens. */
export const TOKEN_ADMINS: readonly Role[] = ['admin'];
