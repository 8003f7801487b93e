// Bounds the password checks that run at once in this process. A check is scrypt: 64 MiB and about
// a quarter of a second of one of libuv's four pool threads, which file reads and DNS look-ups
// share. Without a bound a login flood queues hashes without end and starves everything else on
// the pool. So `concurrency` checks run, `queue` more wait in line, and any further one is refused at
// once with LOGIN_BUSY (503, Retry-After). One client address may hold at most a quarter of the
// places (running or waiting), so a flood from one address leaves room for everyone else.
import { BerthError } from '../errors.ts';

export interface HashGate {
  /** Runs `check` when a place is free; throws LOGIN_BUSY when none is left for `address`. */
  run<T>(address: string, check: () => Promise<T>): Promise<T>;
}

export function createHashGate(limits: { concurrency: number; queue: number }): HashGate {
  const places = limits.concurrency + limits.queue;
  const perAddress = Math.max(1, Math.ceil(places / 4));
  let running = 0;
  const waiting: Array<() => void> = [];
  const held = new Map<string, number>();

  function busy(): BerthError {
    return new BerthError('LOGIN_BUSY', undefined, { retryAfterSeconds: 1 });
  }

  return {
    async run(address, check) {
      const mine = held.get(address) ?? 0;
      if (mine >= perAddress || running + waiting.length >= places) throw busy();
      held.set(address, mine + 1);
      try {
        if (running < limits.concurrency) running++;
        // A finishing check hands its place over directly (`running` stays the same).
        else await new Promise<void>((resolve) => waiting.push(resolve));
        try {
          return await check();
        } finally {
          const next = waiting.shift();
          if (next) next();
          else running--;
        }
      } finally {
        const left = (held.get(address) ?? 1) - 1;
        if (left > 0) held.set(address, left);
        else held.delete(address);
      }
    },
  };
}
