// Release images: what a Dockerfile app's build makes, tagged `berth-{installation}/{code}:{env}-v{n}`
// (the installation's code keeps two installations on one host apart). Only tags of that shape count
// as an app's release images (stack images are `berth/stack-…`, shared by installations: they hold
// nothing of any app). Removed with their releases:
// when pruning drops a release's artifact and when the app is deleted, only while no container uses
// them.
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { create as createTar } from 'tar';
import { BerthError } from '../errors.ts';
import { engineError, engineStatus } from './engine.ts';
import { isReleaseImageOf, releaseImageRepo } from './release-names.ts';

export type RemoveResult = 'removed' | 'absent' | 'in-use';

/** Removes one release image tag unless a container (running or not) was created from it. */
export async function removeReleaseImage(docker: Docker, ref: string): Promise<RemoveResult> {
  const users = await docker.listContainers({ all: true, filters: { ancestor: [ref] } }).catch((err) => {
    // An ancestor filter naming an image that does not exist is an error on some engines.
    if (engineStatus(err) === 404 || engineStatus(err) === 400) return [];
    throw engineError(err);
  });
  if (users.length > 0) return 'in-use';
  try {
    await docker.getImage(ref).remove();
    return 'removed';
  } catch (err) {
    const status = engineStatus(err);
    if (status === 404) return 'absent';
    if (status === 409) return 'in-use';
    throw engineError(err);
  }
}

/** Every release image of `app` (all environments and versions). */
export async function listAppImages(docker: Docker, installation: string, app: string): Promise<string[]> {
  const images = await docker
    .listImages({ filters: { reference: [`${releaseImageRepo(installation)}${app}`] } })
    .catch((err) => {
      throw engineError(err);
    });
  const refs = images.flatMap((image) => image.RepoTags ?? []);
  return refs.filter((ref) => isReleaseImageOf(installation, app, ref)).sort();
}

export interface BakeReleaseOptions {
  /** The image the release runs on (its runtime's stack image). */
  base: string;
  /** The release's sealed artifact tree (root's, read-only): it becomes `/app` in the image. */
  artifactDir: string;
  /** `berth-{installation}/{code}:{env}-v{n}`. */
  tag: string;
  labels: Record<string, string>;
}

/** Where a baked release's artifact lies inside its image (the Docker runtime mounts it there). */
export const BAKED_APP_DIR = '/app';

/**
 * Makes the image a release runs from on runtimes whose nodes have no artifact directory (Swarm): a
 * container of `base` is created (never started), the artifact tree is copied into it at /app
 * through the Engine API, and the container is committed as `tag`. The tree keeps its sealed modes
 * and root's ownership; entries are sent as they are (links as links, never followed), and the
 * engine unpacks them inside the container's filesystem. Resolves with the image's id.
 */
export async function bakeReleaseImage(docker: Docker, o: BakeReleaseOptions): Promise<string> {
  const entries = (await artifactEntries(o.artifactDir)).sort();
  let container: Docker.Container;
  try {
    container = await docker.createContainer({
      Image: o.base,
      Cmd: ['true'],
      Labels: { ...o.labels, 'berth.build': 'bake' },
      NetworkDisabled: true,
    });
  } catch (err) {
    throw engineError(err);
  }
  try {
    // No entry for the tree's top: the engine makes /app (root's, 0755) for the first entry under it.
    const tar = createTar({ cwd: o.artifactDir, portable: true, follow: false, prefix: 'app' }, entries);
    await container.putArchive(Readable.from(tar), { path: '/' });
    const committed = (await container.commit({
      repo: o.tag.slice(0, o.tag.lastIndexOf(':')),
      tag: o.tag.slice(o.tag.lastIndexOf(':') + 1),
      changes: `WORKDIR ${BAKED_APP_DIR}`,
    })) as { Id: string };
    return committed.Id;
  } catch (err) {
    throw engineError(err);
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}

/** The top entries of an artifact tree; RELEASE_ARTIFACT_MISSING when the tree is not on this host
 *  (built by another berthd replica, whose data dir it is in). */
async function artifactEntries(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new BerthError('RELEASE_ARTIFACT_MISSING');
  }
}
