// An app's members: the developers who may read and change it.
import { AddAppMemberBodySchema, type AppMember } from '@berth/sdk';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import { isUniqueViolation } from '../store/dialect.ts';
import type { Store } from '../store/store.ts';
import type { AppGuard } from './access.ts';
import type { AuditRecorder, LookupUser, UsersByIds } from './deps.ts';
import { isForeignKeyViolation } from './store-errors.ts';
import { validate } from './validate.ts';
import { byKey } from './views.ts';

export interface MembersService {
  /** The members that still exist as users, by username. */
  listMembers(actor: Actor, code: string): Promise<AppMember[]>;
  /** USER_NOT_FOUND for an unknown username, MEMBER_EXISTS when already a member. */
  addMember(actor: Actor, code: string, input: unknown): Promise<AppMember>;
  /** MEMBER_NOT_FOUND when the user is not a member (or does not exist). */
  removeMember(actor: Actor, code: string, username: string): Promise<void>;
}

export function createMembersService(deps: {
  store: Store;
  audit: AuditRecorder;
  guard: AppGuard;
  lookupUser: LookupUser;
  usersByIds: UsersByIds;
}): MembersService {
  const { db } = deps.store;
  const { guard, audit } = deps;

  return {
    async listMembers(actor, code) {
      const app = await guard.resolve(actor, code, 'read');
      const rows = await db
        .selectFrom('app_members')
        .select(['user_id', 'added_at'])
        .where('app_id', '=', app.id)
        .execute();
      if (rows.length === 0) return [];
      const users = new Map((await deps.usersByIds(rows.map((r) => r.user_id))).map((u) => [u.id, u]));
      const members: AppMember[] = [];
      for (const row of rows) {
        const user = users.get(row.user_id);
        if (!user) continue; // deleted users drop out
        members.push({
          username: user.username,
          displayName: user.displayName,
          addedAt: Number(row.added_at),
        });
      }
      return members.sort(byKey((m) => m.username));
    },

    async addMember(actor, code, input) {
      const body = validate(AddAppMemberBodySchema, input, 'body');
      const app = await guard.resolve(actor, code, 'write');
      const user = await deps.lookupUser(body.username);
      if (!user) throw new BerthError('USER_NOT_FOUND');
      const addedAt = Date.now();
      await db.transaction().execute(async (trx) => {
        try {
          await trx
            .insertInto('app_members')
            .values({ app_id: app.id, user_id: user.id, added_at: addedAt, added_by: actor.username })
            .execute();
        } catch (err) {
          if (isUniqueViolation(err)) throw new BerthError('MEMBER_EXISTS');
          if (isForeignKeyViolation(err)) throw new BerthError('APP_NOT_FOUND'); // deleted meanwhile
          throw err;
        }
        await audit.record(trx, {
          actor,
          action: 'app.member.add',
          targetType: 'app',
          targetId: app.code,
          detail: { username: user.username },
          ip: actor.ip,
        });
      });
      return { username: user.username, displayName: user.displayName, addedAt };
    },

    async removeMember(actor, code, username) {
      const app = await guard.resolve(actor, code, 'write');
      const user = typeof username === 'string' ? await deps.lookupUser(username) : null;
      if (!user) throw new BerthError('MEMBER_NOT_FOUND');
      await db.transaction().execute(async (trx) => {
        const deleted = await trx
          .deleteFrom('app_members')
          .where('app_id', '=', app.id)
          .where('user_id', '=', user.id)
          .executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 0) throw new BerthError('MEMBER_NOT_FOUND');
        await audit.record(trx, {
          actor,
          action: 'app.member.remove',
          targetType: 'app',
          targetId: app.code,
          detail: { username: user.username },
          ip: actor.ip,
        });
      });
    },
  };
}
