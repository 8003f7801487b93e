// An app's members: the developers who may read and change it.
//
// Adding a member answers the same whether or not the username exists (and whether it is a member
// already): a developer may not list users, and a different answer would let them find out which
// usernames exist by trying names. Who is a member shows in the member list, which is the outcome a
// caller needs; an attempt with an unknown name is audited (`app.member.add_failed`).
import { AddAppMemberBodySchema, type AppMember, type PageQuery } from '@berth/sdk';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import { isUniqueViolation } from '../store/dialect.ts';
import { type Keyset, keysetPageOf, type Page } from '../store/keyset.ts';
import type { Store } from '../store/store.ts';
import type { AuditRecorder, LookupUser, UsersByIds } from './deps.ts';
import type { AppFor } from './permissions.ts';
import { isForeignKeyViolation } from './store-errors.ts';
import { validate } from './validate.ts';

export interface MembersService {
  /** The members that still exist as users, by username. */
  listMembers(actor: Actor, code: string, page?: PageQuery): Promise<Page<AppMember>>;
  /** Makes the user a member if there is such a user; the same outcome either way (see above). */
  addMember(actor: Actor, code: string, input: unknown): Promise<void>;
  /** MEMBER_NOT_FOUND when the user is not a member (or does not exist). */
  removeMember(actor: Actor, code: string, username: string): Promise<void>;
}

const MEMBER_KEYSET: Keyset<AppMember> = {
  list: 'members',
  order: 'asc',
  columns: [{ type: 'string' }],
  keyOf: (m) => [m.username],
};

export function createMembersService(deps: {
  store: Store;
  audit: AuditRecorder;
  appFor: AppFor;
  lookupUser: LookupUser;
  usersByIds: UsersByIds;
}): MembersService {
  const { db } = deps.store;
  const { appFor, audit } = deps;

  return {
    async listMembers(actor, code, page) {
      const app = await appFor(actor, 'app.read', code);
      const rows = await db
        .selectFrom('app_members')
        .select(['user_id', 'added_at'])
        .where('app_id', '=', app.id)
        .execute();
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
      return keysetPageOf(members, MEMBER_KEYSET, page);
    },

    async addMember(actor, code, input) {
      const body = validate(AddAppMemberBodySchema, input, 'body');
      const app = await appFor(actor, 'members.write', code);
      const user = await deps.lookupUser(body.username);
      if (!user) {
        await audit.record(db, {
          actor,
          action: 'app.member.add_failed',
          targetType: 'app',
          targetId: app.code,
          detail: { username: body.username, reason: 'unknown_user' },
          ip: actor.ip,
        });
        return;
      }
      const addedAt = Date.now();
      try {
        await db.transaction().execute(async (trx) => {
          await trx
            .insertInto('app_members')
            .values({ app_id: app.id, user_id: user.id, added_at: addedAt, added_by: actor.username })
            .execute();
          await audit.record(trx, {
            actor,
            action: 'app.member.add',
            targetType: 'app',
            targetId: app.code,
            detail: { username: user.username },
            ip: actor.ip,
          });
        });
      } catch (err) {
        if (isUniqueViolation(err)) return; // a member already: nothing changes
        if (isForeignKeyViolation(err)) throw new BerthError('APP_NOT_FOUND'); // deleted meanwhile
        throw err;
      }
    },

    async removeMember(actor, code, username) {
      const app = await appFor(actor, 'members.write', code);
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
