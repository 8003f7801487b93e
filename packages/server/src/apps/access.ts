// Who can see an app: admins, operators and auditors every app; developers only the apps they are
// members of — any other app looks absent to them (APP_NOT_FOUND), so its existence is not revealed.
// What each may do with an app they see is decided by permissions.ts.
import { APP_CODE_PATTERN } from '@berth/sdk';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import type { Store } from '../store/store.ts';
import type { AppRow } from './tables.ts';

/** Who can see which app (membership); what they may do with it is permissions.ts's to say. */
export interface AppGuard {
  /** The app codes this actor may read, or 'all' for admins, operators and auditors. */
  readableCodes(actor: Actor): Promise<string[] | 'all'>;
  /** The app's row when the actor can see it; throws APP_NOT_FOUND otherwise. */
  visible(actor: Actor, code: string): Promise<AppRow>;
  /** Throws FORBIDDEN unless the actor's role may create apps. */
  assertCanCreate(actor: Actor): void;
}

const CODE_RE = new RegExp(APP_CODE_PATTERN);

export function createAppGuard(deps: { store: Store }): AppGuard {
  const { db } = deps.store;

  async function visible(actor: Actor, code: string): Promise<AppRow> {
    if (typeof code !== 'string' || !CODE_RE.test(code)) throw new BerthError('APP_NOT_FOUND');
    switch (actor.role) {
      case 'admin':
      case 'operator':
      case 'auditor': {
        const row = await db.selectFrom('apps').selectAll().where('code', '=', code).executeTakeFirst();
        if (!row) throw new BerthError('APP_NOT_FOUND');
        return row;
      }
      case 'developer': {
        const row = await db
          .selectFrom('apps')
          .innerJoin('app_members', 'app_members.app_id', 'apps.id')
          .selectAll('apps')
          .where('apps.code', '=', code)
          .where('app_members.user_id', '=', actor.userId)
          .executeTakeFirst();
        if (!row) throw new BerthError('APP_NOT_FOUND');
        return row;
      }
      default:
        throw new BerthError('FORBIDDEN');
    }
  }

  return {
    visible,
    assertCanCreate(actor) {
      if (actor.role !== 'admin' && actor.role !== 'operator' && actor.role !== 'developer') {
        throw new BerthError('FORBIDDEN');
      }
    },
    async readableCodes(actor) {
      if (actor.role === 'admin' || actor.role === 'operator' || actor.role === 'auditor') return 'all';
      if (actor.role !== 'developer') return [];
      const rows = await db
        .selectFrom('apps')
        .innerJoin('app_members', 'app_members.app_id', 'apps.id')
        .select('apps.code')
        .where('app_members.user_id', '=', actor.userId)
        .orderBy('apps.code')
        .execute();
      return rows.map((r) => r.code);
    },
  };
}
