// The deploy engine put together: service, job handler, route tables and the boot-time reconciler.
import type { RouteModule } from '../http/server.ts';
import type { JobHandlers } from '../jobs/index.ts';
import type { InstanceInfo } from '../runtime/index.ts';
import { followJob, notifyCrashLoop } from './deploy-events.ts';
import { createDeployHandler, DEPLOY_JOB_KIND } from './deploy-job.ts';
import type { EngineContext, EngineDeps } from './engine-deps.ts';
import { engineRoutes } from './engine-routes.ts';
import { createEngineService, type EngineService } from './engine-service.ts';
import { currentVersions } from './engine-store.ts';
import { reconcile } from './reconciler.ts';
import { createDeployRequests, type DeployRequests } from './request-service.ts';
import { createRoutePeers } from './route-peers.ts';
import { createRouteTables, type RouteTables } from './route-tables.ts';
import { settleOrphanBuilds } from './source-build.ts';

export interface Engine {
  readonly service: EngineService;
  readonly requests: DeployRequests;
  readonly routes: RouteModule;
  readonly jobHandlers: JobHandlers;
  readonly tables: RouteTables;
  /** Call once after `driver.recover()`: rebuilds this replica's route table and restarts what is
   *  missing, then registers the repeats with `every` (healing every `healIntervalMs`, approved
   *  requests every `requestPollMs`): the scheduler runs them on one replica per period. */
  reconcile(): Promise<void>;
  /** The current release of every environment of these apps that has one (one query; for the app
   *  list's environment summaries). */
  currentReleases(codes: readonly string[]): Promise<Array<{ app: string; env: string; version: number }>>;
  /** Stops listening to runtime events and to the other replicas. */
  close(): Promise<void>;
}

export function createEngine(deps: EngineDeps): Engine {
  const logger = deps.logger.child({ mod: 'engine' });
  const tables = createRouteTables({
    store: deps.store,
    driver: deps.driver,
    gateway: deps.gateway,
    health: deps.health,
    logger,
    baseDomain: deps.settings.appsDomain,
    appCodes: deps.appCodes,
    platform: deps.platformAddress,
    apigw: deps.apigwAddress,
    extras: deps.gatewayExtras,
    peers:
      deps.replica === undefined
        ? undefined
        : createRoutePeers({ db: deps.store.db, replica: deps.replica, logger }),
  });
  const ctx: EngineContext = { ...deps, logger, routes: tables };
  const service = createEngineService(ctx);
  const requests = createDeployRequests(ctx);
  deps.queue.onTransition(DEPLOY_JOB_KIND, followJob(ctx));

  // Approved requests whose window opened are queued (and those whose window passed cancelled): at
  // start by every berthd, then once per requestPollMs by one replica (scheduled). Their
  // compare-and-set on the deploy's status starts each once either way.
  const startDueRequests = async () => {
    try {
      await requests.startDue();
    } catch (err) {
      logger.warn({ err }, 'starting approved deploy requests failed');
    }
  };

  // A crash loop is worth telling people about, once per instance episode.
  const onCrashLoop = (info: InstanceInfo) => {
    void notifyCrashLoop(ctx, info).catch((err) => logger.warn({ err }, 'crash-loop notification failed'));
  };

  // Instances that restart may come back on another port: rebuild the table (debounced).
  let pending: NodeJS.Timeout | undefined;
  const onRuntimeChange = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      tables.refresh('here').catch(() => {});
    }, 100);
  };
  deps.driver.on('restart', onRuntimeChange);
  deps.driver.on('crashloop', onRuntimeChange);
  deps.driver.on('crashloop', onCrashLoop);

  // Self-healing: the boot-time reconcile runs again every healIntervalMs (on one replica per
  // period), so an environment whose instances crash-looped (or went missing) gets a `start` deploy
  // that replaces them, the way a cooled-off crashed dyno is started again. An app that keeps
  // crashing gets one attempt per interval.
  let scheduled = false;
  const schedule = () => {
    if (scheduled || deps.every === undefined) return;
    scheduled = true;
    const poll = deps.settings.requestPollMs ?? 1000;
    if (poll > 0)
      deps.every('engine.request-poll', poll, async () => {
        await requests.startDue();
      });
    const heal = deps.settings.healIntervalMs;
    if (heal > 0) deps.every('engine.heal', heal, () => reconcile(ctx, service));
  };

  return {
    service,
    requests,
    routes: engineRoutes({ engine: service, requests }),
    jobHandlers: { [DEPLOY_JOB_KIND]: createDeployHandler(ctx) },
    tables,
    currentReleases: (codes) => currentVersions(deps.store.db, codes),
    async reconcile() {
      // Builds a berthd that died left `running` whose deploys have ended meanwhile end `failed`.
      await settleOrphanBuilds(ctx);
      await reconcile(ctx, service);
      await startDueRequests();
      schedule();
    },
    async close() {
      clearTimeout(pending);
      await tables.close();
      deps.driver.off('restart', onRuntimeChange);
      deps.driver.off('crashloop', onRuntimeChange);
      deps.driver.off('crashloop', onCrashLoop);
    },
  };
}
