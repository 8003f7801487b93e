// Route tables across replicas (route-peers.ts), on every store: a change waits for every live
// replica to serve it, replicas catch up by themselves, and a replica that is dead, gone or stuck is
// not waited for beyond its lease.
import os from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRoutePeers, type RoutePeers } from '../../src/engine/route-peers.ts';
import { silentLogger } from '../../src/logger.ts';
import { ALL_MIGRATIONS } from '../../src/migrations.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/databases.ts';

const FAST = { pollMs: 50, heartbeatMs: 100, leaseMs: 600 };

/** Settles within `ms`, or says it has not. */
async function within<T>(ms: number, promise: Promise<T>): Promise<'settled' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms);
  });
  const result = await Promise.race([promise.then(() => 'settled' as const), late]);
  clearTimeout(timer);
  return result;
}

describe.each(testDialects())('route peers on %s', (dialect) => {
  let db: TestDatabase;
  let store: Store;
  const open: RoutePeers[] = [];
  const peer = (replica: string, o: Partial<typeof FAST & { retryMs: number }> = {}) => {
    const p = createRoutePeers({ db: store.db, replica, logger: silentLogger(), ...FAST, ...o });
    open.push(p);
    return p;
  };

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    store = openStore(db.config);
    await migrateToLatest(store, [...ALL_MIGRATIONS], silentLogger());
  }, 60_000);
  afterEach(async () => {
    for (const p of open.splice(0)) await p.close();
    await store.db.deleteFrom('route_replicas').execute();
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  }, 60_000);

  it('counts changes: each bump is above the last, and current reads it', async () => {
    const a = peer('other-host/1/a');
    const start = await a.current();
    const first = await a.bump();
    const second = await a.bump();
    expect(first).toBe(start + 1);
    expect(second).toBe(start + 2);
    expect(await peer('other-host/2/b').current()).toBe(second);
  });

  it('a change waits until the other replica serves it; the other catches up by itself', async () => {
    const a = peer('other-host/1/a');
    const b = peer('other-host/2/b');
    const seen: number[] = [];
    // b serves what is there now, then follows.
    await b.served(await b.current());
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    b.follow(async () => {
      const g = await b.current();
      await gate; // b's gateway takes its time
      seen.push(g);
      await b.served(g);
    });
    await a.served(await a.current());
    const g = await a.bump();
    const waiting = a.settled(g);
    expect(await within(400, waiting)).toBe('pending');
    release();
    expect(await within(2000, waiting)).toBe('settled');
    expect(seen).toContain(g);
  });

  it('a replica of this host whose process is gone is not waited for, even with a fresh heartbeat', async () => {
    const a = peer('other-host/1/a');
    // A berthd of this host that died (pid 2^22 + 1 is above any pid Linux hands out).
    const dead = peer(`${os.hostname().slice(0, 80)}/4194305/dead`);
    await dead.served(0);
    const g = await a.bump();
    expect(await within(FAST.leaseMs / 2, a.settled(g))).toBe('settled');
  });

  it('a replica silent past its lease is not waited for', async () => {
    const a = peer('other-host/1/a');
    const silent = peer('other-host/3/silent');
    await silent.served(0);
    const g = await a.bump();
    const waiting = a.settled(g);
    expect(await within(300, waiting)).toBe('pending');
    expect(await within(2000, waiting)).toBe('settled');
  });

  it('a replica whose gateway keeps refusing tables stops beating, is left after its lease, and tries again after a back-off', async () => {
    const a = peer('other-host/1/a');
    const b = peer('other-host/2/b', { retryMs: 300 });
    await b.served(await b.current());
    const attempts: number[] = [];
    b.follow(async () => {
      attempts.push(Date.now());
      throw new Error('nginx -t refused it');
    });
    const g = await a.bump();
    const started = Date.now();
    await a.settled(g);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Tried again, but not on every read (50 ms): after 300 ms, then 600 ms.
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.length).toBeLessThanOrEqual(4);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(250);
  });

  it('a table refused here is not tried again at once, only after the back-off or with a later change', async () => {
    const a = peer('other-host/1/a', { retryMs: 60_000 });
    await a.served(await a.current());
    let catchUps = 0;
    a.follow(async () => {
      catchUps += 1;
      await a.served(await a.current());
    });
    // A change whose table this replica's gateway refused (route-tables.ts reports it).
    const g = await a.bump();
    a.refused(g);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(catchUps).toBe(0);
    // A later change (another replica's) is taken at once.
    await peer('other-host/2/b').bump();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(catchUps).toBe(1);
  });

  it('an up-to-date replica keeps beating, so a change waits for it; one hanging on a change is left after its lease', async () => {
    const a = peer('other-host/1/a');
    const b = peer('other-host/2/b');
    await b.served(await b.current());
    b.follow(async () => {
      await new Promise(() => {}); // its gateway hangs on the change
    });
    await new Promise((resolve) => setTimeout(resolve, 2 * FAST.leaseMs));
    // Up to date all that time: its row is fresh.
    const row = await store.db
      .selectFrom('route_replicas')
      .select('seen_at')
      .where('replica', '=', 'other-host/2/b')
      .executeTakeFirstOrThrow();
    expect(Date.now() - Number(row.seen_at)).toBeLessThan(FAST.leaseMs);
    await a.served(await a.current());
    const g = await a.bump();
    const waiting = a.settled(g);
    expect(await within(300, waiting)).toBe('pending');
    expect(await within(2000, waiting)).toBe('settled');
  });

  it('closing removes the replica: nobody waits for it', async () => {
    const a = peer('other-host/1/a');
    const b = peer('other-host/2/b', { leaseMs: 60_000 });
    await b.served(await b.current());
    const g = await a.bump();
    expect(await within(300, a.settled(g))).toBe('pending');
    await b.close();
    expect(await within(1000, a.settled(g))).toBe('settled');
  });
});
