import { HealthSchema } from '@berth/sdk';
import type { Store } from '../store/store.ts';
import type { RouteModule } from './server.ts';

/** `GET /healthz`: berthd itself is up, with its version and whether the store answers. */
export function healthRoutes(deps: { store: Store; version: string }): RouteModule {
  return (app) => {
    app.get(
      '/healthz',
      {
        schema: {
          tags: ['platform'],
          summary: 'Health of berthd',
          response: { 200: HealthSchema, 503: HealthSchema },
        },
      },
      async (_req, reply) => {
        let reachable = true;
        try {
          await deps.store.ping();
        } catch {
          reachable = false;
        }
        return reply.status(reachable ? 200 : 503).send({
          status: reachable ? 'ok' : 'degraded',
          version: deps.version,
          store: { dialect: deps.store.dialect, reachable },
        });
      },
    );
  };
}
