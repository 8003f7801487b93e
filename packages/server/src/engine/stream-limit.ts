// Caps what one key holds open at once in this berthd: the log streams (`GET …/logs?follow=true`) of a
// user, so that one account cannot tie up berthd (and, behind gateway workers, their connections to
// it) with hundreds of endless requests; the one-off runs (`berth run`) of an app. The one after the
// last allowed one is refused with the limit's code (LOG_STREAMS_LIMIT, RUNS_LIMIT: 429) until one of
// the key's ends.
import { BerthError, type ErrorCode } from '../errors.ts';

export interface StreamLimit {
  /** Counts one for the key; returns the function that ends it (safe to call twice). Throws the
   *  limit's code when the key has `max` open already. */
  acquire(key: string): () => void;
  /** Open now for a key, for tests. */
  open(key: string): number;
}

export function createStreamLimit(max: number, code: ErrorCode): StreamLimit {
  const counts = new Map<string, number>();
  return {
    acquire(key) {
      const count = counts.get(key) ?? 0;
      if (count >= max) {
        throw new BerthError(code, undefined, { limit: max });
      }
      counts.set(key, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (counts.get(key) ?? 1) - 1;
        if (left <= 0) counts.delete(key);
        else counts.set(key, left);
      };
    },
    open: (key) => counts.get(key) ?? 0,
  };
}
