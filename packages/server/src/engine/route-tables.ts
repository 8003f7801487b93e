// Computes the gateway's route table from the store (which release serves each environment, and
// which instances) and the runtime (where those instances listen), and applies it. Refreshes run one
// after another, so tables are applied in the order their inputs were read.
import path from 'node:path';
import type { Gateway, RouteSpec, RouteTableInput } from '../gateway/index.ts';
import type { Logger } from '../logger.ts';
import type { RuntimeDriver } from '../runtime/index.ts';
import type { Store } from '../store/store.ts';
import { parseReleaseBuild } from './release-build.ts';

export interface RouteTables {
  /** Recomputes and applies the table; resolves once it is applied (by every gateway worker). */
  refresh(): Promise<void>;
}

export function createRouteTables(deps: {
  store: Store;
  driver: RuntimeDriver;
  gateway: Gateway;
  logger: Logger;
  baseDomain: string | undefined;
}): RouteTables {
  let chain: Promise<void> = Promise.resolve();

  async function compute(): Promise<RouteTableInput> {
    const rows = await deps.store.db
      .selectFrom('env_states')
      .innerJoin('releases', (join) =>
        join
          .onRef('releases.app_code', '=', 'env_states.app_code')
          .onRef('releases.env', '=', 'env_states.env')
          .onRef('releases.version', '=', 'env_states.release_version'),
      )
      .select([
        'env_states.app_code as app',
        'env_states.env as env',
        'env_states.instances as instances',
        'releases.build as build',
        'releases.artifact_dir as artifactDir',
      ])
      .where('env_states.status', '=', 'running')
      .execute();
    const running = new Map((await deps.driver.list()).map((i) => [i.id, i]));
    const routes: RouteSpec[] = [];
    for (const row of rows) {
      const env = row.env === 'prod' ? 'prod' : 'stag';
      const build = parseReleaseBuild(row.build);
      if (build.static && row.artifactDir) {
        // The gateway (in whichever process serves the request) reads the files itself.
        routes.push({
          app: row.app,
          env,
          upstreams: [],
          static: {
            root: path.resolve(row.artifactDir, build.static.root),
            index: build.static.index,
            spa: build.static.spa,
            ...(build.static.dotfiles === true ? { dotfiles: true } : {}),
            // A sealed tree is root's through and through: a file owned by anyone else is not one
            // the build left, and is refused.
            ...(build.sealed === true ? { owner: 0 } : {}),
          },
        });
        continue;
      }
      if (!build.processes['web']) continue;
      const upstreams = [];
      for (const id of JSON.parse(row.instances) as string[]) {
        const info = running.get(id);
        if (info?.processType !== 'web' || !info.address) continue;
        upstreams.push({ id, host: info.address.host, port: info.address.port });
      }
      routes.push({
        app: row.app,
        env,
        upstreams,
        healthCheck: {
          path: build.health.path,
          ...(build.health.status === undefined ? {} : { expectStatus: build.health.status }),
          intervalMs: build.health.intervalMs,
          timeoutMs: build.health.timeoutMs,
        },
      });
    }
    return { ...(deps.baseDomain ? { baseDomain: deps.baseDomain } : {}), routes };
  }

  return {
    refresh() {
      const next = chain.then(async () => {
        // With gateway workers this resolves once every worker serves the new table.
        await deps.gateway.applyTable(await compute());
      });
      chain = next.catch((err) => deps.logger.error({ err }, 'route table refresh failed'));
      return next;
    },
  };
}
