// The API gateway module put together: the declarations service (sync, export, edit), the component
// directory the call handler asks, and the HTTP routes. A change made through the service refreshes
// this process's directory (and, through `changed`, its gateway workers') at once; other replicas see
// it within the directory's recheck.
import type { AuditRecorder } from '../apps/index.ts';
import type { RouteModule } from '../http/server.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import { createDeclarations, type DeclarationsService } from './declarations-service.ts';
import { type ComponentDirectory, createComponentDirectory, storeDeclarations } from './directory.ts';
import { apigwRoutes } from './routes.ts';

export interface ApigwModuleDeps {
  store: Store;
  audit: AuditRecorder;
  logger: Logger;
  /** The API gateway as apps reach it (BERTH_APIGW_URL): the server of each system's OpenAPI document. */
  apiUrl: () => string;
  /** How long the directory trusts the version it read (default 1000 ms). */
  recheckMs?: number;
  /** Told after a change made through this process (gateway workers drop their copies). */
  changed?: () => void;
  now?: () => number;
}

export interface ApigwModule {
  declarations: DeclarationsService;
  directory: ComponentDirectory;
  routes: RouteModule;
}

export function createApigwModule(deps: ApigwModuleDeps): ApigwModule {
  const directory = createComponentDirectory({
    source: storeDeclarations(deps.store.db),
    logger: deps.logger,
    ...(deps.recheckMs !== undefined ? { recheckMs: deps.recheckMs } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
  const declarations = createDeclarations({
    store: deps.store,
    audit: deps.audit,
    ...(deps.now ? { now: deps.now } : {}),
    changed: () => {
      directory.invalidate();
      deps.changed?.();
    },
  });
  return { declarations, directory, routes: apigwRoutes({ declarations, apiUrl: deps.apiUrl }) };
}
