// Docker copies a container's stdout and stderr separately, so a stderr line can reach the log
// before the stdout line the app wrote just before it (their timestamps can be in that order too).
// A follower therefore holds lines for a short window after the first one arrives and lets the
// whole batch out at once, sorted by timestamp: lines written together are delivered together.
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogFrameParser, type DockerLogLine } from './log-frames.ts';

export const REORDER_WINDOW_MS = 50;

/** Demultiplexed lines of a Docker log stream. */
export async function* linesOf(stream: AsyncIterable<Buffer>): AsyncGenerator<DockerLogLine> {
  const parser = createLogFrameParser();
  for await (const chunk of stream) yield* parser.push(chunk);
  yield* parser.end();
}

/** Lines sorted by timestamp (stable), for a complete log. */
export function sortByTime(lines: DockerLogLine[]): DockerLogLine[] {
  return [...lines].sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
}

const TIMER = Symbol('timer');

/** Batches a live stream: `windowMs` after a line arrives it is let out with every line that
 *  arrived meanwhile, sorted by timestamp. */
export async function* inTimeOrder(
  source: AsyncIterable<DockerLogLine>,
  windowMs = REORDER_WINDOW_MS,
): AsyncGenerator<DockerLogLine> {
  const it = source[Symbol.asyncIterator]();
  let held: Array<{ line: DockerLogLine; arrived: number }> = [];
  let next: Promise<IteratorResult<DockerLogLine>> | undefined;
  for (;;) {
    next ??= it.next();
    const oldest = held.reduce((min, h) => Math.min(min, h.arrived), Number.POSITIVE_INFINITY);
    const result =
      held.length === 0
        ? await next
        : await Promise.race([next, sleep(Math.max(0, oldest + windowMs - Date.now())).then(() => TIMER)]);
    if (typeof result === 'symbol') {
      const out = sortByTime(held.map((h) => h.line));
      held = [];
      yield* out;
      continue;
    }
    next = undefined;
    if (result.done) {
      yield* sortByTime(held.map((h) => h.line));
      return;
    }
    held.push({ line: result.value, arrived: Date.now() });
  }
}
