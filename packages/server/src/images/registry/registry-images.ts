// Release images in a registry, for runtimes whose nodes pull what they run (Swarm): a local image
// is pushed under the registry's address and run by digest (`{address}/{repo}@sha256:…`), so every
// node runs exactly the bytes that were built; a pruned release's manifest is deleted from the
// registry. The Docker engine does the pushing (Engine API, credentials in X-Registry-Auth); the
// registry's own HTTP API is used only to delete.
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { Agent, request } from 'undici';
import type { Logger } from '../../logger.ts';
import { engineError, waitForProgress } from '../engine.ts';
import type { RegistryAccess } from './builtin-registry.ts';

/** The credentials as the Engine API takes them (X-Registry-Auth). */
export function engineAuth(access: RegistryAccess): {
  username: string;
  password: string;
  serveraddress: string;
} {
  return { username: access.username, password: access.password, serveraddress: access.address };
}

/** `repo:tag` → the same name in the registry. */
export function registryName(access: RegistryAccess, ref: string): string {
  return `${access.address}/${ref}`;
}

/**
 * Pushes the local image `ref` (`repo:tag`) to the registry and resolves with the reference nodes
 * pull: `{address}/{repo}@{digest}`. Pushing what the registry has already sends no layer again.
 * A push the registry refuses for a moment (`pushRefusedForAMoment`: the builtin registry collecting
 * garbage, read-only, or restarting around it; or a blob it uploaded deleted by a collection before
 * its manifest referred to it) is tried again after each of `retryDelaysMs`, logged (the engine
 * uploads again what the registry no longer has);
 * any other failure (wrong credentials, no such image) fails at once.
 */
export async function pushImage(
  docker: Docker,
  access: RegistryAccess,
  ref: string,
  opts: { logger?: Logger; retryDelaysMs?: readonly number[] } = {},
): Promise<string> {
  const attempt = () =>
    access.whilePushing
      ? access.whilePushing(() => pushOnce(docker, access, ref))
      : pushOnce(docker, access, ref);
  for (const delay of opts.retryDelaysMs ?? PUSH_RETRY_DELAYS_MS) {
    try {
      return await attempt();
    } catch (err) {
      if (!pushRefusedForAMoment(err)) throw err;
      opts.logger?.warn({ err, image: ref, retryInMs: delay }, 'the registry refused a push for now');
      await sleep(delay);
    }
  }
  return attempt();
}

/** Waits before each further push attempt (about 20 s in all). */
const PUSH_RETRY_DELAYS_MS = [2000, 6000, 12_000];

/** Whether the engine's push error is one that passes: the registry read-only (a write answered
 *  405), not listening (restarting), cut off or overloaded on the way, or missing a blob the push
 *  uploaded (a garbage collection, of another replica's or begun before this push, deleted it before
 *  the manifest referred to it: the registry's `blob unknown`). */
export function pushRefusedForAMoment(err: unknown): boolean {
  const text = err instanceof Error ? err.message : String(err);
  return /\bblob unknown\b|\bHTTP 405\b|\b405 Method Not Allowed\b|connection refused|connection reset|\bEOF\b|i\/o timeout|\bHTTP 50[234]\b|\b50[234] (Bad Gateway|Service Unavailable|Gateway Timeout)\b/i.test(
    text,
  );
}

async function pushOnce(docker: Docker, access: RegistryAccess, ref: string): Promise<string> {
  const colon = ref.lastIndexOf(':');
  const repo = ref.slice(0, colon);
  const tag = ref.slice(colon + 1);
  const remote = registryName(access, repo);
  try {
    await docker.getImage(ref).tag({ repo: remote, tag });
    const stream = (await docker
      .getImage(`${remote}:${tag}`)
      .push({ authconfig: engineAuth(access) } as never)) as unknown as NodeJS.ReadableStream;
    const messages = await waitForProgress(docker, stream);
    const digest = messages.map((m) => m.aux?.Digest).find((d) => d && /^sha256:[0-9a-f]{64}$/.test(d));
    if (!digest) throw new Error(`the registry reported no digest for ${remote}:${tag}`);
    return `${remote}@${digest}`;
  } catch (err) {
    throw engineError(err);
  }
}

/** Deletes a manifest (`{address}/{repo}@{digest}`) from the registry; gone already is fine. */
export async function deleteManifest(access: RegistryAccess, pinned: string): Promise<void> {
  const at = pinned.indexOf('@');
  const prefix = `${access.address}/`;
  if (at < 0 || !pinned.startsWith(prefix)) throw new Error(`${pinned} is not an image of ${access.address}`);
  const repo = pinned.slice(prefix.length, at);
  const digest = pinned.slice(at + 1);
  const dispatcher = new Agent(access.ca ? { connect: { ca: access.ca } } : {});
  try {
    const res = await request(`https://${access.address}/v2/${repo}/manifests/${digest}`, {
      method: 'DELETE',
      dispatcher,
      headers: {
        authorization: `Basic ${Buffer.from(`${access.username}:${access.password}`).toString('base64')}`,
      },
    });
    await res.body.dump();
    if (res.statusCode !== 202 && res.statusCode !== 404) {
      throw new Error(`the registry refused to delete ${pinned}: HTTP ${res.statusCode}`);
    }
  } finally {
    await dispatcher.close();
  }
}
