// The live state of every upstream instance the gateway knows: its connection pool, whether it is
// up (one state shared by passive failure detection and the active health checker) and how many
// requests it is serving. Route tables are plain data; this registry is what they resolve to.
import { Pool } from 'undici';
import type { Logger } from '../logger.ts';
import type { UpstreamSpec } from './route-table.ts';

export interface Upstream {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** `http://host:port` */
  readonly origin: string;
  readonly pool: Pool;
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
  /** Makes the registry hold exactly these upstreams: new ones get a pool, missing ones are retired
   *  (their pools finish what they are doing, then close). */
  sync(specs: Iterable<UpstreamSpec>): void;
  markDown(upstream: Upstream, reason: string): void;
  markUp(upstream: Upstream, reason: string): void;
  /** Listens to up/down changes; returns a function that stops listening. */
  onChange(listener: UpstreamChange): () => void;
  /** Closes every pool (in-flight requests are aborted). */
  close(): Promise<void>;
}

export interface UpstreamPoolOptions {
  /** Connections per upstream (keep-alive). Above ~64, picking a connection costs more than it gains. */
  connections?: number;
  connectTimeoutMs?: number;
  /** How long an idle upstream connection is kept open. */
  keepAliveMs?: number;
}

export function createUpstreamRegistry(deps: {
  logger: Logger;
  pool?: UpstreamPoolOptions;
}): UpstreamRegistry {
  const logger = deps.logger;
  const poolOptions: Pool.Options = {
    connections: deps.pool?.connections ?? 64,
    pipelining: 1,
    keepAliveTimeout: deps.pool?.keepAliveMs ?? 4_000,
    connect: { timeout: deps.pool?.connectTimeoutMs ?? 5_000 },
  };
  const upstreams = new Map<string, Upstream>();
  const listeners = new Set<UpstreamChange>();

  function notify(upstream: Upstream, up: boolean, reason: string): void {
    for (const listener of listeners) listener(upstream, up, reason);
  }

  function retire(upstream: Upstream): void {
    upstream.retired = true;
    upstreams.delete(upstream.id);
    upstream.pool.close().catch((err: unknown) => {
      logger.debug({ err, upstream: upstream.id }, 'closing a retired upstream pool failed');
    });
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
          pool: new Pool(origin, poolOptions),
          up: true,
          inFlight: 0,
          retired: false,
        });
      }
    },
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
      const all = [...upstreams.values()];
      upstreams.clear();
      await Promise.all(
        all.map((u) => {
          u.retired = true;
          return u.pool.destroy().catch(() => {});
        }),
      );
    },
  };
}
