// Who may do what with an app. admin and operator: everything; auditor: reads everything but no
// secret values and no changes; developer: creates apps, and reads and changes only the apps they are
// a member of — any other app looks absent to them (APP_NOT_FOUND), so its existence is not revealed.
import { APP_CODE_PATTERN } from '@berth/sdk';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import type { Store } from '../store/store.ts';
import type { AppRow } from './tables.ts';

/** What other modules may ask about apps: may this actor read / change this app? */
export interface AppAccess {
  /** Throws APP_NOT_FOUND (also when the actor may not see it). */
  assertCanRead(actor: Actor, code: string): Promise<void>;
  /** Throws APP_NOT_FOUND (also when the actor may not see it) or FORBIDDEN. */
  assertCanWrite(actor: Actor, code: string): Promise<void>;
  /** The app codes this actor may read, or 'all' for admins, operators and auditors. */
  readableCodes(actor: Actor): Promise<string[] | 'all'>;
}

/** read: metadata and masked config; write: any change; secret: app secret and revealed values. */
export type AccessMode = 'read' | 'write' | 'secret';

export interface AppGuard extends AppAccess {
  /** The app's row when the actor may act on it in this mode; throws APP_NOT_FOUND or FORBIDDEN. */
  resolve(actor: Actor, code: string, mode: AccessMode): Promise<AppRow>;
  /** Throws FORBIDDEN unless the actor's role may create apps. */
  assertCanCreate(actor: Actor): void;
}

const CODE_RE = new RegExp(APP_CODE_PATTERN);

export function createAppGuard(deps: { store: Store }): AppGuard {
  const { db } = deps.store;

  async function resolve(actor: Actor, code: string, mode: AccessMode): Promise<AppRow> {
    if (typeof code !== 'string' || !CODE_RE.test(code)) throw new BerthError('APP_NOT_FOUND');
    switch (actor.role) {
      case 'admin':
      case 'operator': {
        const row = await db.selectFrom('apps').selectAll().where('code', '=', code).executeTakeFirst();
        if (!row) throw new BerthError('APP_NOT_FOUND');
        return row;
      }
      case 'auditor': {
        const row = await db.selectFrom('apps').selectAll().where('code', '=', code).executeTakeFirst();
        if (!row) throw new BerthError('APP_NOT_FOUND');
        if (mode !== 'read') throw new BerthError('FORBIDDEN');
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
    resolve,
    assertCanCreate(actor) {
      if (actor.role !== 'admin' && actor.role !== 'operator' && actor.role !== 'developer') {
        throw new BerthError('FORBIDDEN');
      }
    },
    async assertCanRead(actor, code) {
      await resolve(actor, code, 'read');
    },
    async assertCanWrite(actor, code) {
      await resolve(actor, code, 'write');
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
