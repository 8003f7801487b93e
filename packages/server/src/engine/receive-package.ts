// Writes an uploaded package to disk while counting its bytes: over the limit, the write stops at
// once with PAYLOAD_TOO_LARGE and the partial file is removed. Nothing is kept on any failure.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { newId } from '../crypto/tokens.ts';
import { BerthError } from '../errors.ts';
import { packagePath } from './build-release.ts';

/** Resolves with the bytes written to `file` (created with mode 0600) and their sha256 (hex). */
export async function receivePackage(
  body: Readable,
  file: string,
  maxBytes: number,
): Promise<{ bytes: number; sha256: string }> {
  const tooLarge = () => new BerthError('PAYLOAD_TOO_LARGE', `A package is limited to ${maxBytes} bytes`);
  await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let bytes = 0;
  const hash = crypto.createHash('sha256');
  const limiter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(tooLarge());
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    // The request is piped, not part of the pipeline: on an error it is left alone (not destroyed),
    // so the refusal can still be sent; the route closes the connection after it.
    const written = pipeline(limiter, fs.createWriteStream(file, { mode: 0o600 }));
    body.on('error', (err) => limiter.destroy(err));
    body.pipe(limiter);
    try {
      await written;
    } finally {
      body.unpipe(limiter);
    }
    if (bytes === 0) throw new BerthError('PACKAGE_INVALID', 'The request body is empty: send the package');
    return { bytes, sha256: hash.digest('hex') };
  } catch (err) {
    await fs.promises.rm(file, { force: true });
    throw err;
  }
}

/**
 * Receives an upload as the package of a new deploy (its id made here): a declared length over
 * `maxBytes` is refused before anything is read (the rest of the body is drained), the bytes are
 * written to `packagePath(dataDir, id)`. `check` runs first: a refusal there drains the body too.
 */
export async function acceptPackage<T>(
  body: Readable,
  options: { dataDir: string; maxBytes: number; contentLength?: number | undefined; check: () => Promise<T> },
): Promise<{ id: string; file: string; sha256: string; checked: T }> {
  let checked: T;
  try {
    checked = await options.check();
    if (options.contentLength !== undefined && options.contentLength > options.maxBytes) {
      throw new BerthError('PAYLOAD_TOO_LARGE', `A package is limited to ${options.maxBytes} bytes`);
    }
  } catch (err) {
    body.resume();
    throw err;
  }
  const id = newId('dep');
  const file = packagePath(options.dataDir, id);
  const received = await receivePackage(body, file, options.maxBytes);
  return { id, file, sha256: received.sha256, checked };
}
