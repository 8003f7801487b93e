// Computes the gateway table from the store (which release serves each environment, and which
// instances), the runtime (where those instances listen), the health monitor (which are down) and
// the extras other modules add (custom domains, certificates), and hands it to the gateway driver
// with a rising sequence number. Every environment of every app has a route: one that is stopped,
// has no release yet or no web process has no upstreams, so the gateway answers
// GATEWAY_NO_UPSTREAM (503) for it, and GATEWAY_NO_ROUTE (404) only where no app exists.
// Refreshes run one after another, so tables are applied in the order their inputs were read; a
// health change refreshes too (debounced: a burst of changes makes one table).
//
// With several berthd replicas on one store (route-peers.ts), a change refreshed `everywhere` raises
// the store's route generation and resolves only once every live replica serves it; the others
// catch up by themselves. What a replica observes on its own (health, a restart) refreshes `here`.
import path from 'node:path';
import { ENV_NAMES } from '@berth/sdk';
import {
  GatewayApplyError,
  type GatewayDriver,
  type GatewayListeners,
  type GatewayTable,
  type HealthMonitor,
} from '../gateway/index.ts';
import type { Logger } from '../logger.ts';
import type { RuntimeDriver } from '../runtime/index.ts';
import type { Store } from '../store/store.ts';
import type { GatewayExtrasSource } from './gateway-extras.ts';
import { buildGatewayTable, type EnvServing } from './gateway-table.ts';
import { parseReleaseBuild } from './release-build.ts';
import type { RoutePeers } from './route-peers.ts';

/**
 * `everywhere`: after a change in the store that moves traffic; resolves once this replica's gateway
 * serves the new table and every other live replica's too. `here`: after something only this
 * replica observed (health, an instance restart); resolves once this replica's gateway serves it.
 */
export type RefreshScope = 'everywhere' | 'here';

export interface RouteTables {
  /** Recomputes the table and applies it; resolves once the driver serves it everywhere (every
   *  worker, and with `everywhere` every replica). Before `start` it only computes. */
  refresh(scope?: RefreshScope): Promise<void>;
  /** Starts the driver with a freshly computed table. */
  start(): Promise<GatewayListeners>;
  /** The last table computed and its sequence (null before the first). */
  current(): { table: GatewayTable; seq: number } | null;
  /** The last table the gateway refused or did not confirm, until one is applied again (a failed
   *  refresh after a domains change is otherwise only in the log). */
  lastFailure(): RouteTableFailure | null;
  /** Stops listening to health changes and to the other replicas. */
  close(): Promise<void>;
}

export interface RouteTableFailure {
  /** When the apply failed (ms since the epoch). */
  at: number;
  seq: number;
  /** The driver's message and, when it gave one, what the data plane said (`nginx -t`). */
  message: string;
}

export interface RouteTablesDeps {
  store: Store;
  driver: RuntimeDriver;
  gateway: GatewayDriver;
  /** The control plane's health checks: failed instances are marked `down`. */
  health?: HealthMonitor | undefined;
  logger: Logger;
  baseDomain: string | undefined;
  /** Every app's code (the apps module's `allCodes`). */
  appCodes(): Promise<Iterable<string>>;
  /** Where berthd's API listens, when the gateway serves it too (BERTH_SHARED_ORIGIN). */
  platform?: (() => { host: string; port: number } | undefined) | undefined;
  /** Where berthd's API listens, for the API gateway's route (`/api/c/` on the apps origin). */
  apigw?: (() => { host: string; port: number } | undefined) | undefined;
  /** What other modules add (custom domains and their certificates). */
  extras?: GatewayExtrasSource | undefined;
  /** First sequence number (default: the time of creation in ms, so that a restarted berthd
   *  continues above the previous one's). */
  firstSeq?: number;
  /** Debounce of health-change refreshes (100 ms). */
  healthDebounceMs?: number;
  /** The other berthd replicas on the store (absent: this one is alone). */
  peers?: RoutePeers | undefined;
}

export function createRouteTables(deps: RouteTablesDeps): RouteTables {
  let chain: Promise<unknown> = Promise.resolve();
  let seq = deps.firstSeq ?? Date.now();
  let last: { table: GatewayTable; seq: number } | null = null;
  let started = false;
  let failure: RouteTableFailure | null = null;

  /** What each app environment serves; `sync`: ask a cluster runtime first what other replicas
   *  started or stopped (not for a health change or a restart here: those move no instance). */
  async function envs(sync: boolean): Promise<EnvServing[]> {
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
    // Cluster runtimes: instances other replicas started (or stopped) since the driver last looked.
    if (sync) await deps.driver.sync?.();
    const running = new Map((await deps.driver.list()).map((i) => [i.id, i]));
    const list: EnvServing[] = [];
    const served = new Set<string>();
    for (const row of rows) {
      const env = row.env === 'prod' ? 'prod' : 'stag';
      const build = parseReleaseBuild(row.build);
      if (build.static && row.artifactDir) {
        served.add(`${row.app}/${env}`);
        // The gateway (in whichever process serves the request) reads the files itself.
        list.push({
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
      list.push({
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
        if (!served.has(`${app}/${env}`)) list.push({ app, env, upstreams: [] });
      }
    }
    return list;
  }

  async function compute(sync: boolean): Promise<{ table: GatewayTable; seq: number }> {
    const table = buildGatewayTable({
      envs: await envs(sync),
      appsDomain: deps.baseDomain,
      platform: deps.platform?.(),
      apigw: deps.apigw?.(),
      extras: deps.extras === undefined ? undefined : await deps.extras(),
      ...(deps.health === undefined ? {} : { down: deps.health.down() }),
    });
    seq += 1;
    last = { table, seq };
    return last;
  }

  /** Runs `step` after every earlier refresh; a failure is logged and does not stop later ones. */
  function queue<T>(step: () => Promise<T>): Promise<T> {
    const next = chain.then(step);
    chain = next.catch((err) => deps.logger.error({ err }, 'route table refresh failed'));
    return next;
  }

  let pending: NodeJS.Timeout | undefined;
  const unsubscribe = deps.health?.onChange(() => {
    if (pending !== undefined) return;
    pending = setTimeout(() => {
      pending = undefined;
      tables.refresh('here').catch(() => {
        // Logged by `queue`.
      });
    }, deps.healthDebounceMs ?? 100);
    pending.unref();
  });

  const peers = deps.peers;
  /** Changes of this replica queued or being applied: the follower leaves their generation to them
   *  (it would apply the same table again, or at once again one the gateway just refused). */
  let localChanges = 0;
  /** Computes and applies one table; resolves with the route generation it includes. `follow`: a
   *  catch-up with another replica's change. */
  function applyNext(scope: RefreshScope | 'follow'): Promise<number> {
    if (scope !== 'everywhere') return applyQueued(scope);
    localChanges += 1;
    return applyQueued(scope).finally(() => {
      localChanges -= 1;
    });
  }
  function applyQueued(scope: RefreshScope | 'follow'): Promise<number> {
    return queue(async () => {
      let generation = -1;
      if (peers) generation = scope === 'everywhere' ? await peers.bump() : await peers.current();
      const { table, seq: version } = await compute(scope !== 'here');
      if (!started) return generation;
      // With gateway workers this resolves once every worker serves the new table.
      try {
        await deps.gateway.apply(table, version);
      } catch (err) {
        failure = { at: Date.now(), seq: version, message: failureMessage(err) };
        peers?.refused(generation);
        throw err;
      }
      failure = null;
      deps.health?.sync(table);
      await peers?.served(generation);
      return generation;
    });
  }

  const tables: RouteTables = {
    async refresh(scope = 'everywhere') {
      const generation = await applyNext(scope);
      // Outside the queue: two replicas each waiting for the other must still catch up.
      if (peers && started && scope === 'everywhere') await peers.settled(generation);
    },
    start() {
      return queue(async () => {
        const generation = await peers?.current();
        const { table, seq: version } = await compute(false);
        const listeners = await deps.gateway.start(table, version);
        started = true;
        deps.health?.sync(table);
        if (peers && generation !== undefined) {
          await peers.served(generation);
          peers.follow(async () => {
            if (localChanges > 0) return;
            await applyNext('follow');
          });
        }
        return listeners;
      });
    },
    current: () => last,
    lastFailure: () => failure,
    async close() {
      clearTimeout(pending);
      unsubscribe?.();
      await peers?.close();
    },
  };
  return tables;
}

/** An apply failure as one line of text: the error's message, then the data plane's own words. */
function failureMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const detail = err instanceof GatewayApplyError && err.detail ? `: ${err.detail.trim()}` : '';
  return `${err.message}${detail}`.slice(0, 2000);
}
