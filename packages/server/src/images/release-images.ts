// Release images: what a Dockerfile app's build makes, tagged `berth-{installation}/{code}:{env}-v{n}`
// (the installation's code keeps two installations on one host apart). Only tags of that shape count
// as an app's release images (stack images are `berth/stack-…`, shared by installations: they hold
// nothing of any app). Removed with their releases:
// when pruning drops a release's artifact and when the app is deleted, only while no container uses
// them.
import type Docker from 'dockerode';
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

/** After the app was deleted (its containers stopped): removes all its release images. */
export async function removeAppImages(
  docker: Docker,
  installation: string,
  app: string,
): Promise<Record<string, RemoveResult>> {
  const results: Record<string, RemoveResult> = {};
  for (const ref of await listAppImages(docker, installation, app))
    results[ref] = await removeReleaseImage(docker, ref);
  return results;
}
