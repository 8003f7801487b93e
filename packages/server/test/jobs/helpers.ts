// Shared pieces of the jobs tests: a migrated store on a fresh test database, and polling helpers.
import { setTimeout as sleep } from 'node:timers/promises';
import { createJobQueue, type JobQueue, type JobQueueDeps, type JobRecord } from '../../src/jobs/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { ALL_MIGRATIONS } from '../../src/migrations.ts';
import type { DialectName } from '../../src/store/dialect.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

export interface JobsTestStore {
  db: TestDatabase;
  store: Store;
  /** A queue on this store; tests pass a short lease and a fast back-off. */
  queue(overrides?: Partial<JobQueueDeps>): JobQueue;
  /**
   * Another connection pool to the same database, as a second process would have. On SQLite the same
   * store: node:sqlite waits for locks synchronously, so two connections in one process would stall
   * each other (berthd itself keeps one connection per process).
   */
  openAnother(): Store;
  close(): Promise<void>;
}

export async function createJobsTestStore(dialect: DialectName): Promise<JobsTestStore> {
  const db = await createTestDatabase(dialect);
  const store = openStore(db.config);
  await migrateToLatest(store, [...ALL_MIGRATIONS], silentLogger());
  const others: Store[] = [];
  return {
    db,
    store,
    queue: (overrides = {}) =>
      createJobQueue({
        store,
        logger: silentLogger(),
        leaseMs: 1000,
        backoff: { baseMs: 20, maxMs: 100 },
        ...overrides,
      }),
    openAnother() {
      if (dialect === 'sqlite') return store;
      const other = openStore(db.config);
      others.push(other);
      return other;
    },
    async close() {
      for (const other of others) await other.close();
      await store.close();
      await settleClosedConnections();
      await db.drop();
    },
  };
}

/**
 * pg's Pool.end() resolves before its sockets have closed; dropping the database WITH (FORCE) right
 * away makes PostgreSQL kill them, and the pool (which has no 'error' listener in store.ts) turns
 * that into an uncaught error. Give the sockets a moment to close first.
 */
export async function settleClosedConnections(): Promise<void> {
  await sleep(200);
}

/** Polls `check` until it returns a value other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Waits until the job has one of `statuses` and returns it. */
export function waitForStatus(
  queue: JobQueue,
  id: string,
  statuses: ReadonlyArray<JobRecord['status']>,
  timeoutMs?: number,
): Promise<JobRecord> {
  return waitFor(
    `job ${id} to be ${statuses.join(' or ')}`,
    async () => {
      const job = await queue.get(id);
      return statuses.includes(job.status) ? job : undefined;
    },
    timeoutMs,
  );
}

/** A promise with its resolve function, for handlers that wait for the test. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves when the signal aborts, with its reason. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true }),
  );
}
