// When the route tables ask a cluster runtime what other replicas started (`driver.sync()`): for a
// change made here (`everywhere`) and when catching up with another replica's change, never for what
// only this replica observed (a health change, a restart: `here`), which moves no instance and may
// come in bursts. A real process driver (counted) and the built-in gateway in this process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoutePeers } from '../../src/engine/route-peers.ts';
import { createRouteTables, type RouteTables } from '../../src/engine/route-tables.ts';
import { createBuiltinDriver, type GatewayDriver } from '../../src/gateway/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { ALL_MIGRATIONS } from '../../src/migrations.ts';
import type { RuntimeDriver } from '../../src/runtime/index.ts';
import { createProcessDriver } from '../../src/runtime/process/index.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

describe('route tables and the runtime sync', () => {
  let db: TestDatabase;
  let store: Store;
  let dataDir: string;
  const cleanup: Array<() => Promise<unknown> | unknown> = [];

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    store = openStore(db.config);
    await migrateToLatest(store, [...ALL_MIGRATIONS], silentLogger());
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-route-sync-'));
  }, 60_000);
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
    await store?.close();
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  /** A replica's route tables over a real process driver whose syncs are counted. */
  async function replica(
    name: string,
    applyDelayMs = 0,
  ): Promise<{ tables: RouteTables; syncs: () => number; applies: () => number }> {
    const process = createProcessDriver({ dataDir: path.join(dataDir, name), logger: silentLogger() });
    let syncs = 0;
    const driver: RuntimeDriver = {
      ...process,
      async sync() {
        syncs += 1;
      },
    };
    const builtin = createBuiltinDriver({
      logger: silentLogger(),
      workers: 0,
      listen: { host: '127.0.0.1', port: 0 },
    });
    // The real gateway, its applies counted (and slowed down, as nginx's reload is).
    let applies = 0;
    const gateway: GatewayDriver = {
      ...builtin,
      start: (table, seq) => builtin.start(table, seq),
      async apply(table, seq) {
        applies += 1;
        await new Promise((r) => setTimeout(r, applyDelayMs));
        await builtin.apply(table, seq);
      },
      status: () => builtin.status(),
      metrics: () => builtin.metrics(),
      close: (o) => builtin.close(o),
    };
    const tables = createRouteTables({
      store,
      driver,
      gateway,
      logger: silentLogger(),
      baseDomain: undefined,
      appCodes: async () => ['shop'],
      peers: createRoutePeers({
        db: store.db,
        replica: `other-host/1/${name}`,
        logger: silentLogger(),
        pollMs: 50,
        heartbeatMs: 100,
        leaseMs: 600,
      }),
    });
    cleanup.push(
      () => tables.close(),
      () => builtin.close(),
      () => process.close(),
    );
    await tables.start();
    return { tables, syncs: () => syncs, applies: () => applies };
  }

  it('syncs for a change here and for a catch-up, not for a refresh of what only this replica saw', async () => {
    const a = await replica('a');
    const b = await replica('b');
    const before = a.syncs();
    await a.tables.refresh('here');
    await a.tables.refresh('here');
    expect(a.syncs()).toBe(before);

    const bBefore = b.syncs();
    await a.tables.refresh('everywhere');
    expect(a.syncs()).toBe(before + 1);
    // `everywhere` resolved once b served the change: b caught up, asking its runtime first.
    expect(b.syncs()).toBeGreaterThan(bBefore);
    expect(b.tables.current()?.table).toEqual(a.tables.current()?.table);
  });

  it('does not apply its own change a second time while applying it (the follower leaves it be)', async () => {
    const c = await replica('c', 300);
    const before = c.applies();
    await c.tables.refresh('everywhere');
    // The follower reads the generation every 50 ms: it saw the change while its apply took 300 ms.
    await new Promise((r) => setTimeout(r, 400));
    expect(c.applies()).toBe(before + 1);
  });
});
