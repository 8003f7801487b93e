// Built-in components `berth/get_user` and `berth/list_users`: a user's public profile (user name,
// display name, e-mail, whether disabled) by user name, one or up to 100 at once. Never a password
// hash, role, session or token: the profile type has no such field. Their level is `sensitive`
// (they tell e-mail addresses): an app needs a grant an admin or operator gave.
import { BerthError } from '../errors.ts';
import type { BuiltinComponent } from './builtin-types.ts';

/** A user as the built-in system tells it to apps. */
export interface UserProfile {
  username: string;
  displayName: string;
  email: string | null;
  disabled: boolean;
}

export interface BuiltinUsers {
  /** The profiles of the users among these names that exist. */
  userProfiles(usernames: readonly string[]): Promise<UserProfile[]>;
}

/** Most user names one batch lookup takes. */
export const MAX_USERS_PER_LOOKUP = 100;

/** The wire shape (BlueKing's snake_case, as the envelope's fields). */
function userData(p: UserProfile) {
  return { username: p.username, display_name: p.displayName, email: p.email, disabled: p.disabled };
}

/** `a,b, c` → [a, b, c]: names once each, in order; empty items dropped. */
export function parseUsernames(value: string | null): string[] {
  const names = [
    ...new Set(
      (value ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
  if (names.length === 0) {
    throw new BerthError('VALIDATION_FAILED', 'usernames is required: user names separated by commas', {
      field: 'usernames',
    });
  }
  if (names.length > MAX_USERS_PER_LOOKUP) {
    throw new BerthError('VALIDATION_FAILED', `usernames names more than ${MAX_USERS_PER_LOOKUP} users`, {
      field: 'usernames',
    });
  }
  for (const name of names) {
    if (name.length > 128) {
      throw new BerthError('VALIDATION_FAILED', 'a user name is at most 128 characters', {
        field: 'usernames',
      });
    }
  }
  return names;
}

export const userComponent: BuiltinComponent<BuiltinUsers> = {
  declaration: {
    name: 'get_user',
    label: 'Look up a user',
    path: '/users/{username}',
    method: 'GET',
    type: 'query',
    permLevel: 'sensitive',
    hidden: false,
    docs: [
      "A user's public profile. `data`: `{username, display_name, email, disabled}` (`email` null",
      'when the user has none). `404 USER_NOT_FOUND` when there is no such user.',
    ].join('\n'),
  },
  handler: (deps) => async (call) => {
    const username = call.params['username'] ?? '';
    const [found] = await deps.userProfiles([username]);
    if (found === undefined || found.username !== username) {
      throw new BerthError('USER_NOT_FOUND', `No user ${username}`, { username });
    }
    return userData(found);
  },
};

export const userBatchComponent: BuiltinComponent<BuiltinUsers> = {
  declaration: {
    name: 'list_users',
    label: 'Look up users',
    path: '/users',
    method: 'GET',
    type: 'query',
    permLevel: 'sensitive',
    hidden: false,
    docs: [
      `Up to ${MAX_USERS_PER_LOOKUP} users at once: \`?usernames=alice,bob\`. \`data\`: the profiles of`,
      'those that exist, in the order asked (names that match no user are left out).',
    ].join('\n'),
  },
  handler: (deps) => async (call) => {
    const names = parseUsernames(call.query.get('usernames'));
    const found = new Map((await deps.userProfiles(names)).map((p) => [p.username, p]));
    return names.flatMap((n) => {
      const p = found.get(n);
      return p === undefined ? [] : [userData(p)];
    });
  },
};
