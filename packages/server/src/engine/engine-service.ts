import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  type AppAction,
  type AppLogLine,
  type AppLogsQuery,
  type Build,
  type Deploy,
  type DeployKind,
  ENV_NAMES,
  type EnvName,
  type InstanceView,
  type PageQuery,
  type Release,
} from '@berth/sdk';
import type { Kysely, Transaction } from 'kysely';
import { newId } from '../crypto/tokens.ts';
import { BerthError, isBerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import type { JobLogPage } from '../jobs/index.ts';
import type { InstanceInfo } from '../runtime/index.ts';
import type { SourceSpec } from '../sources/source.ts';
import { type Keyset, keysetPage, keysetPageOf, mapPage, newestFirst, type Page } from '../store/keyset.ts';
import type { Database } from '../store/schema.ts';
import { followAppLogs, queryAppLogs } from './app-logs.ts';
import { packagePath } from './build-release.ts';
import { DEPLOY_JOB_KIND, type DeployJobPayload, type DeployParams } from './deploy-job.ts';
import { moveDeploy } from './deploy-lifecycle.ts';
import { DEPLOY_KEYSET, deploysQuery, loadDeploy as loadDeployRow } from './deploy-reads.ts';
import type { EngineContext } from './engine-deps.ts';
import { assertRedeployable, findRelease, readEnvState, releaseBefore } from './engine-store.ts';
import { idempotentDeploy } from './idempotency-keys.ts';
import { forgetApp, recentInstances } from './instance-history.ts';
import { assertWithinInstanceLimit } from './instance-limit.ts';
import { createOneOffRuns, type PreparedRun } from './one-off-runs.ts';
import { removeReleaseImages } from './prune-releases.ts';
import { acceptPackage } from './receive-package.ts';
import { formationCounts, parseReleaseBuild } from './release-build.ts';
import { createStreamLimit } from './stream-limit.ts';
import { supersedeOlder } from './supersede.ts';
import { boundTo } from './target-release.ts';
import { type DeployJoined, toBuild, toDeploy, toRelease } from './views.ts';

// A release's version is unique within its environment.
const RELEASE_KEYSET: Keyset<{ version: number }> = {
  list: 'releases',
  order: 'desc',
  columns: [{ ref: 'version', type: 'number' }],
  keyOf: (r) => [Number(r.version)],
};
const BUILD_KEYSET = newestFirst<{ created_at: number; id: string }>(
  'builds',
  { time: 'created_at', id: 'id' },
  (b) => [b.created_at, b.id],
);
const INSTANCE_KEYSET: Keyset<InstanceInfo> = {
  list: 'instances',
  order: 'asc',
  columns: [{ type: 'string' }, { type: 'number' }, { type: 'string' }],
  keyOf: (i) => [i.processType, i.index, i.id],
};

type Db = Kysely<Database> | Transaction<Database>;

/** A request's `Idempotency-Key` header, if it sent one (idempotency-keys.ts). */
export interface Keyed {
  idempotencyKey?: string | undefined;
}

export interface EngineService {
  deployPackage(
    actor: Actor,
    code: string,
    env: string,
    body: Readable,
    options?: Keyed & { description?: string | undefined; contentLength?: number | undefined },
  ): Promise<Deploy>;
  /**
   * A build deploy of a git ref or an image (sources/): checked now (a hosted ref is pinned to its
   * commit at once), built by its job. With `trigger` (`push:{ref}`, `webhook:{ref}`), older deploys
   * of the same trigger that have not switched traffic are superseded.
   */
  deploySource(
    /** null: a verified webhook delivery (no user; the platform deploys, where no approval is needed). */
    actor: Actor | null,
    code: string,
    env: string,
    spec: Exclude<SourceSpec, { type: 'package' }>,
    options?: Keyed & { description?: string | undefined; trigger?: string | undefined },
  ): Promise<Deploy>;
  /** Builds of the app, newest first. */
  listBuilds(actor: Actor, code: string, page?: PageQuery): Promise<Page<Build>>;
  /** Newest first. */
  listDeploys(actor: Actor, code: string, env: string, page?: PageQuery): Promise<Page<Deploy>>;
  getDeploy(actor: Actor, id: string): Promise<Deploy>;
  deployLogs(actor: Actor, id: string, options?: { after?: number; limit?: number }): Promise<JobLogPage>;
  cancelDeploy(actor: Actor, id: string): Promise<Deploy>;
  /** Newest first. */
  listReleases(actor: Actor, code: string, env: string, page?: PageQuery): Promise<Page<Release>>;
  rollback(
    actor: Actor,
    code: string,
    env: string,
    version?: number,
    options?: Keyed & { emergencyReason?: string | undefined },
  ): Promise<Deploy>;
  promote(actor: Actor, code: string, options?: Keyed): Promise<Deploy>;
  restart(actor: Actor, code: string, env: string): Promise<Deploy>;
  scale(
    actor: Actor,
    code: string,
    env: string,
    processes: Record<string, number>,
    options?: Keyed,
  ): Promise<Deploy>;
  stop(actor: Actor, code: string, env: string): Promise<Deploy>;
  start(actor: Actor, code: string, env: string): Promise<Deploy>;
  /** By process type, then index. */
  instances(actor: Actor, code: string, env: string, page?: PageQuery): Promise<Page<InstanceView>>;
  logs(actor: Actor, code: string, env: string, query: AppLogsQuery): Promise<AppLogLine[]>;
  followLogs(
    actor: Actor,
    code: string,
    env: string,
    query: AppLogsQuery,
    signal: AbortSignal,
  ): Promise<AsyncIterable<AppLogLine>>;
  /**
   * Checks and prepares a one-off run of `command` in the env's current release (`berth run`);
   * refusals are thrown here, before anything runs (one-off-runs.ts).
   */
  prepareRun(actor: Actor, code: string, env: string, command: string[]): Promise<PreparedRun>;
  /**
   * After a config change, in its transaction: a `config` deploy when the env runs a release (else
   * undefined). The change and its deploy are committed together or not at all.
   */
  configChanged(actor: Actor, code: string, env: string, trx?: Db): Promise<Deploy | undefined>;
  /**
   * After the app secret was replaced, in its transaction: a `restart` deploy of each environment
   * that runs instances, so none keeps the revoked secret (they read the secret when they start).
   */
  secretRotated(actor: Actor, code: string, trx?: Db): Promise<Deploy[]>;
  /** After the apps module deleted an app: cancel its deploys, stop its instances, drop its releases. */
  appDeleted(code: string): Promise<void>;
  /** A deploy requested by the platform itself (the reconciler). */
  systemDeploy(code: string, env: EnvName, kind: DeployKind): Promise<Deploy>;
}

function checkEnv(env: string): EnvName {
  if (!(ENV_NAMES as readonly string[]).includes(env)) throw new BerthError('ENV_NOT_FOUND');
  return env as EnvName;
}

export function createEngineService(ctx: EngineContext): EngineService {
  const { store, queue, access, audit } = ctx;
  const { db } = store;
  const runs = createOneOffRuns(ctx);
  const logStreams = createStreamLimit(ctx.settings.logStreamsPerUser, 'LOG_STREAMS_LIMIT');
  /** Instances of the env whose logs may still be kept, running or not. */
  const pastInstances = (code: string, env: string) =>
    recentInstances(db, code, env, ctx.settings.logRetentionMs);

  const loadDeploy = (id: string, from: Db = db) => loadDeployRow(from, id);

  async function visibleDeploy(actor: Actor, id: string, action: 'app.read' | 'operate'): Promise<Deploy> {
    const deploy = await loadDeploy(id);
    try {
      await access.authorize(actor, action, deploy.app, deploy.env);
    } catch (err) {
      if (isBerthError(err, 'APP_NOT_FOUND')) throw new BerthError('DEPLOY_NOT_FOUND');
      throw err;
    }
    return deploy;
  }

  async function enqueue(
    actor: Actor | null,
    code: string,
    env: EnvName,
    kind: DeployKind,
    params: DeployParams,
    options: {
      id?: string;
      description?: string | undefined;
      trx?: Db | undefined;
      emergencyReason?: string | undefined;
      trigger?: string | undefined;
      /** Who a deploy without a user is by (default `system`). */
      createdBy?: string | undefined;
    } = {},
  ): Promise<Deploy> {
    const id = options.id ?? newId('dep');
    const write = async (trx: Db) => {
      const payload: DeployJobPayload = { deployId: id };
      const job = await queue.enqueue(DEPLOY_JOB_KIND, payload, {
        key: `deploy:${code}:${env}`,
        appCode: code,
        db: trx,
        runsOn: boundTo(params),
      });
      await trx
        .insertInto('deploys')
        .values({
          id,
          app_code: code,
          env,
          kind,
          status: 'queued',
          job_id: job.id,
          release_version: null,
          params: JSON.stringify(params),
          description: options.description ?? null,
          created_by: actor?.username ?? options.createdBy ?? 'system',
          created_by_id: actor?.userId ?? null,
          created_at: job.createdAt,
          updated_at: job.createdAt,
          requested: 0,
          emergency_reason: options.emergencyReason ?? null,
          trigger_ref: options.trigger ?? null,
        })
        .execute();
      await audit.record(trx, {
        actor,
        action: options.emergencyReason ? `deploy.${kind}.emergency` : `deploy.${kind}`,
        targetType: 'app',
        targetId: code,
        detail: {
          env,
          deployId: id,
          ...params,
          ...(options.emergencyReason ? { reason: options.emergencyReason } : {}),
        },
        ...(actor ? { ip: actor.ip } : {}),
      });
    };
    // In the caller's transaction when given one (the deploy exists only if the caller commits).
    if (options.trx) {
      await write(options.trx);
      return loadDeploy(id, options.trx);
    }
    await db.transaction().execute(write);
    return loadDeploy(id);
  }

  /** Checks and starts a deploy once per Idempotency-Key of the actor: a repeat answers the first
   *  deploy before `prepare` checks anything (see idempotentDeploy). */
  function keyed(
    actor: Actor,
    options: Keyed | undefined,
    request: unknown[],
    prepare: () => Promise<(trx?: Db) => Promise<Deploy>>,
  ) {
    const key = options?.idempotencyKey;
    const req = key === undefined ? undefined : { userId: actor.userId, key, request };
    return idempotentDeploy(db, req, Date.now(), prepare, (id) => loadDeploy(id));
  }

  /** Checks `action` in the environment; throws APP_NOT_FOUND or FORBIDDEN. */
  async function allowed(actor: Actor, action: AppAction, code: string, env: string): Promise<EnvName> {
    const name = checkEnv(env);
    await access.authorize(actor, action, code, name);
    return name;
  }

  /**
   * Checks a direct deploy or rollback. Where the environment needs approval it is refused with
   * APPROVAL_REQUIRED (file a request instead), except an operator's or admin's emergency rollback,
   * which must say why.
   */
  async function direct(
    actor: Actor,
    action: 'deploy' | 'rollback',
    code: string,
    env: string,
    emergencyReason?: string,
  ): Promise<EnvName> {
    const name = checkEnv(env);
    const { policy } = await access.authorize(actor, action, code, name);
    if (!policy?.approval) {
      if (emergencyReason !== undefined) {
        throw new BerthError(
          'VALIDATION_FAILED',
          `${name} of ${code} needs no approval: roll back without a reason`,
        );
      }
      return name;
    }
    if (action === 'rollback' && emergencyReason !== undefined) {
      await access.authorize(actor, 'rollback.emergency', code, name);
      return name;
    }
    throw new BerthError(
      'APPROVAL_REQUIRED',
      `${action === 'rollback' ? 'Rollbacks' : 'Deploys'} to ${name} of ${code} need approval: file a deploy request (berth requests create)`,
    );
  }

  /** The environment a deploy nobody started (a webhook's) may go to: not one that needs approval. */
  async function platformDeployable(code: string, env: string): Promise<EnvName> {
    const name = checkEnv(env);
    if (await access.approvalNeeded(code, name)) {
      throw new BerthError(
        'APPROVAL_REQUIRED',
        `Deploys to ${name} of ${code} need approval: a webhook cannot deploy there`,
      );
    }
    return name;
  }

  async function currentRelease(code: string, env: EnvName) {
    const state = await readEnvState(db, code, env);
    if (state.release === null) throw new BerthError('NO_CURRENT_RELEASE');
    return { state, release: await findRelease(db, code, env, state.release) };
  }

  return {
    async deployPackage(actor, code, env, body, options = {}) {
      const {
        id,
        file,
        sha256,
        checked: name,
      } = await acceptPackage(body, {
        dataDir: ctx.settings.dataDir,
        maxBytes: ctx.settings.maxPackageBytes,
        contentLength: options.contentLength,
        check: () => direct(actor, 'deploy', code, env),
      });
      try {
        const request = ['deploy', code, name, options.description ?? null];
        if (options.idempotencyKey !== undefined) request.push(sha256);
        const deploy = await keyed(
          actor,
          options,
          request,
          async () => (trx) =>
            enqueue(
              actor,
              code,
              name,
              'build',
              { source: { type: 'package', id, sha256, ...(ctx.replica ? { at: ctx.replica } : {}) } },
              { id, description: options.description, trx },
            ),
        );
        // A repeated request answers the first one's deploy: its own upload is not needed.
        if (deploy.id !== id) await fs.promises.rm(file, { force: true });
        return deploy;
      } catch (err) {
        await fs.promises.rm(file, { force: true });
        throw err;
      }
    },

    async deploySource(actor, code, env, spec, options = {}) {
      // A verified webhook delivery (no actor) has no role to check; approval still applies.
      const name =
        actor === null ? await platformDeployable(code, env) : await direct(actor, 'deploy', code, env);
      const prepare = async () => {
        const found = await ctx.sources.check(code, spec);
        // A hosted repository is in this replica's data dir: the build runs here.
        const checked =
          found.type === 'git' && found.repository === 'hosted' && ctx.replica
            ? { ...found, at: ctx.replica }
            : found;
        return (trx?: Db) =>
          enqueue(
            actor,
            code,
            name,
            'build',
            { source: checked },
            {
              description: options.description,
              trigger: options.trigger,
              // `webhook` for a webhook's trigger (`webhook:{ref}`).
              createdBy: options.trigger?.split(':')[0],
              trx,
            },
          );
      };
      const deploy =
        actor === null
          ? await (await prepare())()
          : await keyed(
              actor,
              options,
              ['deploy-source', code, name, spec, options.description ?? null],
              prepare,
            );
      if (options.trigger) await supersedeOlder(ctx, deploy, options.trigger);
      return deploy;
    },

    async listBuilds(actor, code, page) {
      await access.authorize(actor, 'app.read', code);
      const rows = await keysetPage(
        db.selectFrom('builds').selectAll().where('app_code', '=', code),
        BUILD_KEYSET,
        page,
      );
      return mapPage(rows, (r) => r.map(toBuild));
    },

    async listDeploys(actor, code, env, page) {
      const name = await allowed(actor, 'app.read', code, env);
      const query = deploysQuery(db).where('deploys.app_code', '=', code).where('deploys.env', '=', name);
      const rows = await keysetPage(query, DEPLOY_KEYSET, page);
      return mapPage(rows, (r) => r.map((row) => toDeploy(row as DeployJoined)));
    },

    getDeploy: (actor, id) => visibleDeploy(actor, id, 'app.read'),

    async deployLogs(actor, id, options = {}) {
      const deploy = await visibleDeploy(actor, id, 'app.read');
      if (deploy.jobId === undefined) return { lines: [], nextAfter: options.after ?? 0 };
      return queue.logs(deploy.jobId, {
        ...(options.after !== undefined ? { afterSeq: options.after } : {}),
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
      });
    },

    async cancelDeploy(actor, id) {
      const deploy = await visibleDeploy(actor, id, 'operate');
      if (deploy.jobId === undefined) {
        // Approved and waiting for its window: cancelled here; a request not yet decided is
        // refused or withdrawn, not cancelled.
        const moved = await db.transaction().execute((trx) =>
          moveDeploy(trx, audit, {
            id,
            from: ['approved'],
            to: 'cancelled',
            audit: { actor, action: 'deploy.cancel' },
          }),
        );
        if (moved === null) {
          throw new BerthError(
            'JOB_NOT_CANCELLABLE',
            `The deploy is ${deploy.status}: it cannot be cancelled`,
          );
        }
        return loadDeploy(id);
      }
      try {
        await queue.cancel(deploy.jobId, {
          inTransaction: (trx) =>
            audit.record(trx, {
              actor,
              action: 'deploy.cancel',
              targetType: 'app',
              targetId: deploy.app,
              detail: { env: deploy.env, deployId: id },
              ip: actor.ip,
            }),
        });
      } catch (err) {
        if (isBerthError(err, 'JOB_NOT_CANCELLABLE')) {
          throw new BerthError('JOB_NOT_CANCELLABLE', 'The deploy has finished and cannot be cancelled');
        }
        throw err;
      }
      return loadDeploy(id);
    },

    async listReleases(actor, code, env, page) {
      const name = await allowed(actor, 'app.read', code, env);
      const state = await readEnvState(db, code, name);
      const query = db
        .selectFrom('releases')
        .selectAll()
        .where('app_code', '=', code)
        .where('env', '=', name)
        .where('status', '!=', 'building');
      const rows = await keysetPage(query, RELEASE_KEYSET, page);
      return mapPage(rows, (r) => r.map((row) => toRelease(row, state.release, state.formation)));
    },

    async rollback(actor, code, env, version, options) {
      const emergencyReason = options?.emergencyReason;
      const name = await direct(actor, 'rollback', code, env, emergencyReason);
      const request = ['rollback', code, name, version ?? null];
      return keyed(actor, options, request, async () => {
        const { state } = await currentRelease(code, name);
        const target = version ?? (await releaseBefore(db, code, name, state.release!));
        assertRedeployable(await findRelease(db, code, name, target));
        return (trx) => enqueue(actor, code, name, 'rollback', { version: target }, { trx, emergencyReason });
      });
    },

    async promote(actor, code, options) {
      await direct(actor, 'deploy', code, 'prod');
      return keyed(actor, options, ['promote', code], async () => {
        const { release } = await currentRelease(code, 'stag');
        if (Number(release.pruned) === 1) throw new BerthError('RELEASE_PRUNED');
        return (trx) => enqueue(actor, code, 'prod', 'promote', {}, { trx });
      });
    },

    async restart(actor, code, env) {
      const name = await allowed(actor, 'operate', code, env);
      await currentRelease(code, name);
      return enqueue(actor, code, name, 'restart', {});
    },

    async scale(actor, code, env, processes, options) {
      const name = await allowed(actor, 'operate', code, env);
      const request = ['scale', code, name, processes];
      return keyed(actor, options, request, async () => {
        const { state, release } = await currentRelease(code, name);
        const build = parseReleaseBuild(release.build);
        for (const type of Object.keys(processes)) {
          // Own keys only: `constructor` or `toString` are not process types of every release.
          if (!Object.hasOwn(build.processes, type)) {
            throw new BerthError('PROCESS_TYPE_UNKNOWN', `The current release has no process type "${type}"`);
          }
        }
        const counts = formationCounts(build, { ...state.formation, ...processes });
        await assertWithinInstanceLimit(ctx, code, name, counts);
        return (trx) => enqueue(actor, code, name, 'scale', { processes }, { trx });
      });
    },

    async stop(actor, code, env) {
      const name = await allowed(actor, 'operate', code, env);
      return enqueue(actor, code, name, 'stop', {});
    },

    async start(actor, code, env) {
      const name = await allowed(actor, 'operate', code, env);
      const { state, release } = await currentRelease(code, name);
      if (state.status === 'stopped') {
        const counts = formationCounts(parseReleaseBuild(release.build), state.formation);
        await assertWithinInstanceLimit(ctx, code, name, counts);
      }
      return enqueue(actor, code, name, 'start', {});
    },

    async instances(actor, code, env, page) {
      const name = await allowed(actor, 'app.read', code, env);
      const state = await readEnvState(db, code, name);
      const serving = new Set(state.status === 'running' ? state.instances : []);
      const list = keysetPageOf(await ctx.driver.list({ app: code, env: name }), INSTANCE_KEYSET, page);
      return mapPage(list, (items) =>
        items.map((i) => {
          const view: InstanceView = {
            id: i.id,
            processType: i.processType,
            release: i.release,
            state: i.state,
            restarts: i.restarts,
            healthy:
              serving.has(i.id) &&
              i.state === 'running' &&
              // The control plane's health checks; an instance not checked yet is up (the
              // deploy checked it before it entered the table).
              (i.processType !== 'web' || ctx.health?.isUp(i.id) !== false),
          };
          if (i.address) view.address = `${i.address.host}:${i.address.port}`;
          if (i.startedAt !== undefined) view.startedAt = i.startedAt;
          return view;
        }),
      );
    },

    async logs(actor, code, env, query) {
      const name = await allowed(actor, 'app.read', code, env);
      return queryAppLogs(ctx.driver, code, name, query, await pastInstances(code, name));
    },

    async followLogs(actor, code, env, query, signal) {
      const name = await allowed(actor, 'app.read', code, env);
      const release = logStreams.acquire(actor.userId);
      if (signal.aborted) release();
      else signal.addEventListener('abort', release, { once: true });
      try {
        return await followAppLogs(ctx.driver, code, name, query, signal, await pastInstances(code, name));
      } catch (err) {
        release();
        throw err;
      }
    },

    prepareRun: (actor, code, env, command) => runs.prepare(actor, code, checkEnv(env), command),

    async configChanged(actor, code, env, trx) {
      const name = checkEnv(env);
      const state = await readEnvState(trx ?? db, code, name);
      if (state.release === null || state.status !== 'running') return undefined;
      return enqueue(actor, code, name, 'config', {}, { trx });
    },

    async secretRotated(actor, code, trx) {
      const deploys: Deploy[] = [];
      for (const name of ENV_NAMES) {
        const state = await readEnvState(trx ?? db, code, name);
        if (state.release === null || state.status !== 'running' || state.instances.length === 0) continue;
        deploys.push(await enqueue(actor, code, name, 'restart', { reason: 'secret_rotated' }, { trx }));
      }
      return deploys;
    },

    async appDeleted(code) {
      const unfinished = await db
        .selectFrom('jobs')
        .select('id')
        .where('kind', '=', DEPLOY_JOB_KIND)
        .where('app_code', '=', code)
        .where('status', 'in', ['queued', 'running'])
        .execute();
      for (const job of unfinished) await queue.cancel(job.id).catch(() => {});
      await db.deleteFrom('env_states').where('app_code', '=', code).execute();
      await ctx.routes.refresh();
      const instances = await ctx.driver.list({ app: code });
      await Promise.all(instances.map((i) => ctx.driver.stop(i.id).catch(() => {})));
      if (ctx.containers) await ctx.containers.removeBuildContainers(code);
      await removeReleaseImages(ctx, code).catch((err) =>
        ctx.logger.warn({ err, app: code }, 'could not remove the release images of a deleted app'),
      );
      await db.deleteFrom('releases').where('app_code', '=', code).execute();
      await db.deleteFrom('builds').where('app_code', '=', code).execute();
      // Packages kept for deploys that never ran (requests waiting for approval, cancelled builds).
      const builds = await db
        .selectFrom('deploys')
        .select('id')
        .where('app_code', '=', code)
        .where('kind', '=', 'build')
        .execute();
      for (const b of builds) await fs.promises.rm(packagePath(ctx.settings.dataDir, b.id), { force: true });
      await db.deleteFrom('deploys').where('app_code', '=', code).execute();
      await forgetApp(db, code);
      await fs.promises.rm(path.join(ctx.settings.dataDir, 'releases', code), {
        recursive: true,
        force: true,
      });
      // Last, whatever the app started that is not an instance (a process a build or an instance
      // left behind), its homes and its users: a new app with this code starts from nothing.
      await ctx.tenants?.retireApp(code);
    },

    systemDeploy: (code, env, kind) => enqueue(null, code, env, kind, {}),
  };
}
