// `logs()` for the process driver: what the log files hold (all of it, or the last N lines), then,
// when following, the lines the collector hands over until the instance ends or the caller aborts.
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { promisify } from 'node:util';
import type { LogLine } from '../driver.ts';
import type { LogFollower } from './log-collector.ts';
import { type LogSnapshot, parseLogLine } from './log-files.ts';

const read = promisify(fs.read);
const CHUNK = 64 * 1024;
/** A follower that falls this far behind loses the oldest lines. */
const FOLLOW_BUFFER_LINES = 10_000;

export interface LogStreamOptions {
  instance: string;
  /** Takes the snapshot and subscribes the follower (when following) in one synchronous step. */
  open(follower: LogFollower | undefined): { snapshot: LogSnapshot | undefined; unfollow(): void };
  follow: boolean;
  tailLines?: number;
  signal?: AbortSignal;
}

export async function* streamLogs(options: LogStreamOptions): AsyncGenerator<LogLine> {
  if (options.signal?.aborted) return;
  const queue = options.follow ? createLineQueue() : undefined;
  const { snapshot, unfollow } = options.open(queue?.follower);
  const onAbort = () => queue?.follower.end();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (snapshot) {
      const texts =
        options.tailLines === undefined ? readAll(snapshot) : readTail(snapshot, options.tailLines);
      for await (const text of texts) {
        if (options.signal?.aborted) return;
        const line = parseLogLine(text, options.instance);
        if (line) yield line;
      }
    }
    if (queue) {
      for await (const line of queue.drain()) {
        if (options.signal?.aborted) return;
        yield line;
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    unfollow();
    snapshot?.close();
  }
}

async function* readAll(snapshot: LogSnapshot): AsyncGenerator<string> {
  for (const { fd, size } of snapshot.files) {
    let position = 0;
    let carry = '';
    const decoder = new StringDecoder('utf8');
    while (position < size) {
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, size - position));
      const { bytesRead } = await read(fd, buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const parts = (carry + decoder.write(buffer.subarray(0, bytesRead))).split('\n');
      carry = parts.pop() ?? '';
      yield* parts;
    }
    carry += decoder.end();
    if (carry) yield carry;
  }
}

async function* readTail(snapshot: LogSnapshot, wanted: number): AsyncGenerator<string> {
  const collected: string[][] = [];
  let missing = wanted;
  for (let i = snapshot.files.length - 1; i >= 0 && missing > 0; i--) {
    const { fd, size } = snapshot.files[i]!;
    const lines = await tailOfFile(fd, size, missing);
    collected.unshift(lines);
    missing -= lines.length;
  }
  for (const lines of collected) yield* lines;
}

/** The last `wanted` lines of the first `size` bytes of a file, read backwards in chunks. */
async function tailOfFile(fd: number, size: number, wanted: number): Promise<string[]> {
  if (wanted <= 0 || size === 0) return [];
  const chunks: Buffer[] = [];
  let position = size;
  let newlines = 0;
  while (position > 0 && newlines <= wanted) {
    const length = Math.min(CHUNK, position);
    position -= length;
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await read(fd, buffer, 0, length, position);
    const chunk = buffer.subarray(0, bytesRead);
    chunks.unshift(chunk);
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) newlines++;
  }
  const lines = Buffer.concat(chunks).toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (position > 0) lines.shift(); // the first one is cut
  return lines.slice(-wanted);
}

function createLineQueue(): { follower: LogFollower; drain(): AsyncGenerator<LogLine> } {
  let items: LogLine[] = [];
  let done = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  return {
    follower: {
      line(line) {
        items.push(line);
        if (items.length > FOLLOW_BUFFER_LINES) items = items.slice(-FOLLOW_BUFFER_LINES);
        notify();
      },
      end() {
        done = true;
        notify();
      },
    },
    async *drain() {
      for (;;) {
        if (items.length > 0) {
          const batch = items;
          items = [];
          yield* batch;
          continue;
        }
        if (done) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
}
