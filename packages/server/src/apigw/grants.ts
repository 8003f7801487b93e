// Grants and trusted apps: which calling app may call which system's components (one component, or
// the whole system; optionally until a time), and which apps may name a user without the user's
// session token. Admins and operators grant and revoke anything; a developer only for a system whose
// owner app they are a builder (member) of: `ownerOf` answers the owner from the declarations, which
// this module does not read. Trusted apps are admins' and operators' alone. Every change is
// audited, raises the access counter in its transaction and reaches every replica's cache within
// RECHECK_MS (grant-cache.ts). Granting what is granted already renews it (new expiry, new granter).
import type { ApigwGrant, ApigwGrantCreateBody, ApigwGrantListQuery, ApigwTrustedApp } from '@berth/sdk';
import type { Kysely } from 'kysely';
import type { AuditRecorder } from '../apps/index.ts';
import { byKey } from '../apps/views.ts';
import { newId } from '../crypto/tokens.ts';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import { isUniqueViolation } from '../store/dialect.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { Awaitable } from './awaitable.ts';
import { bumpAccessVersion, createGrantCache, type GrantCheck, storeAccess } from './grant-cache.ts';
import type { ApigwGrantRow } from './security-tables.ts';

export type { GrantCheck } from './grant-cache.ts';

export interface GrantsDeps {
  store: Store;
  audit: AuditRecorder;
  /** The system's owner app, from its declaration; undefined for none (or no such system). */
  ownerOf(system: string): Promise<string | undefined>;
  /** Whether the actor builds the app (a developer member: apps' access.can(actor, 'app.update')). */
  isBuilder(actor: Actor, app: string): Promise<boolean>;
  /** The apps the actor sees (apps' access.readableCodes). */
  readableCodes(actor: Actor): Promise<string[] | 'all'>;
  appExists(code: string): Promise<boolean>;
  /** Told after a change committed through this process (gateway workers drop their copies). */
  changed?: () => void;
  now?: () => number;
}

export interface Grants {
  /** Whether the app may call the component: a component grant or a system grant that has not run out. */
  check(app: string, system: string, component: string, now: number): Awaitable<GrantCheck>;
  /** Whether the app may name a user without a session token. */
  isTrusted(app: string, now: number): Promise<boolean>;
  /** Staff and auditors see every grant; developers those of their apps, as callers or owners. */
  list(actor: Actor, query?: ApigwGrantListQuery): Promise<ApigwGrant[]>;
  /** Grants or renews; `created` is false for a renewal. */
  grant(actor: Actor, body: ApigwGrantCreateBody): Promise<{ grant: ApigwGrant; created: boolean }>;
  revoke(actor: Actor, id: string): Promise<void>;
  trusted(actor: Actor): Promise<ApigwTrustedApp[]>;
  trust(actor: Actor, app: string): Promise<ApigwTrustedApp>;
  untrust(actor: Actor, app: string): Promise<void>;
  /** The app is gone: nothing it was granted or trusted with stays for a new app of its code. */
  forget(app: string): Promise<void>;
  /** Throws FORBIDDEN unless the actor may grant and revoke calls to the system. */
  assertMayManage(actor: Actor, system: string): Promise<void>;
  /** Runs `fn` in one transaction with a writer of grants (audited, as grant() writes them); the
   *  access counter goes up in it and this replica's cache sees the change at once. For a change
   *  that writes a grant with something else (a permission request's approval). */
  writing<T>(fn: (trx: Kysely<Database>, write: GrantWriter) => Promise<T>): Promise<T>;
}

/** Writes or renews a grant in the caller's transaction, with its audit record. */
export type GrantWriter = (
  actor: Actor,
  body: ApigwGrantCreateBody,
  at: number,
) => Promise<{ grant: ApigwGrant; created: boolean }>;

const STAFF = new Set(['admin', 'operator']);
const READERS = new Set(['admin', 'operator', 'auditor']);

function toGrant(row: ApigwGrantRow, now: number): ApigwGrant {
  const expiresAt = row.expires_at === null ? null : Number(row.expires_at);
  return {
    id: row.id,
    app: row.app_code,
    system: row.system_name,
    component: row.component_name === '' ? null : row.component_name,
    expiresAt,
    expired: expiresAt !== null && expiresAt <= now,
    grantedBy: row.granted_by,
    createdAt: Number(row.created_at),
  };
}

export function createGrants(deps: GrantsDeps): Grants {
  const { db } = deps.store;
  const now = deps.now ?? Date.now;
  const cache = createGrantCache({ source: storeAccess(deps.store.db) });

  async function mayManage(actor: Actor, system: string): Promise<void> {
    if (STAFF.has(actor.role)) return;
    if (actor.role === 'developer') {
      const owner = await deps.ownerOf(system);
      if (owner !== undefined && (await deps.isBuilder(actor, owner))) return;
    }
    throw new BerthError(
      'FORBIDDEN',
      `Only admins, operators and developer members of ${system}'s owner app may grant or revoke calls to it`,
    );
  }

  function assertStaff(actor: Actor): void {
    if (!STAFF.has(actor.role)) throw new BerthError('FORBIDDEN', 'Only admins and operators trust apps');
  }

  async function assertApp(code: string): Promise<void> {
    if (!(await deps.appExists(code))) throw new BerthError('APP_NOT_FOUND', `No app ${code}`, { app: code });
  }

  /** Commits a change with its counter raise; this replica's cache sees it at once. */
  async function change<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    const result = await db.transaction().execute(async (trx) => {
      const out = await fn(trx);
      await bumpAccessVersion(trx);
      return out;
    });
    cache.invalidate();
    deps.changed?.();
    return result;
  }

  async function writeGrant(trx: Kysely<Database>, actor: Actor, body: ApigwGrantCreateBody, at: number) {
    const component = body.component ?? '';
    const expiresAt = body.expiresAt ?? null;
    const found = await trx
      .selectFrom('apigw_grants')
      .selectAll()
      .where('app_code', '=', body.app)
      .where('system_name', '=', body.system)
      .where('component_name', '=', component)
      .executeTakeFirst();
    const row: ApigwGrantRow = found
      ? { ...found, expires_at: expiresAt, granted_by: actor.username }
      : {
          id: newId('grant'),
          app_code: body.app,
          system_name: body.system,
          component_name: component,
          expires_at: expiresAt,
          granted_by: actor.username,
          created_at: at,
        };
    if (found) {
      await trx
        .updateTable('apigw_grants')
        .set({ expires_at: expiresAt, granted_by: actor.username })
        .where('id', '=', found.id)
        .execute();
    } else {
      await trx.insertInto('apigw_grants').values(row).execute();
    }
    await deps.audit.record(trx, {
      actor,
      action: 'apigw.grant',
      targetType: 'app',
      targetId: body.app,
      detail: {
        grant: row.id,
        system: body.system,
        component: body.component ?? null,
        expiresAt,
        renewed: found !== undefined,
      },
      ip: actor.ip,
    });
    return { grant: toGrant(row, at), created: !found };
  }

  const upsert = (actor: Actor, body: ApigwGrantCreateBody, at: number) =>
    change((trx) => writeGrant(trx, actor, body, at));

  return {
    check: (app, system, component, at) => cache.check(app, system, component, at),
    isTrusted: (app, at) => cache.isTrusted(app, at),

    async list(actor, query = {}) {
      let q = db.selectFrom('apigw_grants').selectAll();
      if (query.app !== undefined) q = q.where('app_code', '=', query.app);
      if (query.system !== undefined) q = q.where('system_name', '=', query.system);
      // By app, system, component in code-unit order: the same on every dialect.
      const rows = (await q.execute()).sort(
        byKey((r) => `${r.app_code}\n${r.system_name}\n${r.component_name}`),
      );
      const at = now();
      if (READERS.has(actor.role)) return rows.map((r) => toGrant(r, at));
      const readable = await deps.readableCodes(actor);
      if (readable === 'all') return rows.map((r) => toGrant(r, at));
      const mine = new Set(readable);
      const owners = new Map<string, string | undefined>();
      for (const system of new Set(rows.map((r) => r.system_name)))
        owners.set(system, await deps.ownerOf(system));
      return rows
        .filter((r) => mine.has(r.app_code) || mine.has(owners.get(r.system_name) ?? ''))
        .map((r) => toGrant(r, at));
    },

    async grant(actor, body) {
      await mayManage(actor, body.system);
      await assertApp(body.app);
      const at = now();
      if (body.expiresAt !== undefined && body.expiresAt <= at) {
        throw new BerthError('VALIDATION_FAILED', 'expiresAt must be in the future', [
          { path: 'body/expiresAt', message: 'must be later than now' },
        ]);
      }
      try {
        return await upsert(actor, body, at);
      } catch (err) {
        // Two grants of the same thing at once: the loser renews the winner's.
        if (!isUniqueViolation(err)) throw err;
        return upsert(actor, body, at);
      }
    },

    async revoke(actor, id) {
      const row = await db.selectFrom('apigw_grants').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new BerthError('APIGW_GRANT_NOT_FOUND');
      await mayManage(actor, row.system_name);
      await change(async (trx) => {
        const gone = await trx.deleteFrom('apigw_grants').where('id', '=', id).executeTakeFirst();
        if (Number(gone.numDeletedRows) === 0) throw new BerthError('APIGW_GRANT_NOT_FOUND');
        await deps.audit.record(trx, {
          actor,
          action: 'apigw.grant.revoke',
          targetType: 'app',
          targetId: row.app_code,
          detail: {
            grant: id,
            system: row.system_name,
            component: row.component_name === '' ? null : row.component_name,
          },
          ip: actor.ip,
        });
      });
    },

    async trusted(actor) {
      if (!READERS.has(actor.role)) throw new BerthError('FORBIDDEN');
      const rows = (await db.selectFrom('apigw_trusted_apps').selectAll().execute()).sort(
        byKey((r) => r.app_code),
      );
      return rows.map((r) => ({ app: r.app_code, trustedBy: r.trusted_by, createdAt: Number(r.created_at) }));
    },

    async trust(actor, app) {
      assertStaff(actor);
      await assertApp(app);
      const found = async () =>
        db.selectFrom('apigw_trusted_apps').selectAll().where('app_code', '=', app).executeTakeFirst();
      let row = await found();
      if (!row) {
        const made = { app_code: app, trusted_by: actor.username, created_at: now() };
        try {
          await change(async (trx) => {
            await trx.insertInto('apigw_trusted_apps').values(made).execute();
            await deps.audit.record(trx, {
              actor,
              action: 'apigw.trust',
              targetType: 'app',
              targetId: app,
              ip: actor.ip,
            });
          });
          row = made;
        } catch (err) {
          // Trusted by someone else a moment ago.
          if (!isUniqueViolation(err)) throw err;
          row = (await found())!;
        }
      }
      return { app: row.app_code, trustedBy: row.trusted_by, createdAt: Number(row.created_at) };
    },

    async untrust(actor, app) {
      assertStaff(actor);
      await change(async (trx) => {
        const gone = await trx
          .deleteFrom('apigw_trusted_apps')
          .where('app_code', '=', app)
          .executeTakeFirst();
        if (Number(gone.numDeletedRows) === 0) return;
        await deps.audit.record(trx, {
          actor,
          action: 'apigw.untrust',
          targetType: 'app',
          targetId: app,
          ip: actor.ip,
        });
      });
    },

    assertMayManage: mayManage,
    writing: (fn) => change((trx) => fn(trx, (actor, body, at) => writeGrant(trx, actor, body, at))),

    async forget(app) {
      await change(async (trx) => {
        await trx.deleteFrom('apigw_grants').where('app_code', '=', app).execute();
        await trx.deleteFrom('apigw_trusted_apps').where('app_code', '=', app).execute();
      });
    },
  };
}
