// The live state of every upstream instance the gateway knows: whether it is up (one state shared
// by passive failure detection and the active health checker), how many requests it is serving,
// and its connection pool. Route tables are plain data; this registry is what they resolve to.
//
// An upstream is a plain object until traffic reaches it: its undici Pool is made on the first
// request and closed again once it has been idle for `idleMs` (no request, nothing in flight), so
// a table of 10,000 routes costs 10,000 small objects, not 10,000 pools. One sweep timer for the
// whole registry runs only while some pool is open. Every pool shares one connector.
import type { buildConnector as BuildConnector, Dispatcher, Pool as PoolClass } from 'undici';
import type { Logger } from '../logger.ts';
import { SETTING_DEFAULTS } from '../setting-defaults.ts';
import { keepReadingAfterPeerLeft } from './early-answers.ts';
import type { UpstreamServer as UpstreamSpec } from './route-model.ts';
import { buildConnector, Pool } from './undici-parts.ts';

export interface Upstream {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** `http://host:port` */
  readonly origin: string;
  /** Its connection pool while it has one (made on first use, closed when idle); use the
   *  registry's `dispatch` rather than this. */
  pool: Pool | null;
  /** Sweeps since its last request (the idle clock; reset by every dispatch). */
  idleSweeps: number;
  /** Receives traffic only while up. New upstreams start up: the engine checks instances before
   *  it puts them in a table. */
  up: boolean;
  /** Requests (and open WebSockets) being served right now. */
  inFlight: number;
  /** Set once the upstream left the table; its pool drains and closes. */
  retired: boolean;
}

export type UpstreamChange = (upstream: Upstream, up: boolean, reason: string) => void;

export interface UpstreamRegistry {
  get(id: string): Upstream | undefined;
  list(): Upstream[];
  /** Makes the registry hold exactly these upstreams: new ones are added (without a pool until
   *  their first request), missing ones are retired (their pools finish what they are doing, then
   *  close). */
  sync(specs: Iterable<UpstreamSpec>): void;
  /** Sends a request to the upstream through its pool, opening the pool if it has none. */
  dispatch(
    upstream: Upstream,
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): void;
  /** How many upstream pools are open right now (each upstream has at most one). */
  openPools(): number;
  markDown(upstream: Upstream, reason: string): void;
  markUp(upstream: Upstream, reason: string): void;
  /** Listens to up/down changes; returns a function that stops listening. */
  onChange(listener: UpstreamChange): () => void;
  /** Closes every pool (in-flight requests are aborted). */
  close(): Promise<void>;
}

export interface UpstreamPoolOptions {
  /** Connections per upstream (keep-alive), so requests in flight to it at once; more wait for a
   *  free one. 0: no limit. Default 64 (above that, picking a connection costs more than it gains). */
  connections?: number;
  connectTimeoutMs?: number;
  /** How long an idle upstream connection is kept open. */
  keepAliveMs?: number;
  /** How long a pool without requests stays open before it is closed (made again on the next
   *  request). Default 60 s. */
  idleMs?: number;
}

/** Sweeps per idle period: a pool closes between `idleMs` and `idleMs * (1 + 1/SWEEPS)` after its
 *  last request. */
const SWEEPS = 4;

export function createUpstreamRegistry(deps: {
  logger: Logger;
  pool?: UpstreamPoolOptions;
}): UpstreamRegistry {
  const logger = deps.logger;
  const connector = buildConnector({ timeout: deps.pool?.connectTimeoutMs ?? 5_000 });
  // Every upstream socket keeps reading after a failed write (early-answers.ts).
  const connect: BuildConnector.connector = (options, callback) =>
    connector(options, (err, socket) => {
      if (socket) keepReadingAfterPeerLeft(socket);
      (callback as (err: Error | null, socket: unknown) => void)(err, socket);
    });
  const poolOptions: PoolClass.Options = {
    connections:
      deps.pool?.connections === 0
        ? null
        : (deps.pool?.connections ?? SETTING_DEFAULTS.gatewayUpstreamConnections),
    pipelining: 1,
    keepAliveTimeout: deps.pool?.keepAliveMs ?? 4_000,
    // One connector for every pool: building one per pool gives each its own TLS session cache and
    // FinalizationRegistry, which is most of what an idle pool costs.
    connect,
  };
  const idleMs = Math.max(1, deps.pool?.idleMs ?? 60_000);
  const sweepMs = Math.max(1, Math.ceil(idleMs / SWEEPS));
  const upstreams = new Map<string, Upstream>();
  /** Upstreams that have a pool (retired ones included until it is closed). */
  const pooled = new Set<Upstream>();
  const listeners = new Set<UpstreamChange>();
  let sweeper: NodeJS.Timeout | null = null;
  /** Set by close(): a destroyed pool that fails whatever is still dispatched (UND_ERR_DESTROYED). */
  let closedPool: Pool | null = null;

  function notify(upstream: Upstream, up: boolean, reason: string): void {
    for (const listener of listeners) listener(upstream, up, reason);
  }

  function openPool(upstream: Upstream): Pool {
    if (closedPool !== null) return closedPool;
    const pool = new Pool(upstream.origin, poolOptions);
    upstream.pool = pool;
    pooled.add(upstream);
    if (sweeper === null) {
      sweeper = setInterval(sweep, sweepMs);
      sweeper.unref();
    }
    return pool;
  }

  function closePool(upstream: Upstream, why: string): void {
    const pool = upstream.pool;
    pooled.delete(upstream);
    if (pool === null) return;
    upstream.pool = null;
    pool.close().catch((err: unknown) => {
      logger.debug({ err, upstream: upstream.id }, `closing ${why} upstream pool failed`);
    });
  }

  /** Closes the pools that saw no request for `idleMs` and have nothing in flight. */
  function sweep(): void {
    for (const upstream of pooled) {
      if (upstream.inFlight > 0) {
        upstream.idleSweeps = 0;
        continue;
      }
      if (++upstream.idleSweeps <= SWEEPS) continue;
      const stats = upstream.pool?.stats;
      if (stats !== undefined && stats.running + stats.pending > 0) continue;
      closePool(upstream, 'an idle');
    }
    if (pooled.size === 0 && sweeper !== null) {
      clearInterval(sweeper);
      sweeper = null;
    }
  }

  function retire(upstream: Upstream): void {
    upstream.retired = true;
    upstreams.delete(upstream.id);
    closePool(upstream, 'a retired');
  }

  return {
    get: (id) => upstreams.get(id),
    list: () => [...upstreams.values()],
    sync(specs) {
      const wanted = new Map<string, UpstreamSpec>();
      for (const spec of specs) wanted.set(spec.id, spec);
      for (const upstream of upstreams.values()) {
        const spec = wanted.get(upstream.id);
        if (spec === undefined || spec.host !== upstream.host || spec.port !== upstream.port)
          retire(upstream);
      }
      for (const spec of wanted.values()) {
        if (upstreams.has(spec.id)) continue;
        const origin = `http://${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`;
        upstreams.set(spec.id, {
          id: spec.id,
          host: spec.host,
          port: spec.port,
          origin,
          pool: null,
          idleSweeps: 0,
          up: true,
          inFlight: 0,
          retired: false,
        });
      }
    },
    dispatch(upstream, options, handler) {
      upstream.idleSweeps = 0;
      (upstream.pool ?? openPool(upstream)).dispatch(options, handler);
    },
    openPools: () => pooled.size,
    markDown(upstream, reason) {
      if (!upstream.up) return;
      upstream.up = false;
      if (!upstream.retired)
        logger.warn({ upstream: upstream.id, origin: upstream.origin, reason }, 'upstream down');
      notify(upstream, false, reason);
    },
    markUp(upstream, reason) {
      if (upstream.up) return;
      upstream.up = true;
      if (!upstream.retired)
        logger.info({ upstream: upstream.id, origin: upstream.origin, reason }, 'upstream up');
      notify(upstream, true, reason);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closedPool === null) {
        closedPool = new Pool('http://127.0.0.1:1', poolOptions);
        closedPool.destroy().catch(() => {});
      }
      if (sweeper !== null) clearInterval(sweeper);
      sweeper = null;
      for (const u of upstreams.values()) u.retired = true;
      upstreams.clear();
      const pools: Pool[] = [];
      for (const u of pooled) {
        if (u.pool !== null) pools.push(u.pool);
        u.pool = null;
      }
      pooled.clear();
      await Promise.all(pools.map((pool) => pool.destroy().catch(() => {})));
    },
  };
}
