// Small Engine API helpers shared by the image builder and the Docker runtime driver.
import type Docker from 'dockerode';
import { BerthError } from '../errors.ts';

/** Docker's HTTP status of a failed Engine API call, when it has one. */
export function engineStatus(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Maps "cannot talk to dockerd at all" to DOCKER_UNAVAILABLE; other errors pass unchanged. */
export function engineError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') {
    return new BerthError('DOCKER_UNAVAILABLE', undefined, { error: String(err) });
  }
  return err;
}

export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (err) {
    if (engineStatus(err) === 404) return false;
    throw engineError(err);
  }
}

/** One message of a progress stream (pull, push, import, load). */
export interface ProgressMessage {
  error?: string;
  errorDetail?: { message?: string };
  /** A push's last message: `{ Tag, Digest, Size }`. */
  aux?: { Digest?: string };
}

/** Waits for the end of a progress stream and fails on an error message in it; resolves with its
 *  messages. */
export async function waitForProgress(
  docker: Docker,
  stream: NodeJS.ReadableStream,
): Promise<ProgressMessage[]> {
  return new Promise<ProgressMessage[]>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, results: ProgressMessage[]) => {
      if (err) return reject(err);
      const failed = results.find((r) => r.error ?? r.errorDetail);
      if (failed) return reject(new Error(failed.error ?? failed.errorDetail?.message));
      resolve(results);
    });
  });
}

/** Runs `cmd` in a throw-away container (no network; as the image's user unless `opts.user`) and
 *  resolves with its exit code and output. */
export async function runToCompletion(
  docker: Docker,
  image: string,
  cmd: string[],
  opts: { user?: string } = {},
): Promise<{ code: number; output: string }> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: cmd,
    ...(opts.user ? { User: opts.user } : {}),
    HostConfig: { NetworkMode: 'none' },
    Labels: { 'berth.build': 'verify' },
  });
  try {
    await container.start();
    const result = (await container.wait()) as { StatusCode: number };
    const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return { code: result.StatusCode, output: demuxBuffer(raw) };
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}

/** The text of a non-TTY log buffer (8-byte frame headers: stream, 0, 0, 0, size BE32). */
export function demuxBuffer(raw: Buffer): string {
  let out = '';
  let at = 0;
  while (at + 8 <= raw.length) {
    const size = raw.readUInt32BE(at + 4);
    out += raw.subarray(at + 8, at + 8 + size).toString('utf8');
    at += 8 + size;
  }
  return out;
}
