// Computes the gateway's route table from the store (which release serves each environment, and
// which instances) and the runtime (where those instances listen), and applies it. Every environment
// of every app has a route: one that is stopped, has no release yet or no web process has no
// upstreams, so the gateway answers GATEWAY_NO_UPSTREAM (503) for it, and GATEWAY_NO_ROUTE (404)
// only where no app exists. Refreshes run one after another, so tables are applied in the order
// their inputs were read.
import path from 'node:path';
import { ENV_NAMES } from '@berth/sdk';
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
  /** Every app's code (the apps module's `allCodes`). */
  appCodes(): Promise<Iterable<string>>;
}): RouteTables {
  let chain: Promise<void> = Promise.resolve();

  async function compute(): Promise<RouteTableInput> {
    const codes = await deps.appCodes();
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
    const served = new Set<string>();
    for (const row of rows) {
      const env = row.env === 'prod' ? 'prod' : 'stag';
      const build = parseReleaseBuild(row.build);
      if (build.static && row.artifactDir) {
        served.add(`${row.app}/${env}`);
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
      served.add(`${row.app}/${env}`);
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
    // Stopped, not deployed yet, or without a web process: known, but nothing to send requests to.
    for (const app of codes) {
      for (const env of ENV_NAMES) {
        if (!served.has(`${app}/${env}`)) routes.push({ app, env, upstreams: [] });
      }
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
