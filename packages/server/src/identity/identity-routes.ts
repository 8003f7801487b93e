// All HTTP routes of the identity module. Routes only validate, call the services (which check
// roles) and shape the reply.
import type { RouteModule } from '../http/server.ts';
import { appTicketRoutes } from './app-ticket-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { authRoutes } from './auth-routes.ts';
import { meRoutes } from './me-routes.ts';
import type { IdentityRouteDeps } from './route-deps.ts';
import { tokenRoutes } from './token-routes.ts';
import { userRoutes } from './user-routes.ts';

export function identityRoutes(deps: IdentityRouteDeps): RouteModule {
  const modules = [
    authRoutes(deps),
    appTicketRoutes(deps),
    meRoutes(deps),
    tokenRoutes(deps),
    userRoutes(deps),
    auditRoutes(deps),
  ];
  return async (app) => {
    for (const register of modules) await register(app);
  };
}
