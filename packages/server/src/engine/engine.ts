// The deploy engine put together: service, job handler, route tables and the boot-time reconciler.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteModule } from '../http/server.ts';
import type { JobHandlers } from '../jobs/index.ts';
import { createDeployHandler, DEPLOY_JOB_KIND } from './deploy-job.ts';
import type { EngineContext, EngineDeps } from './engine-deps.ts';
import { engineRoutes } from './engine-routes.ts';
import { createEngineService, type EngineService } from './engine-service.ts';
import { currentVersions } from './engine-store.ts';
import { reconcile } from './reconciler.ts';
import { createRouteTables, type RouteTables } from './route-tables.ts';

export interface Engine {
  readonly service: EngineService;
  readonly routes: RouteModule;
  readonly jobHandlers: JobHandlers;
  readonly tables: RouteTables;
  /** Call once after `driver.recover()`: rebuilds the route table and restarts what is missing,
   *  then again every `healIntervalMs` for what crash-loops later. */
  reconcile(): Promise<void>;
  /** The apps port's handler: the gateway (apps and static sites; the API behind it with BERTH_SHARED_ORIGIN). */
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  /** The current release of every environment of these apps that has one (one query; for the app
   *  list's environment summaries). */
  currentReleases(codes: readonly string[]): Promise<Array<{ app: string; env: string; version: number }>>;
  /** Stops listening to runtime events. */
  close(): void;
}

export function createEngine(deps: EngineDeps): Engine {
  const logger = deps.logger.child({ mod: 'engine' });
  const tables = createRouteTables({
    store: deps.store,
    driver: deps.driver,
    gateway: deps.gateway,
    logger,
    baseDomain: deps.settings.appsDomain,
    appCodes: deps.appCodes,
  });
  const ctx: EngineContext = { ...deps, logger, routes: tables };
  const service = createEngineService(ctx);

  // Instances that restart may come back on another port: rebuild the table (debounced).
  let pending: NodeJS.Timeout | undefined;
  const onRuntimeChange = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      tables.refresh().catch(() => {});
    }, 100);
  };
  deps.driver.on('restart', onRuntimeChange);
  deps.driver.on('crashloop', onRuntimeChange);

  // Self-healing: the boot-time reconcile runs again every healIntervalMs, so an environment whose
  // instances crash-looped (or went missing) gets a `start` deploy that replaces them, the way a
  // cooled-off crashed dyno is started again. An app that keeps crashing gets one attempt per interval.
  let healTimer: NodeJS.Timeout | undefined;
  let healing = false;
  const heal = async () => {
    if (healing) return;
    healing = true;
    try {
      await reconcile(ctx, service);
    } catch (err) {
      logger.warn({ err }, 'healing environments failed');
    } finally {
      healing = false;
    }
  };

  return {
    service,
    routes: engineRoutes({ engine: service }),
    jobHandlers: { [DEPLOY_JOB_KIND]: createDeployHandler(ctx) },
    tables,
    currentReleases: (codes) => currentVersions(deps.store.db, codes),
    async reconcile() {
      await reconcile(ctx, service);
      const every = deps.settings.healIntervalMs;
      if (every > 0 && !healTimer) {
        healTimer = setInterval(() => void heal(), every);
        healTimer.unref();
      }
    },
    handleRequest(req, res) {
      // Static sites are in the route table: the gateway serves their files itself.
      deps.gateway.handleRequest(req, res);
    },
    close() {
      clearTimeout(pending);
      clearInterval(healTimer);
      deps.driver.off('restart', onRuntimeChange);
      deps.driver.off('crashloop', onRuntimeChange);
    },
  };
}
