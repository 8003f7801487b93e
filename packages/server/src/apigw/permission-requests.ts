// Self-service permission requests: a developer of a calling app asks for a grant (a component of a
// system, or all of it, optionally until a time) with a reason, and whoever may grant calls to that
// system decides — admins, operators, and developer members of the system's owner app (the rule of
// grants.ts). An approval writes the grant in its own transaction, so a request is approved and its
// grant exists together or neither; a refusal needs a reason; the requester (or a builder of the
// calling app, or staff) may withdraw it while it is open. A decision is final and made once: the
// status moves from `requested` with a compare-and-set, so two approvers (on two replicas) cannot both
// decide it. One open request per app and target (a unique index on `open_key`): a second one is
// refused with the first one's id. Every step is audited.
//
// Notifications, in the step's own transaction: a filed request tells the system's owner app
// (`apigw.request.filed`, to its subscriptions), a decision tells the calling app
// (`apigw.request.approved` / `.refused`). They come as `prod` events: a request is not about an
// environment.
//
// Who sees a request: staff and auditors all of them; a developer those of the apps they see, as the
// caller or as the system's owner (as grants are listed).
import type {
  ApigwComponent,
  ApigwPermissionRequest,
  ApigwPermissionRequestCreateBody,
  ApigwPermissionRequestListQuery,
  NotifyEvent,
} from '@berth/sdk';
import type { Kysely } from 'kysely';
import type { AuditRecorder } from '../apps/index.ts';
import { byKey } from '../apps/views.ts';
import { newId } from '../crypto/tokens.ts';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import { isUniqueViolation } from '../store/dialect.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { Grants } from './grants.ts';
import type { ApigwPermissionRequestRow } from './request-tables.ts';

export interface PermissionRequestsDeps {
  store: Store;
  audit: AuditRecorder;
  grants: Grants;
  /** The declared system's components by name; undefined for no such system (directory.components). */
  components(system: string): Promise<ReadonlyMap<string, ApigwComponent> | undefined>;
  /** The system's owner app, from its declaration. */
  ownerOf(system: string): Promise<string | undefined>;
  /** The declared systems whose owner app is one of these (directory.systemsOwnedBy). */
  systemsOwnedBy(apps: ReadonlySet<string>): Promise<string[]>;
  /** Whether the actor builds the app (a developer member). */
  isBuilder(actor: Actor, app: string): Promise<boolean>;
  readableCodes(actor: Actor): Promise<string[] | 'all'>;
  appExists(code: string): Promise<boolean>;
  /** Queues a notification with the caller's transaction (notify.notifier.emit); none by default. */
  notify?: (db: Kysely<Database>, event: NotifyEvent) => Promise<unknown>;
  /** The console's address, for the notifications' link. */
  consoleUrl?: () => string;
  now?: () => number;
}

export interface PermissionRequests {
  file(actor: Actor, body: ApigwPermissionRequestCreateBody): Promise<ApigwPermissionRequest>;
  approve(actor: Actor, id: string, reason?: string): Promise<ApigwPermissionRequest>;
  refuse(actor: Actor, id: string, reason: string): Promise<ApigwPermissionRequest>;
  withdraw(actor: Actor, id: string, reason?: string): Promise<ApigwPermissionRequest>;
  get(actor: Actor, id: string): Promise<ApigwPermissionRequest>;
  /** Newest first. */
  list(actor: Actor, query?: ApigwPermissionRequestListQuery): Promise<ApigwPermissionRequest[]>;
  /** The app is gone: its requests go (a new app of its code starts with none). */
  forget(app: string): Promise<void>;
}

const STAFF = new Set(['admin', 'operator']);
const READERS = new Set(['admin', 'operator', 'auditor']);
/** The most requests one list returns. */
const LIST_LIMIT = 500;

function openKey(app: string, system: string, component: string): string {
  return `${app}\n${system}\n${component}`;
}

function toRequest(row: ApigwPermissionRequestRow): ApigwPermissionRequest {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: row.id,
    app: row.app_code,
    system: row.system_name,
    component: row.component_name === '' ? null : row.component_name,
    expiresAt: num(row.expires_at),
    reason: row.reason,
    status: row.status as ApigwPermissionRequest['status'],
    requestedBy: row.requested_by,
    createdAt: Number(row.created_at),
    decidedBy: row.decided_by,
    decidedAt: num(row.decided_at),
    decisionReason: row.decision_reason,
    grantId: row.grant_id,
  };
}

/** Thrown inside a decision's transaction when another decision came first: rolls it back. */
class Decided extends Error {}

export function createPermissionRequests(deps: PermissionRequestsDeps): PermissionRequests {
  const { db } = deps.store;
  const now = deps.now ?? Date.now;

  /** Tells `app`'s subscribers about the request, in `trx`. */
  async function tell(
    trx: Kysely<Database>,
    type: 'apigw.request.filed' | 'apigw.request.approved' | 'apigw.request.refused',
    app: string,
    row: ApigwPermissionRequestRow,
    actor: Actor,
    at: number,
    words: { note?: string | undefined; reason?: string | undefined },
  ): Promise<void> {
    if (!deps.notify) return;
    await deps.notify(trx, {
      type,
      app,
      env: 'prod',
      at,
      actor: actor.username,
      requestId: row.id,
      caller: row.app_code,
      system: row.system_name,
      ...(row.component_name !== '' ? { component: row.component_name } : {}),
      ...(words.note !== undefined ? { note: words.note } : {}),
      ...(words.reason !== undefined ? { reason: words.reason } : {}),
      ...(deps.consoleUrl ? { url: `${deps.consoleUrl()}/apigw?tab=requests` } : {}),
    });
  }

  /** The system and component must be declared, and the component must need a grant. */
  async function assertTarget(system: string, component: string | undefined): Promise<void> {
    const components = await deps.components(system);
    if (components === undefined) {
      throw new BerthError('APIGW_SYSTEM_NOT_FOUND', `No system ${system} is declared`, { system });
    }
    if (component === undefined) return;
    const found = components.get(component);
    if (found === undefined) {
      throw new BerthError('APIGW_COMPONENT_NOT_FOUND', `System ${system} has no component ${component}`, {
        system,
        component,
      });
    }
    if (found.permLevel === 'unlimited') {
      throw new BerthError(
        'VALIDATION_FAILED',
        `${system}/${component} needs no permission: any app may call it`,
        [{ path: 'body/component', message: 'its permission level is unlimited' }],
      );
    }
  }

  /** Whether the actor sees a request: the apps they see, read once, as callers or owners. */
  async function viewer(actor: Actor): Promise<(row: ApigwPermissionRequestRow) => Promise<boolean>> {
    if (READERS.has(actor.role)) return async () => true;
    const readable = await deps.readableCodes(actor);
    if (readable === 'all') return async () => true;
    const mine = new Set(readable);
    return async (row) => {
      if (mine.has(row.app_code)) return true;
      const owner = await deps.ownerOf(row.system_name);
      return owner !== undefined && mine.has(owner);
    };
  }

  /** The request as the actor may see it; APIGW_REQUEST_NOT_FOUND otherwise. */
  async function load(actor: Actor, id: string): Promise<ApigwPermissionRequestRow> {
    const row = await db
      .selectFrom('apigw_permission_requests')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row || !(await (await viewer(actor))(row))) throw new BerthError('APIGW_REQUEST_NOT_FOUND');
    return row;
  }

  async function assertRequester(actor: Actor, app: string): Promise<void> {
    if (STAFF.has(actor.role)) return;
    if (actor.role === 'developer' && (await deps.isBuilder(actor, app))) return;
    throw new BerthError(
      'FORBIDDEN',
      `Only admins, operators and developer members of ${app} ask for its permissions`,
    );
  }

  function assertOpen(row: ApigwPermissionRequestRow): void {
    if (row.status !== 'requested') {
      throw new BerthError('APIGW_REQUEST_DECIDED', `The request is ${row.status} already`, {
        status: row.status,
      });
    }
  }

  /** Moves the request from `requested` to `status` in `trx`, or throws Decided. */
  async function decide(
    trx: Kysely<Database>,
    actor: Actor,
    row: ApigwPermissionRequestRow,
    status: 'approved' | 'refused' | 'withdrawn',
    reason: string | undefined,
    at: number,
  ): Promise<ApigwPermissionRequestRow> {
    const decided = {
      status,
      open_key: null,
      decided_by: actor.username,
      decided_at: at,
      decision_reason: reason ?? null,
    };
    const moved = await trx
      .updateTable('apigw_permission_requests')
      .set(decided)
      .where('id', '=', row.id)
      .where('status', '=', 'requested')
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) throw new Decided();
    if (status !== 'withdrawn') {
      await tell(trx, `apigw.request.${status}`, row.app_code, row, actor, at, { reason });
    }
    await deps.audit.record(trx, {
      actor,
      action: `apigw.request.${status === 'approved' ? 'approve' : status === 'refused' ? 'refuse' : 'withdraw'}`,
      targetType: 'app',
      targetId: row.app_code,
      detail: {
        request: row.id,
        system: row.system_name,
        component: row.component_name === '' ? null : row.component_name,
        ...(reason !== undefined ? { reason } : {}),
      },
      ip: actor.ip,
    });
    return { ...row, ...decided };
  }

  /** Runs a decision; a lost race (decided meanwhile) is APIGW_REQUEST_DECIDED. */
  async function deciding(
    id: string,
    run: () => Promise<ApigwPermissionRequestRow>,
  ): Promise<ApigwPermissionRequest> {
    try {
      return toRequest(await run());
    } catch (err) {
      if (!(err instanceof Decided)) throw err;
      const now = await db
        .selectFrom('apigw_permission_requests')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirst();
      throw new BerthError('APIGW_REQUEST_DECIDED', `The request is ${now?.status ?? 'gone'} already`, {
        status: now?.status ?? null,
      });
    }
  }

  async function insert(actor: Actor, body: ApigwPermissionRequestCreateBody, at: number) {
    const component = body.component ?? '';
    const row: ApigwPermissionRequestRow = {
      id: newId('preq'),
      app_code: body.app,
      system_name: body.system,
      component_name: component,
      expires_at: body.expiresAt ?? null,
      reason: body.reason,
      status: 'requested',
      open_key: openKey(body.app, body.system, component),
      requested_by: actor.username,
      requested_by_id: actor.userId,
      created_at: at,
      decided_by: null,
      decided_at: null,
      decision_reason: null,
      grant_id: null,
    };
    const owner = await deps.ownerOf(body.system);
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('apigw_permission_requests').values(row).execute();
      if (owner !== undefined)
        await tell(trx, 'apigw.request.filed', owner, row, actor, at, { note: body.reason });
      await deps.audit.record(trx, {
        actor,
        action: 'apigw.request.file',
        targetType: 'app',
        targetId: body.app,
        detail: {
          request: row.id,
          system: body.system,
          component: body.component ?? null,
          expiresAt: row.expires_at,
        },
        ip: actor.ip,
      });
    });
    return row;
  }

  return {
    async file(actor, body) {
      await assertRequester(actor, body.app);
      if (!(await deps.appExists(body.app))) {
        throw new BerthError('APP_NOT_FOUND', `No app ${body.app}`, { app: body.app });
      }
      await assertTarget(body.system, body.component);
      const at = now();
      if (body.expiresAt !== undefined && body.expiresAt <= at) {
        throw new BerthError('VALIDATION_FAILED', 'expiresAt must be in the future', [
          { path: 'body/expiresAt', message: 'must be later than now' },
        ]);
      }
      try {
        return toRequest(await insert(actor, body, at));
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const open = await db
          .selectFrom('apigw_permission_requests')
          .select('id')
          .where('open_key', '=', openKey(body.app, body.system, body.component ?? ''))
          .executeTakeFirst();
        throw new BerthError(
          'APIGW_REQUEST_PENDING',
          `${body.app} has an open request for this already (${open?.id ?? 'decided a moment ago'})`,
          { request: open?.id ?? null },
        );
      }
    },

    async approve(actor, id, reason) {
      const row = await load(actor, id);
      await deps.grants.assertMayManage(actor, row.system_name);
      assertOpen(row);
      const component = row.component_name === '' ? undefined : row.component_name;
      await assertTarget(row.system_name, component);
      const at = now();
      const expiresAt = row.expires_at === null ? undefined : Number(row.expires_at);
      if (expiresAt !== undefined && expiresAt <= at) {
        throw new BerthError(
          'VALIDATION_FAILED',
          'The expiry this request asks for has passed: refuse it, and the app files a new one',
          [{ path: 'expiresAt', message: 'has passed' }],
        );
      }
      const approve = () =>
        deps.grants.writing(async (trx, write) => {
          const decided = await decide(trx, actor, row, 'approved', reason, at);
          const { grant } = await write(
            actor,
            {
              app: row.app_code,
              system: row.system_name,
              ...(component !== undefined ? { component } : {}),
              ...(expiresAt !== undefined ? { expiresAt } : {}),
            },
            at,
          );
          await trx
            .updateTable('apigw_permission_requests')
            .set({ grant_id: grant.id })
            .where('id', '=', row.id)
            .execute();
          return { ...decided, grant_id: grant.id };
        });
      return deciding(id, async () => {
        try {
          return await approve();
        } catch (err) {
          // The same grant written at this moment by someone else: this approval renews it.
          if (!isUniqueViolation(err)) throw err;
          return approve();
        }
      });
    },

    async refuse(actor, id, reason) {
      const row = await load(actor, id);
      await deps.grants.assertMayManage(actor, row.system_name);
      assertOpen(row);
      return deciding(id, () =>
        db.transaction().execute((trx) => decide(trx, actor, row, 'refused', reason, now())),
      );
    },

    async withdraw(actor, id, reason) {
      const row = await load(actor, id);
      if (row.requested_by_id !== actor.userId) await assertRequester(actor, row.app_code);
      assertOpen(row);
      return deciding(id, () =>
        db.transaction().execute((trx) => decide(trx, actor, row, 'withdrawn', reason, now())),
      );
    },

    async get(actor, id) {
      return toRequest(await load(actor, id));
    },

    async list(actor, query = {}) {
      let q = db.selectFrom('apigw_permission_requests').selectAll();
      if (query.app !== undefined) q = q.where('app_code', '=', query.app);
      if (query.system !== undefined) q = q.where('system_name', '=', query.system);
      if (query.status !== undefined) q = q.where('status', '=', query.status);
      if (!READERS.has(actor.role)) {
        // Only what the developer may see (as viewer() decides for one request) is read, so that
        // the newest LIST_LIMIT are theirs.
        const readable = await deps.readableCodes(actor);
        if (readable !== 'all') {
          const owned = await deps.systemsOwnedBy(new Set(readable));
          if (readable.length === 0 && owned.length === 0) return [];
          q = q.where((eb) =>
            eb.or([
              ...(readable.length > 0 ? [eb('app_code', 'in', readable)] : []),
              ...(owned.length > 0 ? [eb('system_name', 'in', owned)] : []),
            ]),
          );
        }
      }
      const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(LIST_LIMIT).execute();
      // Newest first; equal times by id, in code-unit order on every dialect.
      return rows
        .sort(byKey((r) => r.id))
        .sort((a, b) => Number(b.created_at) - Number(a.created_at))
        .map(toRequest);
    },

    async forget(app) {
      await db.deleteFrom('apigw_permission_requests').where('app_code', '=', app).execute();
    },
  };
}
