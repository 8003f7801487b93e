// User management: list, read, create, change, disable and delete users, with the role rules and the
// "last active admin" guard. Every change is written with its audit record in one transaction.
import type { PageQuery, Role, User } from '@berth/sdk';
import { newId } from '../crypto/tokens.ts';
import { BerthError } from '../errors.ts';
import { isUniqueViolation } from '../store/dialect.ts';
import { type Keyset, keysetPage, mapPage, type Page } from '../store/keyset.ts';
import type { Store } from '../store/store.ts';
import { type Actor, SYSTEM_ACTOR_NAME } from './actor.ts';
import type { AuditLog } from './audit-log.ts';
import { assertPasswordPolicy } from './password-policy.ts';
import { hashPassword, type PasswordParams } from './passwords.ts';
import {
  assertMayResetPassword,
  assertRole,
  PASSWORD_RESETTERS,
  USER_ADMINS,
  USER_READERS,
} from './roles.ts';
import type { UsersTable } from './tables.ts';
import { type Db, findUserByName, revokeCredentials, toUser } from './user-records.ts';

/** Names the audit log uses for non-users; nobody may take them. */
export const RESERVED_USERNAMES: readonly string[] = [SYSTEM_ACTOR_NAME, 'anonymous'];

export interface CreateUserInput {
  username: string;
  password: string;
  role: Role;
  displayName?: string;
  email?: string;
}

export interface UpdateUserInput {
  displayName?: string;
  /** null removes the address. */
  email?: string | null;
  role?: Role;
  disabled?: boolean;
  password?: string;
}

export interface Users {
  /** Admins, operators and auditors. */
  /** By username. */
  list(actor: Actor, page?: PageQuery): Promise<Page<User>>;
  /** Admins, operators and auditors; everyone may read themselves. */
  get(actor: Actor, username: string): Promise<User>;
  /** Admins only. Throws USERNAME_TAKEN, WEAK_PASSWORD. */
  create(actor: Actor, input: CreateUserInput): Promise<User>;
  /**
   * Admins; operators may only reset passwords (see assertMayResetPassword). A reset revokes the
   * user's sessions and API tokens. Throws LAST_ADMIN.
   */
  update(actor: Actor, username: string, input: UpdateUserInput): Promise<User>;
  /** Admins only. Throws LAST_ADMIN. */
  delete(actor: Actor, username: string): Promise<void>;
}

const USER_KEYSET: Keyset<UsersTable> = {
  list: 'users',
  order: 'asc',
  columns: [
    { ref: 'username', type: 'string' },
    { ref: 'id', type: 'string' },
  ],
  keyOf: (r) => [r.username, r.id],
};

export function createUsers(deps: {
  store: Store;
  audit: AuditLog;
  passwordParams: PasswordParams;
  clock: () => number;
}): Users {
  const { db } = deps.store;

  async function mustFind(trx: Db, username: string): Promise<UsersTable> {
    const row = await findUserByName(trx, username);
    if (!row) throw new BerthError('USER_NOT_FOUND');
    return row;
  }

  /**
   * Throws LAST_ADMIN when `target` is the only active admin. The active admins' rows are locked
   * (FOR UPDATE on PostgreSQL and MySQL; SQLite serialises writers) so two concurrent demotions
   * cannot both pass.
   */
  async function assertNotLastAdmin(trx: Db, target: UsersTable): Promise<void> {
    if (target.role !== 'admin' || Number(target.disabled) === 1) return;
    let q = trx
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .where('disabled', '=', 0)
      .orderBy('id');
    if (deps.store.dialect !== 'sqlite') q = q.forUpdate();
    const admins = await q.execute();
    if (admins.length <= 1 && admins.some((a) => a.id === target.id)) throw new BerthError('LAST_ADMIN');
  }

  return {
    async list(actor, page) {
      assertRole(actor, USER_READERS);
      const rows = await keysetPage(db.selectFrom('users').selectAll(), USER_KEYSET, page);
      return mapPage(rows, (r) => r.map(toUser));
    },

    async get(actor, username) {
      if (actor.username !== username) assertRole(actor, USER_READERS);
      return toUser(await mustFind(db, username));
    },

    async create(actor, input) {
      assertRole(actor, USER_ADMINS);
      if (RESERVED_USERNAMES.includes(input.username)) {
        throw new BerthError('USERNAME_TAKEN', `The username "${input.username}" is reserved`);
      }
      assertPasswordPolicy(input.password, input.username);
      const hash = await hashPassword(input.password, deps.passwordParams);
      const now = deps.clock();
      const row: UsersTable = {
        id: newId('usr'),
        username: input.username,
        display_name: input.displayName ?? input.username,
        email: input.email ?? null,
        role: input.role,
        disabled: 0,
        password_hash: hash,
        created_at: now,
        updated_at: now,
        password_changed_at: now,
        password_change_required: 0,
      };
      try {
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('users').values(row).execute();
          await deps.audit.record(trx, {
            actor,
            action: 'user.create',
            targetType: 'user',
            targetId: row.username,
            detail: { id: row.id, role: row.role },
          });
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new BerthError('USERNAME_TAKEN');
        throw err;
      }
      return toUser(row);
    },

    async update(actor, username, input) {
      assertRole(actor, PASSWORD_RESETTERS);
      const onlyPassword = Object.keys(input).every((k) => k === 'password');
      if (actor.role !== 'admin' && !onlyPassword) throw new BerthError('FORBIDDEN');
      const before = await mustFind(db, username);
      if (input.password !== undefined) {
        assertMayResetPassword(actor, before);
        assertPasswordPolicy(input.password, username);
      }
      const hash =
        input.password === undefined ? undefined : await hashPassword(input.password, deps.passwordParams);

      return db.transaction().execute(async (trx) => {
        const row = await mustFind(trx, username);
        // The role may have changed since the check above.
        if (hash !== undefined) assertMayResetPassword(actor, row);
        const now = deps.clock();
        const demoted = input.role !== undefined && input.role !== row.role && row.role === 'admin';
        const disabling = input.disabled === true && Number(row.disabled) === 0;
        const enabling = input.disabled === false && Number(row.disabled) === 1;
        if (demoted || disabling) await assertNotLastAdmin(trx, row);

        const changed: Record<string, unknown> = {};
        const next: Partial<UsersTable> = {};
        if (input.displayName !== undefined && input.displayName !== row.display_name) {
          next.display_name = input.displayName;
          changed['displayName'] = input.displayName;
        }
        if (input.email !== undefined && input.email !== row.email) {
          next.email = input.email;
          changed['email'] = input.email === null ? 'removed' : 'changed';
        }
        if (input.role !== undefined && input.role !== row.role) {
          next.role = input.role;
          changed['role'] = { from: row.role, to: input.role };
        }
        if (disabling) next.disabled = 1;
        if (enabling) next.disabled = 0;
        if (hash !== undefined) {
          next.password_hash = hash;
          next.password_changed_at = now;
        }
        if (Object.keys(next).length === 0) return toUser(row);
        next.updated_at = now;
        await trx.updateTable('users').set(next).where('id', '=', row.id).execute();

        const target = { targetType: 'user', targetId: row.username } as const;
        if (Object.keys(changed).length > 0) {
          await deps.audit.record(trx, { actor, action: 'user.update', ...target, detail: changed });
        }
        if (disabling) {
          await revokeCredentials(trx, row.id, now, { tokens: true });
          await deps.audit.record(trx, { actor, action: 'user.disable', ...target });
        }
        if (enabling) await deps.audit.record(trx, { actor, action: 'user.enable', ...target });
        if (hash !== undefined) {
          await revokeCredentials(trx, row.id, now, { tokens: true });
          await deps.audit.record(trx, { actor, action: 'user.password_reset', ...target });
        }
        return toUser({ ...row, ...next });
      });
    },

    async delete(actor, username) {
      assertRole(actor, USER_ADMINS);
      await db.transaction().execute(async (trx) => {
        const row = await mustFind(trx, username);
        await assertNotLastAdmin(trx, row);
        await trx.deleteFrom('sessions').where('user_id', '=', row.id).execute();
        await trx.deleteFrom('api_tokens').where('user_id', '=', row.id).execute();
        await trx.deleteFrom('users').where('id', '=', row.id).execute();
        await deps.audit.record(trx, {
          actor,
          action: 'user.delete',
          targetType: 'user',
          targetId: row.username,
          detail: { id: row.id, role: row.role },
        });
      });
    },
  };
}
