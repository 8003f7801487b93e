// The log lines the logs tab keeps in memory: appended in batches as they stream in, each with a
// key of its own (lines have no id, and the same text can repeat), and capped so that a chatty app
// followed for an hour does not fill the browser's memory: the oldest lines go first.
import type { AppLogLine } from '@berth/sdk';

/** How many lines the logs tab keeps at most. */
export const LOG_LINES_KEPT = 5000;

export interface KeptLogLine extends AppLogLine {
  /** Unique within one buffer's life: a React key. */
  key: number;
}

export interface LogBuffer {
  lines: readonly KeptLogLine[];
  /** The key the next line gets. */
  nextKey: number;
  /** How many lines were dropped at the front to stay under the cap (shown to the reader). */
  dropped: number;
}

export function emptyLogBuffer(): LogBuffer {
  return { lines: [], nextKey: 0, dropped: 0 };
}

/** The buffer with `incoming` appended and the oldest lines dropped beyond `cap`. */
export function appendLogLines(
  buffer: LogBuffer,
  incoming: readonly AppLogLine[],
  cap: number = LOG_LINES_KEPT,
): LogBuffer {
  if (incoming.length === 0) return buffer;
  const limit = Math.max(1, cap);
  // Only the last `limit` incoming lines can survive; the others are counted as dropped.
  const skipped = Math.max(0, incoming.length - limit);
  const first = buffer.nextKey + skipped;
  const fresh = incoming.slice(skipped).map((line, i) => ({ ...line, key: first + i }));
  const nextKey = buffer.nextKey + incoming.length;
  const keepOld = Math.max(0, limit - fresh.length);
  const old = keepOld === 0 ? [] : buffer.lines.slice(-keepOld);
  const droppedOld = buffer.lines.length - old.length;
  return {
    lines: old.length === 0 ? fresh : [...old, ...fresh],
    nextKey,
    dropped: buffer.dropped + droppedOld + skipped,
  };
}
