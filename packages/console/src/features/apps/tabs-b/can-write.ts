// What the logged-in user may do on an app they can see: auditors read (secret values excepted);
// admins, operators and the app's developers (the only developers who see it) change it.
import type { User } from '@berth/sdk';

export function canWriteApp(user: Pick<User, 'role'>): boolean {
  return user.role !== 'auditor';
}

/** The app secret and secret config values: members, operators and admins (not auditors). */
export function canRevealSecrets(user: Pick<User, 'role'>): boolean {
  return user.role !== 'auditor';
}

/** The app's instance ceiling is set by admins only. */
export function canSetLimits(user: Pick<User, 'role'>): boolean {
  return user.role === 'admin';
}
