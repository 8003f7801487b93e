// Caps the log streams (`GET …/logs?follow=true`) one user holds open at once in this berthd, so that
// one account cannot tie up berthd (and, behind gateway workers, their connections to it) with
// hundreds of endless requests. The stream after the last allowed one is refused with
// LOG_STREAMS_LIMIT (429) until one of the user's streams ends.
import { BerthError } from '../errors.ts';

export interface StreamLimit {
  /** Counts a stream of the user; returns the function that ends it (safe to call twice). Throws
   *  LOG_STREAMS_LIMIT when the user has `max` open already. */
  acquire(userId: string): () => void;
  /** Streams open now for a user, for tests. */
  open(userId: string): number;
}

export function createStreamLimit(max: number): StreamLimit {
  const counts = new Map<string, number>();
  return {
    acquire(userId) {
      const count = counts.get(userId) ?? 0;
      if (count >= max) {
        throw new BerthError('LOG_STREAMS_LIMIT', undefined, { limit: max });
      }
      counts.set(userId, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (counts.get(userId) ?? 1) - 1;
        if (left <= 0) counts.delete(userId);
        else counts.set(userId, left);
      };
    },
    open: (userId) => counts.get(userId) ?? 0,
  };
}
