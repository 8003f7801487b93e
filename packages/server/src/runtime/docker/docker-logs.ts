// An instance's logs from its container's log stream (json-file driver, demultiplexed), or from the
// archive once the instance was stopped. A follower survives crash restarts (it re-attaches after
// the last line it saw) and ends when the instance stops for good or the signal aborts.
//
// Where a follower starts. Docker starts a follow stream at the end of the log file as it is when
// dockerd handles the request, some milliseconds after `logs()` was called (measured 2-90 ms on a
// loaded 2-core machine). With `tailLines: 0` every line written in between was lost, which is what
// made the contract's follow step flaky (issue 4). A follower with `tailLines` therefore cuts the log
// at the moment of the call, on Docker's own timestamps:
//   - history: the last N lines up to the cut (`tail` + `until`; none for `tailLines: 0`);
//   - new lines: a follow stream from the cut on (`since`), lines at or before the cut dropped.
// Docker stamps a line with dockerd's clock, the cut is berthd's clock: the driver talks to the local
// engine, so both are this host's clock. Without `tailLines` a follower reads the whole log and goes
// on, in one stream (nothing to cut).
//
// A follow stream from the cut has been seen, on a loaded machine, to start some lines after the
// cut, as if it began at the end of the file. So once the stream has brought its first lines, the
// log is read once more from the cut to its end (a plain read with `since`): those lines go first,
// and the stream's lines among them are left out when the stream brings them.
//
// No read asks dockerd for `until`: its json-file reader ends a read at the first line, in file
// order, stamped after `until`, and stdout and stderr lines are not in time order in the file (a
// line stamped earlier can follow one stamped later), so the lines after that one would be lost.
// Reads apply `until` here, on the whole answer.
//
// Within one stream every line is delivered, even one whose timestamp is older than a line already
// delivered (stdout and stderr are copied separately, see log-order.ts); only a re-attach after a
// crash restart skips what was delivered before, by timestamp.
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../../errors.ts';
import { engineStatus } from '../../images/engine.ts';
import type { InstanceState, LogLine, LogOptions } from '../driver.ts';
import { readLogArchive, toLogLine, writeLogArchive } from './log-archive.ts';
import { createLogFrameParser, type DockerLogLine, sinceParam } from './log-frames.ts';
import { inTimeOrder, linesOf, sortByTime } from './log-order.ts';

const FINAL_STATES = new Set(['stopping', 'stopped', 'exited', 'crashloop']);
/** How often a follower checks whether its instance was forgotten (stopped). */
const FORGOTTEN_POLL_MS = 200;

/** What the reader needs to know of an instance (the Docker and the Swarm driver's records). */
export interface LoggedInstance {
  state: InstanceState;
  /** Start of the current run: a follower whose stream ended waits for the next one. */
  startedAt?: number | undefined;
}

/**
 * The Engine API endpoint that serves an instance's log: its container (Docker runtime) or its
 * service (Swarm runtime, every task of the service). Both send the same multiplexed frames and take
 * the same parameters (`until` is never sent: see the top of this file).
 */
export interface LogEndpoint {
  logs(opts: object): Promise<unknown>;
}

export interface LogContext<I extends LoggedInstance> {
  dataDir: string;
  lookup: (id: string) => I | undefined;
  endpoint: (instance: I) => LogEndpoint;
}

/** Which lines of a complete, time-ordered log: after `since`, up to `until`, the last `tail`. */
interface LogWindow {
  since?: bigint;
  until?: bigint;
  tail?: number;
}

function inWindow(lines: DockerLogLine[], w: LogWindow): DockerLogLine[] {
  const inside = lines.filter(
    (l) =>
      l.ns === 0n ||
      ((w.since === undefined || l.ns > w.since) && (w.until === undefined || l.ns <= w.until)),
  );
  return w.tail === undefined ? inside : inside.slice(Math.max(inside.length - w.tail, 0));
}

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

/** The lines of instance `id`; the cut of a follower is taken now, when this is called. */
export function instanceLogs<I extends LoggedInstance>(
  ctx: LogContext<I>,
  id: string,
  opts: LogOptions = {},
): AsyncGenerator<LogLine> {
  return readLogs(ctx, id, opts, nowNs());
}

/** Copies the whole log of a stopping instance to the archive (before its container or service is
 *  removed). */
export async function archiveLogs(
  endpoint: LogEndpoint,
  id: string,
  dataDir: string,
  captured?: LogCapture,
): Promise<void> {
  const read = await readOnce(endpoint, {}).catch((err: unknown) => {
    if (captured) return undefined;
    throw err;
  });
  const seen = captured ? await captured.end() : [];
  // The read is complete unless the log went meanwhile (a Swarm task reaped as it ended): then
  // what the capture saw is all there is.
  const lines = read ?? (seen.length > 0 ? seen : undefined);
  if (lines) writeLogArchive(dataDir, id, lines);
}

/** Lines of a log read as they come, until `end()`. */
export interface LogCapture {
  /** Stops reading (after a moment for lines on their way) and gives what was read, time-ordered. */
  end(): Promise<DockerLogLine[]>;
}

/** How long `end()` waits for the last lines of a capture. */
const CAPTURE_DRAIN_MS = 300;

/** What a capture keeps at most: the log's last lines when it starts, then the newest lines up to
 *  a size (an app that floods its log while it stops costs berthd no more than this). */
export const CAPTURE_LIMITS = { tailLines: 1000, maxBytes: 4 * 1024 * 1024 };

/**
 * Follows an endpoint's log (its last CAPTURE_LIMITS.tailLines lines, then what comes, the newest
 * CAPTURE_LIMITS.maxBytes kept), so that the lines an instance writes while it stops are kept even
 * when the log goes with it: Swarm deletes a task, and its log,
 * about a second after it ended when its service was scaled to 0, sometimes before a read after
 * the end gets there. A capture that cannot start (the log is gone already) keeps nothing.
 */
export function captureLogs(endpoint: LogEndpoint, limits = CAPTURE_LIMITS): LogCapture {
  const lines: DockerLogLine[] = [];
  /** Characters of the lines kept: lines[first…]. */
  let size = 0;
  let first = 0;
  const abort = new AbortController();
  const reading = (async () => {
    const stream = (await endpoint.logs({
      stdout: true,
      stderr: true,
      timestamps: true,
      follow: true,
      tail: limits.tailLines,
      abortSignal: abort.signal,
    } as never)) as unknown as AsyncIterable<Buffer> & { destroy?: () => void };
    abort.signal.addEventListener('abort', () => stream.destroy?.(), { once: true });
    for await (const l of linesOf(stream)) {
      lines.push(l);
      size += l.line.length;
      // The oldest go first, cut off in one splice once they are half the array.
      while (size > limits.maxBytes && first < lines.length) size -= lines[first++]!.line.length;
      if (first > lines.length / 2) {
        lines.splice(0, first);
        first = 0;
      }
    }
  })().catch(() => undefined);
  return {
    async end() {
      await Promise.race([reading, sleep(CAPTURE_DRAIN_MS)]);
      abort.abort();
      await reading;
      return sortByTime(lines.slice(first));
    },
  };
}

/** A non-following read, time-ordered; undefined when the container is gone. */
async function readOnce(
  endpoint: LogEndpoint,
  w: LogWindow,
  signal?: AbortSignal,
): Promise<DockerLogLine[] | undefined> {
  let raw: Buffer;
  try {
    raw = (await endpoint.logs({
      stdout: true,
      stderr: true,
      timestamps: true,
      follow: false,
      ...(w.tail !== undefined ? { tail: w.tail } : {}),
      ...(w.since !== undefined ? { since: sinceParam(w.since) } : {}),
      ...(signal ? { abortSignal: signal } : {}),
    } as never)) as unknown as Buffer;
  } catch (err) {
    if (engineStatus(err) === 404) return undefined;
    throw err;
  }
  const parser = createLogFrameParser();
  // The window is applied on the sorted lines: `until` is not sent (see the top of this file), and
  // Docker would apply `tail` before it anyway.
  return inWindow(sortByTime([...parser.push(raw), ...parser.end()]), w);
}

/**
 * The last `tail` lines up to `until`. Docker takes the tail of the file before it applies `until`,
 * so lines written after the cut take places in it: ask for more until enough are left, or the whole
 * log was read.
 */
async function readHistory(
  endpoint: LogEndpoint,
  w: { tail: number; until: bigint },
  signal?: AbortSignal,
): Promise<DockerLogLine[] | undefined> {
  for (let ask = w.tail + 100; ; ask *= 4) {
    const lines = await readOnce(endpoint, { tail: ask }, signal);
    if (!lines) return undefined;
    const inside = inWindow(lines, w);
    if (inside.length >= w.tail || lines.length < ask) return inside;
  }
}

async function* readLogs<I extends LoggedInstance>(
  ctx: LogContext<I>,
  id: string,
  opts: LogOptions,
  cut: bigint,
): AsyncGenerator<LogLine> {
  const { signal } = opts;
  const toLine = (l: DockerLogLine) => toLogLine(l, id);
  const fromArchive = (...windows: LogWindow[]): LogLine[] => {
    const archived = readLogArchive(ctx.dataDir, id);
    if (!archived) throw new BerthError('RUNTIME_INSTANCE_NOT_FOUND');
    return windows.flatMap((w) => inWindow(archived, w)).map(toLine);
  };
  const instance = ctx.lookup(id);
  const tail = opts.tailLines;

  if (!opts.follow) {
    if (!instance) return yield* fromArchive({ tail });
    const lines = await readOnce(ctx.endpoint(instance), { tail }, signal).catch((err) => {
      if (signal?.aborted) return [];
      throw err;
    });
    // Removed meanwhile (stopped): its log is in the archive.
    return yield* lines ? lines.map(toLine) : fromArchive({ tail });
  }

  // Following. History up to the cut first, when a tail is asked for.
  const history = tail !== undefined ? { tail, until: cut } : undefined;
  /** Lines after this timestamp are new (undefined: all are). */
  let since = history ? cut : undefined;
  if (!instance) return yield* fromArchive(...(history ? [history, { since }] : [{}]));
  if (history && tail !== 0) {
    const lines = await readHistory(ctx.endpoint(instance), history, signal).catch((err) => {
      if (signal?.aborted) return [];
      throw err;
    });
    if (!lines) return yield* fromArchive(history, { since });
    yield* lines.map(toLine);
  }

  /** Which lines stamped exactly `since` were delivered (all of them at the cut: they are history). */
  let atSince: Set<string> | 'all' = 'all';
  const key = (l: DockerLogLine) => `${l.stream} ${l.line}`;
  /** Notes `l` as delivered: the newest timestamp so far, and which lines stamped with it went. */
  const delivered = (l: DockerLogLine) => {
    if (since === undefined || l.ns > since) {
      since = l.ns;
      atSince = new Set();
    }
    if (l.ns === since && atSince !== 'all') atSince.add(key(l));
  };
  const old = (l: DockerLogLine, from: bigint | undefined, seen: Set<string> | 'all') =>
    from !== undefined &&
    l.ns !== 0n &&
    (l.ns < from || (l.ns === from && (seen === 'all' || seen.has(key(l)))));
  while (!signal?.aborted) {
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await ctx.endpoint(instance).logs({
        stdout: true,
        stderr: true,
        timestamps: true,
        follow: true,
        ...(since !== undefined ? { since: sinceParam(since) } : {}),
        ...(signal ? { abortSignal: signal } : {}),
      } as never)) as unknown as NodeJS.ReadableStream;
    } catch (err) {
      if (signal?.aborted) return;
      // Removed meanwhile (stopped): the rest is in the archive.
      if (engineStatus(err) === 404) {
        const archived = readLogArchive(ctx.dataDir, id) ?? [];
        return yield* archived.filter((l) => !old(l, since, atSince)).map(toLine);
      }
      throw err;
    }
    const from = since;
    const skip = atSince;
    const destroy = () => (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    signal?.addEventListener('abort', destroy, { once: true });
    // A container's stream ends when the container stops; a service's goes on while the service
    // exists: a follower ends it once the driver has forgotten the instance (stopped, its log
    // archived), and takes the rest from the archive.
    let forgotten = false;
    const watch = setInterval(() => {
      if (ctx.lookup(id) === instance) return;
      forgotten = true;
      destroy();
    }, FORGOTTEN_POLL_MS);
    // Once the stream has begun, the log from where it was asked to start is read once more, to its
    // end (a stream from `since` has been seen, under load, to begin some lines after it). Its
    // lines cannot be cut at the stream's first line: a line written to the file before the
    // stream's start may be stamped after that first line (stdout and stderr are copied apart).
    let gapChecked = from === undefined;
    /** What that read delivered: the stream brings these too (the ones after its start). */
    const fromGap = new Set<string>();
    try {
      for await (const l of inTimeOrder(linesOf(stream as AsyncIterable<Buffer>))) {
        if (!gapChecked) {
          gapChecked = true;
          // (A failed read fails the stream as its own failure would; a gone log reads as none.)
          const gap = await readOnce(ctx.endpoint(instance), { since: from }, signal);
          for (const g of gap ?? []) {
            if (g.ns === 0n || old(g, from, skip)) continue;
            delivered(g);
            fromGap.add(`${g.ns} ${key(g)}`);
            yield toLine(g);
          }
        }
        if (old(l, from, skip)) continue;
        if (fromGap.size > 0 && fromGap.has(`${l.ns} ${key(l)}`)) continue;
        delivered(l);
        yield toLine(l);
      }
    } catch (err) {
      if (signal?.aborted) return;
      if (!forgotten) throw err;
    } finally {
      clearInterval(watch);
      signal?.removeEventListener('abort', destroy);
    }
    if (forgotten && !signal?.aborted) {
      const archived = readLogArchive(ctx.dataDir, id) ?? [];
      return yield* archived.filter((l) => !old(l, since, atSince)).map(toLine);
    }
    // The stream ends when the container stops: wait for its next run, or the end.
    const runStarted = instance.startedAt;
    for (;;) {
      if (signal?.aborted || ctx.lookup(id) !== instance || FINAL_STATES.has(instance.state)) return;
      if (instance.state === 'running' && instance.startedAt !== runStarted) break;
      await sleep(100);
    }
  }
}
