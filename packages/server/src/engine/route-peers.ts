// Route tables across berthd replicas. Several replicas may share one store, each serving requests
// with its own gateway; a change that moves traffic (a deploy's swap, a stop, a new domain) is made
// by one of them. Before that replica drains what the change replaced, every other replica must
// route by the new state, or it would send requests to instances that are going away.
//
// The store keeps one number, the route generation, raised by every such change after it is
// committed. Each replica reads it every `pollMs`; when it is above what the replica serves, the
// replica recomputes its table from the store, applies it, and writes the generation it now serves
// into its row of `route_replicas` (with the time: its heartbeat). The replica that made the change
// waits until every other live replica's row shows that generation or a later one.
//
// A replica counts as live while its heartbeat is younger than `leaseMs`. It beats only while it is
// up to date: one whose gateway keeps refusing tables (or whose process hangs, or died with -9)
// stops beating and is not waited for after the lease. A dead replica of this host is recognised at
// once by its pid. Clocks of different hosts are compared (heartbeats are each replica's own time):
// keep them in sync, as a cluster needs anyway.
import type { Kysely } from 'kysely';
import { ownerIsGone } from '../jobs/replica-id.ts';
import type { Logger } from '../logger.ts';
import { isUniqueViolation } from '../store/dialect.ts';
import type { Database } from '../store/schema.ts';

export interface RoutePeersOptions {
  db: Kysely<Database>;
  /** This replica's id (jobs/replica-id.ts). */
  replica: string;
  logger: Logger;
  /** How often the store's generation is read (500 ms). */
  pollMs?: number;
  /** How often an up-to-date replica writes its heartbeat (5 s). */
  heartbeatMs?: number;
  /** A replica whose heartbeat is older is not waited for (15 s). */
  leaseMs?: number;
  /** Rows of replicas silent for this long are deleted (1 day). */
  forgetMs?: number;
  /** First wait before a refused table is tried again (30 s; doubles up to 10 min). */
  retryMs?: number;
}

export interface RoutePeers {
  /** The generation in the store now. A table computed after reading it is at least that new. */
  current(): Promise<number>;
  /** Records a change: raises the store's generation and returns a value at least the new one. */
  bump(): Promise<number>;
  /** This replica serves generation `g` (written at once, with the heartbeat). */
  served(g: number): Promise<void>;
  /**
   * Resolves once every other live replica serves `g` or later. Replicas that are not live (see the
   * header) are not waited for; one that stops being live while waited for is left then.
   */
  settled(g: number, signal?: AbortSignal): Promise<void>;
  /**
   * Starts reading the generation: `catchUp` runs whenever the store's is above what this replica
   * serves (one at a time). A generation whose table this replica's gateway refused (`refused`, or a
   * failed catch-up) is tried again after a back-off (30 s, doubling up to 10 min), at once when a
   * later change comes: a broken table is not sent to `nginx -t` twice a second.
   */
  follow(catchUp: () => Promise<void>): void;
  /** This replica's gateway refused the table of generation `g` (logged by the caller). */
  refused(g: number): void;
  /** Stops following and removes this replica's row (it is no longer waited for). */
  close(): Promise<void>;
}

const ROW_ID = 1;
const RETRY_FIRST_MS = 30_000;
const RETRY_MAX_MS = 10 * 60_000;
const SETTLE_POLL_MS = 100;

export function createRoutePeers(o: RoutePeersOptions): RoutePeers {
  const { db, replica } = o;
  const pollMs = o.pollMs ?? 500;
  const heartbeatMs = o.heartbeatMs ?? 5000;
  const leaseMs = o.leaseMs ?? 15_000;
  const forgetMs = o.forgetMs ?? 24 * 3600_000;
  const log = o.logger.child({ part: 'route-peers' });
  let serving = -1;
  let beatAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let closed = false;
  /** The generation whose table was refused last, and when to try it again. */
  let failedAt = -1;
  let retryAt = 0;
  const retryFirstMs = o.retryMs ?? RETRY_FIRST_MS;
  let backoffMs = retryFirstMs;
  function refused(g: number): void {
    if (g !== failedAt) backoffMs = retryFirstMs;
    failedAt = g;
    retryAt = Date.now() + backoffMs;
    backoffMs = Math.min(backoffMs * 2, RETRY_MAX_MS);
  }

  async function current(): Promise<number> {
    const row = await db
      .selectFrom('route_generation')
      .select('generation')
      .where('id', '=', ROW_ID)
      .executeTakeFirst();
    if (row) return Number(row.generation);
    try {
      await db.insertInto('route_generation').values({ id: ROW_ID, generation: 0 }).execute();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    return current();
  }

  async function bump(): Promise<number> {
    await current(); // the row exists
    await db
      .updateTable('route_generation')
      .set((eb) => ({ generation: eb('generation', '+', 1) }))
      .where('id', '=', ROW_ID)
      .execute();
    // Another replica may have raised it again since: waiting for the later one covers this change.
    return current();
  }

  async function served(g: number): Promise<void> {
    // A catch-up that ends after `close` does not bring the row back.
    if (g < serving || closed) return;
    serving = g;
    const now = Date.now();
    beatAt = now;
    const updated = await db
      .updateTable('route_replicas')
      .set({ generation: g, seen_at: now })
      .where('replica', '=', replica)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return;
    try {
      await db.insertInto('route_replicas').values({ replica, generation: g, seen_at: now }).execute();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      await db
        .updateTable('route_replicas')
        .set({ generation: g, seen_at: now })
        .where('replica', '=', replica)
        .execute();
    }
  }

  async function settled(g: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = Date.now();
      const behind = await db
        .selectFrom('route_replicas')
        .select(['replica', 'generation', 'seen_at'])
        .where('replica', '!=', replica)
        .where('generation', '<', g)
        .where('seen_at', '>', now - leaseMs)
        .execute();
      const waitingFor = behind.filter((r) => !ownerIsGone(r.replica));
      if (waitingFor.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    }
  }

  async function tick(catchUp: () => Promise<void>): Promise<void> {
    const g = await current();
    if (g > serving) {
      if (g === failedAt && Date.now() < retryAt) return;
      try {
        await catchUp(); // writes `served` itself
      } catch (err) {
        if (failedAt !== g) log.error({ err, generation: g }, 'could not apply the routes of a change');
        refused(g);
      }
      return;
    }
    if (Date.now() - beatAt >= heartbeatMs) await served(serving);
  }

  return {
    current,
    bump,
    served,
    settled,
    refused,
    follow(catchUp) {
      if (timer !== undefined || closed) return;
      // Rows of replicas long gone are of no use to anyone.
      void db
        .deleteFrom('route_replicas')
        .where('seen_at', '<', Date.now() - forgetMs)
        .execute()
        .catch((err: unknown) => log.warn({ err }, 'could not forget old replicas'));
      timer = setInterval(() => {
        if (ticking || closed) return;
        ticking = tick(catchUp)
          .catch((err: unknown) => log.warn({ err }, 'reading the route generation failed'))
          .finally(() => {
            ticking = undefined;
          });
      }, pollMs);
      timer.unref();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      // A catch-up still running (a gateway that hangs) is not waited for: it writes nothing now.
      await db
        .deleteFrom('route_replicas')
        .where('replica', '=', replica)
        .execute()
        .catch((err: unknown) => log.warn({ err }, 'could not remove this replica from the route peers'));
    },
  };
}
