// All of the apps module's HTTP routes.
import type { RouteModule } from '../http/server.ts';
import { appRoutes } from './app-routes.ts';
import type { Apps } from './apps.ts';
import { configRoutes } from './config-routes.ts';
import { policyRoutes } from './policy-routes.ts';

export function appsRoutes(deps: { apps: Apps }): RouteModule {
  const modules = [appRoutes(deps), configRoutes(deps), policyRoutes(deps)];
  return async (app) => {
    for (const register of modules) await register(app);
  };
}
