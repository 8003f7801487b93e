// Builds a Dockerfile app into a release image through the Engine API: the source tree streamed as
// the build context (.dockerignore honoured), the engine's build output streamed line by line to
// the deploy log, the image tagged only when the build succeeded. Every failure is
// BUILD_IMAGE_FAILED with the engine's message and the output's last lines; no tag is left behind.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { BerthError, isBerthError } from '../../errors.ts';
import { engineError, engineStatus, imageExists } from '../../images/engine.ts';
import { LineSplitter } from '../line-splitter.ts';
import { TAIL_LINES } from '../run-step.ts';
import { contextTar } from './build-context.ts';
import { externalFromImages } from './dockerfile-from.ts';

export const DOCKERFILE = 'Dockerfile';
const MAX_DOCKERFILE_BYTES = 256 * 1024;

export interface ImageBuildOptions {
  docker: Docker;
  /** The unpacked source tree (the build context; it has a Dockerfile at its root). */
  contextDir: string;
  /** `berth/{code}:{env}-v{n}`. */
  tag: string;
  labels: Record<string, string>;
  log: (line: string) => void;
  signal: AbortSignal;
  /** Memory cap of each RUN step's container (default 1 GiB, no swap). */
  memoryBytes?: number;
}

export interface BuiltImage {
  tag: string;
  id: string;
  /** The image's CMD and ENTRYPOINT (empty when unset). */
  cmd: string[];
  entrypoint: string[];
  workingDir: string;
}

export async function buildImage(o: ImageBuildOptions): Promise<BuiltImage> {
  o.signal.throwIfAborted();
  const dockerfile = await readDockerfile(o.contextDir);
  for (const from of externalFromImages(dockerfile)) {
    if (!(await imageExists(o.docker, from.ref))) {
      throw imageFailed(
        `Dockerfile line ${from.line}: the image ${from.ref} is not on this host, and Berth never pulls ` +
          'images. Start FROM a stack image (berth/stack-node:24, berth/stack-python:3.11, ' +
          'berth/stack-base:bookworm) or load the image first (docs/docker.md).',
        [],
        { image: from.ref },
      );
    }
  }
  const context = await contextTar(o.contextDir);
  o.log(
    `       build context: ${context.entries} entries${context.ignored ? ` (${context.ignored} left out by .dockerignore)` : ''}`,
  );
  const tail: string[] = [];
  const memory = Math.floor(o.memoryBytes ?? 1024 ** 3);
  try {
    const stream = (await o.docker.buildImage(
      context.stream as unknown as NodeJS.ReadableStream,
      {
        t: o.tag,
        labels: o.labels,
        rm: true,
        forcerm: true,
        memory,
        memswap: memory,
        abortSignal: o.signal,
      } as Docker.ImageBuildOptions,
    )) as unknown as Readable;
    const error = await followBuild(stream, (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      o.log(line);
    });
    o.signal.throwIfAborted();
    if (error) throw imageFailed(`The Dockerfile build failed: ${error}`, tail);
    const info = await o.docker.getImage(o.tag).inspect();
    return {
      tag: o.tag,
      id: info.Id,
      cmd: info.Config?.Cmd ?? [],
      entrypoint: toList(info.Config?.Entrypoint),
      workingDir: info.Config?.WorkingDir ?? '',
    };
  } catch (err) {
    await removeTag(o.docker, o.tag);
    if (o.signal.aborted) throw o.signal.reason;
    if (isBerthError(err)) throw err;
    const mapped = engineError(err);
    if (isBerthError(mapped)) throw mapped;
    throw imageFailed(`The Dockerfile build failed: ${engineMessage(err)}`, tail);
  }
}

/** Removes a (half-made) release image tag; "not there" is fine. */
export async function removeTag(docker: Docker, tag: string): Promise<void> {
  await docker
    .getImage(tag)
    .remove({ noprune: false })
    .catch((err) => {
      if (engineStatus(err) !== 404) throw engineError(err);
    })
    .catch(() => {});
}

async function readDockerfile(dir: string): Promise<string> {
  const file = path.join(dir, DOCKERFILE);
  const stat = await fs.lstat(file);
  if (!stat.isFile()) throw imageFailed('Dockerfile is not a regular file', []);
  if (stat.size > MAX_DOCKERFILE_BYTES) throw imageFailed('Dockerfile is larger than 256 KiB', []);
  return fs.readFile(file, 'utf8');
}

/** Reads the engine's JSON progress messages; resolves with the build's error message, if any. */
function followBuild(stream: Readable, log: (line: string) => void): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let error: string | undefined;
    const text = new LineSplitter(log);
    const messages = new LineSplitter((raw) => {
      if (raw.trim() === '') return;
      let message: { stream?: unknown; error?: unknown; errorDetail?: { message?: unknown } };
      try {
        message = JSON.parse(raw) as typeof message;
      } catch {
        log(raw);
        return;
      }
      if (typeof message.stream === 'string') text.push(Buffer.from(message.stream));
      const failed = message.error ?? message.errorDetail?.message;
      if (failed !== undefined) error ??= String(failed).trim();
    });
    stream.on('data', (chunk: Buffer) => messages.push(chunk));
    stream.once('end', () => {
      messages.end();
      text.end();
      resolve(error);
    });
    stream.once('error', reject);
  });
}

function toList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value !== '') return [value];
  return [];
}

function engineMessage(err: unknown): string {
  const json = (err as { json?: { message?: unknown } } | null)?.json;
  const text = typeof json?.message === 'string' ? json.message : String(err);
  return text.slice(0, 500);
}

function imageFailed(
  message: string,
  tail: readonly string[],
  extra: Record<string, unknown> = {},
): BerthError {
  return new BerthError('BUILD_IMAGE_FAILED', message, { tail: [...tail], ...extra });
}
