// Where the API gateway sends a call: the instances of the destination app environment, as the
// current route table lists them (the engine's, with the control plane's health checks already in it:
// an instance that fails them is `down` and gets nothing). Balanced as the app gateway balances (the
// fewest requests in flight for its weight, then smooth weighted round robin; backups only when no
// primary is up), over keep-alive connection pools of an upstream registry: in a gateway worker the
// gateway's own (one pool per instance for both kinds of traffic, and one count of requests in
// flight to balance on), in berthd a registry of its own.
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
  /** The registry of the gateway serving `current()`'s table (null before it serves), kept in step
   *  with that table by the gateway. Without it, the destinations keep a registry of their own. */
  shared?: () => UpstreamRegistry | null;
  logger: Logger;
}

type Groups = ReturnType<typeof balanceServers>;

export function createDestinations(deps: DestinationsDeps): Destinations {
  const own: UpstreamRegistry | undefined =
    deps.shared === undefined
      ? createUpstreamRegistry({ logger: deps.logger.child({ mod: 'apigw' }) })
      : undefined;
  /** The registry the balancers' upstreams belong to. */
  let registry: UpstreamRegistry | undefined = own;
  let seq: number | undefined;
  let groups = new Map<string, Groups>();

  /** Rebuilds the balancers from the table when it changed since the last call. */
  function refresh(): void {
    const current = deps.current();
    if (current === null || current.seq === seq) return;
    const shared = deps.shared?.() ?? null;
    if (own === undefined && shared === null) return;
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
    // (The gateway's registry is the gateway's to keep in step with its table.)
    if (own !== undefined) own.sync([...servers.values()].flatMap((byId) => [...byId.values()]));
    const from = own ?? shared!;
    const next = new Map<string, Groups>();
    for (const [key, byId] of servers) next.set(key, balanceServers([...byId.values()], from));
    registry = from;
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
      registry!.dispatch(upstream, options, handler);
    },
    // (A shared registry is closed by its gateway.)
    close: async () => own?.close(),
  };
}
