// Where the API gateway sends a call: the instances of the destination app environment, as the
// current route table lists them (the engine's, with the control plane's health checks already in it:
// an instance that fails them is `down` and gets nothing). Balanced as the app gateway balances (the
// fewest requests in flight for its weight, then smooth weighted round robin; backups only when no
// primary is up), over keep-alive connection pools of the gateway's upstream registry.
//
// The balancers are rebuilt when the table's sequence changes, read on the next call; a failed
// connection excludes its instance for that call only (the table's health, not one call, decides
// whether an instance is up).
import type { Dispatcher } from 'undici';
import {
  balanceServers,
  createUpstreamRegistry,
  type GatewayEnv,
  type GatewayTable,
  pickUpstream,
  type Upstream,
  type UpstreamRegistry,
  type UpstreamServer,
} from '../gateway/index.ts';
import type { Logger } from '../logger.ts';

export interface Destinations {
  /** The next instance of `app`'s `env` for a call, leaving out `tried`; null when none is up. */
  pick(app: string, env: GatewayEnv, tried: readonly Upstream[]): Upstream | null;
  /** Whether `app`'s `env` has an instance in the route table that is not down (the built-in app
   *  info's status). */
  serving(app: string, env: GatewayEnv): boolean;
  /** Sends a request to `upstream` through its keep-alive pool (the caller counts it in flight). */
  dispatch(
    upstream: Upstream,
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): void;
  close(): Promise<void>;
}

export interface DestinationsDeps {
  /** The route table the gateway serves now, and its sequence number (null before the first). */
  current(): { table: GatewayTable; seq: number } | null;
  logger: Logger;
}

type Groups = ReturnType<typeof balanceServers>;

export function createDestinations(deps: DestinationsDeps): Destinations {
  const registry: UpstreamRegistry = createUpstreamRegistry({ logger: deps.logger.child({ mod: 'apigw' }) });
  let seq: number | undefined;
  let groups = new Map<string, Groups>();

  /** Rebuilds the balancers from the table when it changed since the last call. */
  function refresh(): void {
    const current = deps.current();
    if (current === null || current.seq === seq) return;
    seq = current.seq;
    // Every route of an environment (its /o/ path, its host names) lists the same instances.
    const servers = new Map<string, Map<string, UpstreamServer>>();
    for (const route of current.table.routes) {
      if (route.app === undefined || route.target.kind !== 'proxy') continue;
      const key = `${route.app.code}/${route.app.env}`;
      const byId = servers.get(key) ?? new Map<string, UpstreamServer>();
      for (const server of route.target.upstreams) byId.set(server.id, server);
      servers.set(key, byId);
    }
    registry.sync([...servers.values()].flatMap((byId) => [...byId.values()]));
    const next = new Map<string, Groups>();
    for (const [key, byId] of servers) next.set(key, balanceServers([...byId.values()], registry));
    groups = next;
  }

  return {
    pick(app, env, tried) {
      refresh();
      const group = groups.get(`${app}/${env}`);
      if (group === undefined) return null;
      return pickUpstream(group, null, tried);
    },
    serving(app, env) {
      refresh();
      const group = groups.get(`${app}/${env}`);
      return group !== undefined && group.primaries.upstreams.length + group.backups.upstreams.length > 0;
    },
    dispatch(upstream, options, handler) {
      registry.dispatch(upstream, options, handler);
    },
    close: () => registry.close(),
  };
}
