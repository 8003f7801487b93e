// The password policy, applied wherever a password is chosen: creating a user, an admin's reset,
// changing one's own password and BERTH_ADMIN_PASSWORD at start. A refusal names the rule it broke
// (`details.rule`, stable, listed in docs/errors.md under WEAK_PASSWORD).
import { BerthError } from '../errors.ts';
import { isCommonPassword } from './common-passwords.ts';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

export type PasswordRule = 'too_short' | 'too_long' | 'whitespace' | 'repeated' | 'username' | 'common';

export interface PasswordProblem {
  rule: PasswordRule;
  message: string;
}

/** A character, or a group of up to four, repeated: `aaaaaaaaaa`, `abababababab`, `123412341234`. */
const REPEATED = /^(.{1,4})\1+$/su;

/** What is wrong with this password for this user, or undefined when it may be used. */
export function passwordProblem(password: string, username: string): PasswordProblem | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    return {
      rule: 'too_short',
      message: `The password must be at least ${PASSWORD_MIN_LENGTH} characters long`,
    };
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return {
      rule: 'too_long',
      message: `The password must be at most ${PASSWORD_MAX_LENGTH} characters long`,
    };
  }
  if (password.trim() === '') return { rule: 'whitespace', message: 'The password must not be only spaces' };
  if (REPEATED.test(password)) {
    return { rule: 'repeated', message: 'The password must not be one character or group repeated' };
  }
  if (password.toLowerCase() === username.toLowerCase()) {
    return { rule: 'username', message: 'The password must not be the username' };
  }
  if (isCommonPassword(password)) {
    return { rule: 'common', message: 'The password is on a list of commonly used passwords' };
  }
  return undefined;
}

/** Throws WEAK_PASSWORD (with `details.rule`) unless the password passes the policy. */
export function assertPasswordPolicy(password: string, username: string): void {
  const problem = passwordProblem(password, username);
  if (problem) throw new BerthError('WEAK_PASSWORD', problem.message, { rule: problem.rule });
}
