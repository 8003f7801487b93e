// Deploy requests: a deploy that waits for approval. A requester files one (a promotion of a stag
// release, a rollback, an uploaded package) with a note and an optional window; an approver — an
// operator, an admin or a named approver of the environment, never the requester — approves or
// refuses it with a reason; the requester may withdraw it until it starts. What a request deploys is
// frozen when it is filed (the stag version it promotes, the release it rolls back to, the package's
// bytes): a change is a new request.
//
// Approval queues the deploy's job in the approval's own transaction when its window is open, so an
// approved request starts exactly once whatever happens next (a second approval finds it decided; a
// berthd killed after the commit finds its job queued). A request approved before its window opens
// waits `approved`; the scheduler (startDue) queues it when the window opens — with a compare-and-set
// on its status, so several berthd replicas queue it once — or cancels it once the window has passed.
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import {
  type Deploy,
  type DeployStatus,
  type EnvName,
  type NotifyEvent,
  RequestCreateBodySchema,
  type RequestListQuery,
  RequestListQuerySchema,
} from '@berth/sdk';
import type { Kysely, Transaction } from 'kysely';
import { validate } from '../apps/validate.ts';
import { newId } from '../crypto/tokens.ts';
import { BerthError, isBerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import type { SourceSpec } from '../sources/source.ts';
import { keysetPage, mapPage, type Page } from '../store/keyset.ts';
import type { Database } from '../store/schema.ts';
import { packagePath } from './build-release.ts';
import { DEPLOY_JOB_KIND, type DeployJobPayload } from './deploy-job.ts';
import { moveDeploy } from './deploy-lifecycle.ts';
import { DEPLOY_KEYSET, deploysQuery, loadDeploy } from './deploy-reads.ts';
import type { EngineContext } from './engine-deps.ts';
import { assertRedeployable, findRelease, readEnvState, releaseBefore } from './engine-store.ts';
import { acceptPackage } from './receive-package.ts';
import type { DeployRow } from './tables.ts';
import { boundTo, type DeployParams } from './target-release.ts';
import { type DeployJoined, toDeploy } from './views.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Rolls back a transaction that lost a race (the deploy moved meanwhile). */
class LostRace extends Error {}

export interface DeployRequests {
  /** A promotion (to prod) or a rollback, decided now and frozen. */
  file(actor: Actor, code: string, env: string, input: unknown): Promise<Deploy>;
  /** An uploaded package, stored until the request is decided. */
  filePackage(
    actor: Actor,
    code: string,
    env: string,
    body: Readable,
    options: {
      note?: string | undefined;
      notBefore?: number | undefined;
      notAfter?: number | undefined;
      contentLength?: number | undefined;
    },
  ): Promise<Deploy>;
  approve(actor: Actor, id: string, reason?: string): Promise<Deploy>;
  refuse(actor: Actor, id: string, reason: string): Promise<Deploy>;
  withdraw(actor: Actor, id: string, reason?: string): Promise<Deploy>;
  list(actor: Actor, query: unknown): Promise<Page<Deploy>>;
  get(actor: Actor, id: string): Promise<Deploy>;
  /** Queues approved requests whose window is open, cancels those whose window passed. */
  startDue(now?: number): Promise<number>;
}

function checkWindow(notBefore: number | undefined, notAfter: number | undefined, now: number): void {
  if (notAfter !== undefined && notAfter <= now) {
    throw new BerthError('VALIDATION_FAILED', 'notAfter is in the past: the request could never start');
  }
  if (notBefore !== undefined && notAfter !== undefined && notAfter <= notBefore) {
    throw new BerthError('VALIDATION_FAILED', 'notAfter must be later than notBefore');
  }
}

export function createDeployRequests(ctx: EngineContext): DeployRequests {
  const { store, access, audit, queue } = ctx;
  const { db } = store;
  const emit = async (trx: Db, event: NotifyEvent) => {
    await ctx.notify?.(trx, event);
  };

  async function row(id: string, from: Db = db): Promise<DeployRow> {
    const found = await from.selectFrom('deploys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!found) throw new BerthError('DEPLOY_NOT_FOUND');
    return found;
  }

  /** The request if the actor can see its app; DEPLOY_NOT_FOUND otherwise. */
  async function requestFor(actor: Actor, id: string) {
    const found = await row(id);
    try {
      await access.authorize(actor, 'app.read', found.app_code);
    } catch (err) {
      if (isBerthError(err, 'APP_NOT_FOUND')) throw new BerthError('DEPLOY_NOT_FOUND');
      throw err;
    }
    if (Number(found.requested) !== 1) {
      throw new BerthError('REQUEST_NOT_PENDING', 'This deploy is not a deploy request');
    }
    return found;
  }

  function eventOf(
    d: DeployRow,
    type: NotifyEvent['type'],
    actor: Actor | null,
    reason?: string,
  ): NotifyEvent {
    const event: NotifyEvent = {
      type,
      app: d.app_code,
      env: d.env as EnvName,
      at: Date.now(),
      deployId: d.id,
      kind: d.kind,
    };
    if (actor) event.actor = actor.username;
    if (d.description) event.note = d.description;
    if (reason) event.reason = reason;
    return event;
  }

  async function insertRequest(
    trx: Db,
    actor: Actor,
    fields: {
      id: string;
      code: string;
      env: EnvName;
      kind: string;
      params: Record<string, unknown>;
      note?: string | undefined;
      notBefore?: number | undefined;
      notAfter?: number | undefined;
    },
  ): Promise<void> {
    const now = Date.now();
    await trx
      .insertInto('deploys')
      .values({
        id: fields.id,
        app_code: fields.code,
        env: fields.env,
        kind: fields.kind,
        status: 'requested',
        job_id: null,
        release_version: null,
        params: JSON.stringify(fields.params),
        description: fields.note ?? null,
        created_by: actor.username,
        created_by_id: actor.userId,
        created_at: now,
        updated_at: now,
        requested: 1,
        not_before: fields.notBefore ?? null,
        not_after: fields.notAfter ?? null,
      })
      .execute();
    await audit.record(trx, {
      actor,
      action: 'deploy.request',
      targetType: 'app',
      targetId: fields.code,
      detail: { env: fields.env, deployId: fields.id, kind: fields.kind, ...fields.params },
      ip: actor.ip,
    });
    const filed = await row(fields.id, trx);
    await emit(trx, eventOf(filed, 'request.filed', actor));
  }

  /** In `trx`: queues the approved deploy's job, or cancels it when its window passed. */
  async function queueApproved(trx: Db, d: DeployRow, now: number): Promise<'queued' | 'missed'> {
    if (d.not_after !== null && Number(d.not_after) < now) {
      const moved = await moveDeploy(trx, audit, {
        id: d.id,
        from: ['approved'],
        to: 'cancelled',
        set: {
          error_code: 'REQUEST_WINDOW_MISSED',
          error: `not started by ${new Date(Number(d.not_after)).toISOString()}, the end of its window`,
        },
        audit: { actor: null, action: 'deploy.window_missed' },
      });
      if (moved === null) throw new LostRace();
      return 'missed';
    }
    const payload: DeployJobPayload = { deployId: d.id };
    const job = await queue.enqueue(DEPLOY_JOB_KIND, payload, {
      key: `deploy:${d.app_code}:${d.env}`,
      appCode: d.app_code,
      db: trx,
      runsOn: boundTo(JSON.parse(d.params) as DeployParams),
    });
    const moved = await moveDeploy(trx, audit, {
      id: d.id,
      from: ['approved'],
      to: 'queued',
      set: { job_id: job.id },
      audit: { actor: null, action: 'deploy.queued' },
    });
    if (moved === null) throw new LostRace();
    return 'queued';
  }

  const isDue = (d: DeployRow, now: number) => d.not_before === null || Number(d.not_before) <= now;

  async function dropPackage(d: DeployRow): Promise<void> {
    if (d.kind === 'build') await fs.promises.rm(packagePath(ctx.settings.dataDir, d.id), { force: true });
  }

  /** Moves a pending request to a final status by its requester or an approver. */
  async function decide(
    actor: Actor,
    d: DeployRow,
    to: DeployStatus,
    reason: string | undefined,
    event: NotifyEvent['type'],
  ): Promise<Deploy> {
    const now = Date.now();
    const outcome = await db.transaction().execute(async (trx) => {
      const from: DeployStatus[] = to === 'withdrawn' ? ['requested', 'approved'] : ['requested'];
      const moved = await moveDeploy(
        trx,
        audit,
        {
          id: d.id,
          from,
          to,
          set: { decided_by: actor.username, decided_at: now, decision_reason: reason ?? null },
          audit: {
            actor,
            action: `deploy.${to === 'approved' ? 'approve' : to === 'refused' ? 'refuse' : 'withdraw'}`,
            detail: reason ? { reason } : {},
          },
        },
        now,
      );
      if (moved === null) return null;
      const fresh = await row(d.id, trx);
      await emit(trx, eventOf(fresh, event, actor, reason));
      if (to === 'approved' && isDue(fresh, now)) return queueApproved(trx, fresh, now);
      return to;
    });
    if (outcome === null) {
      const current = await row(d.id);
      throw new BerthError('REQUEST_NOT_PENDING', `The request is ${current.status} already`);
    }
    // Nothing will build a package whose request ended here (refused, withdrawn, window missed).
    if (outcome !== 'queued' && outcome !== 'approved') await dropPackage(d);
    return loadDeploy(db, d.id);
  }

  return {
    async file(actor, code, env, input) {
      const body = validate(RequestCreateBodySchema, input, 'body');
      const name = env as EnvName;
      await access.authorize(actor, 'deploy.request', code, name);
      checkWindow(body.notBefore, body.notAfter, Date.now());
      let params: Record<string, unknown>;
      if (body.kind === 'build') {
        if ((body.ref === undefined) === (body.image === undefined)) {
          throw new BerthError(
            'VALIDATION_FAILED',
            'A build request names a git ref or an image (one of them)',
          );
        }
        const spec: SourceSpec =
          body.ref !== undefined
            ? { type: 'git', repository: body.repository ?? 'hosted', ref: body.ref }
            : { type: 'image', image: body.image! };
        // Frozen when filed: a hosted ref is pinned to the commit it names now.
        params = { source: await ctx.sources.check(code, spec) };
      } else if (body.kind === 'promote') {
        if (name !== 'prod')
          throw new BerthError('VALIDATION_FAILED', 'A promotion goes to prod: file it for prod');
        let version = body.version;
        if (version === undefined) {
          const stag = await readEnvState(db, code, 'stag');
          if (stag.release === null)
            throw new BerthError('NO_CURRENT_RELEASE', 'stag has nothing deployed to promote');
          version = stag.release;
        }
        const release = await findRelease(db, code, 'stag', version);
        if (release.status !== 'ready')
          throw new BerthError('RELEASE_NOT_FOUND', `stag v${version} did not build`);
        if (Number(release.pruned) === 1) throw new BerthError('RELEASE_PRUNED');
        params = { version };
      } else {
        let version = body.version;
        if (version === undefined) {
          const state = await readEnvState(db, code, name);
          if (state.release === null) throw new BerthError('NO_CURRENT_RELEASE');
          version = await releaseBefore(db, code, name, state.release);
        }
        assertRedeployable(await findRelease(db, code, name, version));
        params = { version };
      }
      const id = newId('dep');
      await db.transaction().execute((trx) =>
        insertRequest(trx, actor, {
          id,
          code,
          env: name,
          kind: body.kind,
          params,
          note: body.note,
          notBefore: body.notBefore,
          notAfter: body.notAfter,
        }),
      );
      return loadDeploy(db, id);
    },

    async filePackage(actor, code, env, body, options) {
      const name = env as EnvName;
      const { id, file, sha256 } = await acceptPackage(body, {
        dataDir: ctx.settings.dataDir,
        maxBytes: ctx.settings.maxPackageBytes,
        contentLength: options.contentLength,
        check: async () => {
          await access.authorize(actor, 'deploy.request', code, name);
          checkWindow(options.notBefore, options.notAfter, Date.now());
        },
      });
      try {
        await db.transaction().execute((trx) =>
          insertRequest(trx, actor, {
            id,
            code,
            env: name,
            kind: 'build',
            params: { sha256 },
            note: options.note,
            notBefore: options.notBefore,
            notAfter: options.notAfter,
          }),
        );
      } catch (err) {
        await fs.promises.rm(file, { force: true });
        throw err;
      }
      return loadDeploy(db, id);
    },

    async approve(actor, id, reason) {
      const d = await requestFor(actor, id);
      if (d.created_by_id === actor.userId) throw new BerthError('SELF_APPROVAL_FORBIDDEN');
      await access.authorize(actor, 'approve', d.app_code, d.env as EnvName);
      return decide(actor, d, 'approved', reason, 'request.approved');
    },

    async refuse(actor, id, reason) {
      const d = await requestFor(actor, id);
      if (d.created_by_id === actor.userId) {
        throw new BerthError('SELF_APPROVAL_FORBIDDEN', 'Withdraw your own request instead of refusing it');
      }
      await access.authorize(actor, 'approve', d.app_code, d.env as EnvName);
      return decide(actor, d, 'refused', reason, 'request.refused');
    },

    async withdraw(actor, id, reason) {
      const d = await requestFor(actor, id);
      if (d.created_by_id !== actor.userId) {
        throw new BerthError('FORBIDDEN', 'Only the requester withdraws a request (approvers refuse it)');
      }
      return decide(actor, d, 'withdrawn', reason, 'request.withdrawn');
    },

    async get(actor, id) {
      await requestFor(actor, id);
      return loadDeploy(db, id);
    },

    async list(actor, input) {
      const query: RequestListQuery = validate(RequestListQuerySchema, input ?? {}, 'querystring');
      const filter = query.filter ?? 'all';
      let q = deploysQuery(db).where('deploys.requested', '=', 1);
      if (query.app !== undefined) {
        await access.authorize(actor, 'app.read', query.app);
        q = q.where('deploys.app_code', '=', query.app);
      } else {
        const readable = await access.readableCodes(actor);
        if (readable !== 'all') q = q.where('deploys.app_code', 'in', readable.length ? readable : ['']);
      }
      if (filter === 'pending' || filter === 'to-approve') {
        q = q.where('deploys.status', 'in', filter === 'pending' ? ['requested', 'approved'] : ['requested']);
      }
      if (filter === 'mine') q = q.where('deploys.created_by_id', '=', actor.userId);
      if (filter === 'to-approve') {
        q = q.where((eb) =>
          eb.or([eb('deploys.created_by_id', 'is', null), eb('deploys.created_by_id', '!=', actor.userId)]),
        );
        if (actor.role === 'auditor') q = q.where('deploys.id', '=', '');
        if (actor.role === 'developer') {
          const scopes = await access.namedApproverOf(actor.username);
          q = q.where((eb) =>
            scopes.length === 0
              ? eb('deploys.id', '=', '')
              : eb.or(
                  scopes.map((s) =>
                    eb.and([eb('deploys.app_code', '=', s.app), eb('deploys.env', '=', s.env)]),
                  ),
                ),
          );
        }
      }
      const rows = await keysetPage(q, DEPLOY_KEYSET, query);
      const page = await mapPage(rows, (r) => r.map((x) => toDeploy(x as DeployJoined)));
      if (filter !== 'to-approve') return page;
      // A policy may narrow who approves in an environment: keep what this actor may decide.
      const may = new Map<string, boolean>();
      const items: Deploy[] = [];
      for (const d of page.items) {
        const key = `${d.app}/${d.env}`;
        if (!may.has(key)) may.set(key, await access.can(actor, 'approve', d.app, d.env));
        if (may.get(key)) items.push(d);
      }
      return { ...page, items };
    },

    async startDue(now = Date.now()) {
      const due = await db
        .selectFrom('deploys')
        .selectAll()
        .where('status', '=', 'approved')
        .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', now)]))
        .orderBy('created_at')
        .limit(50)
        .execute();
      let started = 0;
      for (const d of due) {
        try {
          const outcome = await db.transaction().execute((trx) => queueApproved(trx, d, now));
          if (outcome === 'missed') await dropPackage(d);
          started += 1;
        } catch (err) {
          if (err instanceof LostRace) continue;
          ctx.logger.warn({ err, deployId: d.id }, 'could not start an approved deploy request');
        }
      }
      return started;
    },
  };
}
