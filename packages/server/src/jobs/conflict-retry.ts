// Runs a transaction again when the database aborted it for a deadlock or a serialisation conflict
// (InnoDB deadlocks on the lock table, SQLITE_BUSY under contention).
import { setTimeout as sleep } from 'node:timers/promises';
import { isRetryableConflict } from '../store/dialect.ts';

export async function withConflictRetry<T>(run: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (err) {
      if (i >= attempts || !isRetryableConflict(err)) throw err;
      await sleep(Math.round(5 * 2 ** i * (0.5 + Math.random())));
    }
  }
}
