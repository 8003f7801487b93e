// A running job's `ctx.log`: lines written while a write is in flight are batched into the next one,
// so a chatty build does not make one transaction per line, and each call resolves once its line is
// durable in the store.
import type { JobQueue } from './job-queue.ts';
import type { JobLogLevel } from './job-record.ts';

interface Pending {
  level: JobLogLevel;
  line: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface JobLogWriter {
  write(level: JobLogLevel, line: string): Promise<void>;
  /** Resolves when every line written so far is stored (or failed). */
  drain(): Promise<void>;
}

const BATCH = 500;

export function createJobLogWriter(queue: JobQueue, jobId: string): JobLogWriter {
  let pending: Pending[] = [];
  let flushing: Promise<void> | null = null;

  async function flush(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending.slice(0, BATCH);
      pending = pending.slice(BATCH);
      try {
        await queue.appendLog(
          jobId,
          batch.map((p) => ({ level: p.level, line: p.line })),
        );
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    flushing = null;
  }

  return {
    write(level, line) {
      return new Promise<void>((resolve, reject) => {
        pending.push({ level, line, resolve, reject });
        flushing ??= flush();
      });
    },
    async drain() {
      while (flushing) await flushing;
    },
  };
}
