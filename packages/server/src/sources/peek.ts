// Looks at the first bytes of a stream (to tell gzip from tar) without consuming them.
import type { Readable } from 'node:stream';
import { packageError } from './package-error.ts';

/** Reads the first `n` bytes and puts them back, so the stream can then be piped whole. */
export async function peek(input: Readable, n: number, signal: AbortSignal | undefined): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const chunk: unknown = input.read();
    if (chunk !== null) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      parts.push(buffer);
      got += buffer.length;
      continue;
    }
    if (input.errored) throw input.errored;
    if (input.readableEnded || input.destroyed) break;
    await readable(input, signal);
  }
  const head = Buffer.concat(parts, got);
  if (got < n) throw packageError('PACKAGE_INVALID', 'the package is empty or too short');
  input.unshift(head);
  return head;
}

/** Waits until the stream has data, ends, fails, or the signal aborts. */
function readable(input: Readable, signal: AbortSignal | undefined): Promise<void> {
  signal?.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const settle = (err?: unknown): void => {
      input.off('readable', onEvent).off('end', onEvent).off('close', onEvent).off('error', settle);
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onEvent = (): void => settle();
    const onAbort = (): void => settle(signal?.reason);
    input.on('readable', onEvent).on('end', onEvent).on('close', onEvent).on('error', settle);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
