// Rows of the users table as the module's callers see them.
import type { Role, User } from '@berth/sdk';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { UsersTable } from './tables.ts';

/** What other modules need to know about a user. */
export interface UserSummary {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  disabled: boolean;
}

export type Db = Kysely<Database> | Transaction<Database>;

export function toUser(row: UsersTable): User {
  const user: User = {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role as Role,
    disabled: Number(row.disabled) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
  if (row.email !== null) user.email = row.email;
  if (Number(row.password_change_required) === 1) user.passwordChangeRequired = true;
  return user;
}

export function toSummary(row: UsersTable): UserSummary {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role as Role,
    disabled: Number(row.disabled) === 1,
  };
}

export async function findUserByName(db: Db, username: string): Promise<UsersTable | undefined> {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

export async function findUserById(db: Db, id: string): Promise<UsersTable | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Revokes a user's sessions (all, or all but one) and, when asked, their API tokens. Call it inside
 * the transaction that disables the user or sets their password.
 */
export async function revokeCredentials(
  db: Db,
  userId: string,
  now: number,
  options: { tokens: boolean; keepSessionId?: string },
): Promise<void> {
  let sessions = db
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null);
  if (options.keepSessionId) sessions = sessions.where('id', '!=', options.keepSessionId);
  await sessions.execute();
  if (options.tokens) {
    await db
      .updateTable('api_tokens')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
  }
}
