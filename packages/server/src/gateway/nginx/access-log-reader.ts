// Per app environment request counters for the nginx driver, read from nginx's JSON access log
// (render.ts's `log_format berth`): each call reads the lines written since the last one, from
// where the log ended when the driver started. A rotated log (a new file at the path) is read to
// its end first, then the new file from its start; a truncated one from its start.
//
// The lines since the last read can be many (tens of MiB under heavy traffic): they are read in
// 64 KiB chunks that give the event loop back every MiB, so that berthd's API keeps answering
// meanwhile. Reads are made one at a time; one asked for while another runs waits for it.
import fs from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createGatewayMetrics, type MetricsSnapshot, snapshotMetrics } from '../gateway-metrics.ts';

export interface AccessLogReader {
  /** Counters of every line read so far (reads the new lines first). */
  read(): Promise<MetricsSnapshot>;
  /** Closes the file; a read running stops after its chunk. */
  close(): void;
}

/** Bytes read between two turns of the event loop. */
const SLICE_BYTES = 1024 * 1024;

interface LogLine {
  route?: unknown;
  app?: unknown;
  env?: unknown;
  status?: unknown;
  bytes?: unknown;
  s?: unknown;
}

export function createAccessLogReader(file: string): AccessLogReader {
  const metrics = createGatewayMetrics();
  let fd: number | null = null;
  let ino = 0;
  let offset = 0;
  let partial = '';

  const open = (fromStart: boolean): void => {
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      fd = null;
      return;
    }
    const stat = fs.fstatSync(fd);
    ino = stat.ino;
    offset = fromStart ? 0 : stat.size;
    partial = '';
  };

  const record = (line: string): void => {
    let entry: LogLine;
    try {
      entry = JSON.parse(line) as LogLine;
    } catch {
      return;
    }
    if (entry.route === '-') {
      metrics.unrouted.requests++;
      return;
    }
    if (typeof entry.app !== 'string' || entry.app === '' || typeof entry.env !== 'string') return;
    const counters = metrics.counters(entry.app, entry.env, `${entry.app}/${entry.env}`);
    const seconds = typeof entry.s === 'number' ? entry.s : 0;
    metrics.record(
      counters,
      typeof entry.status === 'number' ? entry.status : 0,
      typeof entry.bytes === 'number' ? entry.bytes : 0,
      seconds * 1000,
    );
  };

  const drain = async (): Promise<void> => {
    if (fd === null) return;
    const size = fs.fstatSync(fd).size;
    if (size < offset) {
      offset = 0;
      partial = '';
    }
    const buffer = Buffer.alloc(64 * 1024);
    let sinceTurn = 0;
    while (fd !== null && offset < size) {
      const n = fs.readSync(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
      if (n <= 0) break;
      offset += n;
      const text = partial + buffer.toString('utf8', 0, n);
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line !== '') record(line);
      sinceTurn += n;
      if (sinceTurn >= SLICE_BYTES) {
        sinceTurn = 0;
        await nextTurn();
      }
    }
  };

  open(false);

  /** Reads in progress, one at a time. */
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const readNow = async (): Promise<MetricsSnapshot> => {
    if (fd === null && !closed) open(true);
    await drain();
    let current: fs.Stats | null = null;
    try {
      current = fs.statSync(file);
    } catch {
      current = null;
    }
    if (!closed && current !== null && current.ino !== ino) {
      if (fd !== null) fs.closeSync(fd);
      open(true);
      await drain();
    }
    return snapshotMetrics(metrics);
  };

  return {
    read() {
      const next = queue.then(readNow, readNow);
      queue = next.catch(() => undefined);
      return next;
    },
    close() {
      closed = true;
      if (fd !== null) fs.closeSync(fd);
      fd = null;
    },
  };
}
