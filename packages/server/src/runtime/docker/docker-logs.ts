// An instance's logs from its container's log stream (json-file driver, demultiplexed), or from the
// archive once the instance was stopped. A follower survives crash restarts (it re-attaches after
// the last line it saw) and ends when the instance stops for good or the signal aborts.
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../../errors.ts';
import { engineStatus } from '../../images/engine.ts';
import type { LogLine, LogOptions } from '../driver.ts';
import type { DockerInstance } from './docker-instance.ts';
import { readLogArchive } from './log-archive.ts';
import { createLogFrameParser, type DockerLogLine, sinceParam } from './log-frames.ts';
import { inTimeOrder, linesOf, sortByTime } from './log-order.ts';

const FINAL_STATES = new Set(['stopping', 'stopped', 'exited', 'crashloop']);

export async function* containerLogs(
  ctx: { dataDir: string; lookup: (id: string) => DockerInstance | undefined },
  id: string,
  opts: LogOptions = {},
): AsyncGenerator<LogLine> {
  const instance = ctx.lookup(id);
  if (!instance) {
    const archived = readLogArchive(ctx.dataDir, id, opts.tailLines);
    if (!archived) throw new BerthError('RUNTIME_INSTANCE_NOT_FOUND');
    yield* archived;
    return;
  }
  const signal = opts.signal;
  const toLine = (l: DockerLogLine): LogLine => ({
    at: l.ns > 0n ? Number(l.ns / 1_000_000n) : Date.now(),
    stream: l.stream,
    line: l.line,
    instance: id,
  });
  let since: bigint | undefined;
  let first = true;
  while (!signal?.aborted) {
    const fresh = (l: DockerLogLine) => since === undefined || l.ns === 0n || l.ns > since;
    let result: Buffer | NodeJS.ReadableStream;
    try {
      result = (await instance.container.logs({
        stdout: true,
        stderr: true,
        timestamps: true,
        follow: opts.follow === true,
        ...(first && opts.tailLines !== undefined ? { tail: opts.tailLines } : {}),
        ...(since !== undefined ? { since: sinceParam(since) as unknown as number } : {}),
        ...(signal ? { abortSignal: signal } : {}),
      } as never)) as unknown as Buffer | NodeJS.ReadableStream;
    } catch (err) {
      if (signal?.aborted) return;
      if (engineStatus(err) === 404) {
        // Removed meanwhile (stopped): what is left is in the archive.
        if (first) yield* readLogArchive(ctx.dataDir, id, opts.tailLines) ?? [];
        return;
      }
      throw err;
    }
    first = false;
    if (Buffer.isBuffer(result)) {
      const parser = createLogFrameParser();
      for (const l of sortByTime([...parser.push(result), ...parser.end()])) if (fresh(l)) yield toLine(l);
      return;
    }
    const stream = result;
    const destroy = () => (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    signal?.addEventListener('abort', destroy, { once: true });
    try {
      for await (const l of inTimeOrder(linesOf(stream as AsyncIterable<Buffer>))) {
        if (!fresh(l)) continue;
        if (since === undefined || l.ns > since) since = l.ns;
        yield toLine(l);
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    } finally {
      signal?.removeEventListener('abort', destroy);
    }
    if (!opts.follow) return;
    // The stream ends when the container stops: wait for its next run, or the end.
    const runStarted = instance.startedAt;
    for (;;) {
      if (signal?.aborted || ctx.lookup(id) !== instance || FINAL_STATES.has(instance.state)) return;
      if (instance.state === 'running' && instance.startedAt !== runStarted) break;
      await sleep(100);
    }
  }
}
