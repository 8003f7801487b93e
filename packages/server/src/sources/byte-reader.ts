// Pull-based reading of a byte stream in the sizes a tar parser needs, without buffering more than
// one incoming chunk: the caller awaits each piece, so back-pressure reaches the source. A wait for
// input ends when the signal aborts, even if the source never delivers or never closes.

const EMPTY = Buffer.alloc(0);

export class ByteReader {
  readonly #chunks: AsyncIterator<unknown>;
  readonly #onChunk: (bytes: number) => void;
  readonly #signal: AbortSignal | undefined;
  #pending: Buffer = EMPTY;

  /** `onChunk` sees the size of every incoming chunk before any of it is handed out; it may throw. */
  constructor(source: AsyncIterable<unknown>, onChunk: (bytes: number) => void, signal?: AbortSignal) {
    this.#chunks = source[Symbol.asyncIterator]();
    this.#onChunk = onChunk;
    this.#signal = signal;
  }

  /** Up to `max` bytes (at least one), or null at the end of the input. */
  async chunk(max: number): Promise<Buffer | null> {
    if (this.#pending.length === 0 && !(await this.#fill())) return null;
    const out = this.#pending.subarray(0, max);
    this.#pending = this.#pending.subarray(out.length);
    return out;
  }

  /** Exactly `n` bytes, or fewer if the input ends first. Meant for small `n` (headers, metadata). */
  async exact(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const part = await this.chunk(n - got);
      if (!part) break;
      parts.push(part);
      got += part.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, got);
  }

  async #fill(): Promise<boolean> {
    for (;;) {
      const next = await this.#next();
      if (next.done) return false;
      const chunk = toBuffer(next.value);
      if (chunk.length === 0) continue;
      this.#onChunk(chunk.length);
      this.#pending = chunk;
      return true;
    }
  }

  #next(): Promise<IteratorResult<unknown>> {
    const signal = this.#signal;
    if (!signal) return this.#chunks.next();
    signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#chunks
        .next()
        .then(resolve, reject)
        .finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  throw new TypeError('the package stream must carry bytes');
}
