// The rules of the users page: which buttons a role sees, what an edit sends, and field checks.
// The checks repeat the API schema's (USERNAME_PATTERN and EmailSchema in @berth/sdk's identity
// schemas, which the console cannot import at run time: the SDK root pulls TypeBox into the
// bundle), only so that a mistake shows beside its field before a request; the API still checks,
// and its VALIDATION_FAILED is shown should they ever differ.
import type { UpdateUserRequest, User } from '@berth/sdk';

export const USERNAME_RE = /^[a-z][a-z0-9._-]{1,63}$/;
export const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

export interface EditForm {
  displayName: string;
  email: string;
  role: User['role'];
}

/** The PATCH body for what the edit form changed; undefined when nothing did. */
export function userChanges(user: User, values: EditForm): UpdateUserRequest | undefined {
  const body: UpdateUserRequest = {};
  const displayName = values.displayName.trim();
  if (displayName && displayName !== user.displayName) body.displayName = displayName;
  const email = values.email.trim();
  if (email !== (user.email ?? '')) body.email = email === '' ? null : email;
  if (values.role !== user.role) body.role = values.role;
  return Object.keys(body).length > 0 ? body : undefined;
}

/** What the signed-in user's role lets them do to `target` (the API decides in the end). */
export interface UserActions {
  edit: boolean;
  disable: boolean;
  delete: boolean;
  resetPassword: boolean;
}

export function userActions(
  me: Pick<User, 'username' | 'role'>,
  target: Pick<User, 'username' | 'role'>,
): UserActions {
  const admin = me.role === 'admin';
  const self = me.username === target.username;
  return {
    edit: admin,
    disable: admin,
    delete: admin,
    // Nobody resets their own password (they change it, with the current one); operators only
    // developers'.
    resetPassword: !self && (admin || (me.role === 'operator' && target.role === 'developer')),
  };
}
