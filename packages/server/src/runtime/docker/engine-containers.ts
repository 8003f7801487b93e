// The engine's `containers` dependency (engine/engine-deps.ts) over the Docker Engine API: builds
// of Dockerfile apps and of build steps in stack-image containers, release images (tags, images
// baked for runtimes without artifact directories, pushes to a registry) and their removal. The
// Docker client stays here; the engine calls these methods only.
import type Docker from 'dockerode';
import { buildImage, containerExecutor, removeBuildContainers, removeTag } from '../../build/index.ts';
import type { EngineContainers, ReleaseImageRemoval, StackRuntime } from '../../engine/engine-deps.ts';
import { engineStatus, imageExists } from '../../images/engine.ts';
import {
  bakeReleaseImage,
  listAppImages,
  removeReleaseImage as removeLocalImage,
} from '../../images/index.ts';
import { deleteManifest, pushImage, type RegistryAccess } from '../../images/registry/index.ts';
import type { Logger } from '../../logger.ts';

export interface EngineContainersOptions {
  docker: Docker;
  /** This installation's code: the owner label of its build containers, part of image names. */
  installation: string;
  stackImage(runtime: StackRuntime, log?: (line: string) => void): Promise<string>;
  /** Cluster runtimes: where release images go for the nodes (absent: they stay on this host). */
  registry?: RegistryAccess | undefined;
  logger: Logger;
}

export function createEngineContainers(o: EngineContainersOptions): EngineContainers {
  const { docker, installation, registry } = o;
  /** Image id → the pinned reference it was pushed as (ids never change content). */
  const pushed = new Map<string, string>();

  /** The registry's manifests of a release image: `ref` itself when it names one (a reference by
   *  digest another replica may have pushed), and those of the local image `ref` names. */
  async function registryCopies(ref: string): Promise<string[]> {
    if (!registry) return [];
    const inRegistry = (name: string) => name.startsWith(`${registry.address}/`) && name.includes('@');
    try {
      const info = await docker.getImage(ref).inspect();
      return [...new Set([ref, ...(info.RepoDigests ?? [])])].filter(inRegistry);
    } catch (err) {
      if (engineStatus(err) === 404) return [ref].filter(inRegistry);
      throw err;
    }
  }

  /** A release image goes with its copies in the registry (their manifests and local names), but
   *  for those in `keep` (still recorded by a release that stays). */
  async function removeReleaseImage(ref: string, keep?: ReadonlySet<string>): Promise<ReleaseImageRemoval> {
    const copies = (await registryCopies(ref)).filter((pinned) => !keep?.has(pinned));
    const result = await removeLocalImage(docker, ref);
    if (result === 'in-use') return result;
    for (const pinned of copies) {
      try {
        await deleteManifest(registry!, pinned);
      } catch (err) {
        o.logger.warn({ err, image: pinned }, 'could not delete a pruned release image from the registry');
      }
      await removeTag(docker, pinned);
    }
    if (registry) await removeTag(docker, `${registry.address}/${ref}`);
    return result;
  }

  return {
    stackImage: (runtime, log) => o.stackImage(runtime, log),
    buildImage: (build) => buildImage({ docker, ...build }),
    async tagImage(image, tag) {
      const colon = tag.lastIndexOf(':');
      await docker.getImage(image).tag({ repo: tag.slice(0, colon), tag: tag.slice(colon + 1) });
    },
    removeTag: (tag) => removeTag(docker, tag),
    stepExecutor: (steps) => containerExecutor({ docker, owner: installation, ...steps }),
    async releaseImage(release) {
      if (!(await imageExists(docker, release.tag))) await bakeReleaseImage(docker, release);
      return release.tag;
    },
    async publish(ref) {
      if (!registry) return ref;
      const id = (await docker.getImage(ref).inspect()).Id;
      const known = pushed.get(id);
      if (known) return known;
      const pinned = await pushImage(docker, registry, ref, { logger: o.logger });
      pushed.set(id, pinned);
      return pinned;
    },
    removeReleaseImage,
    async removeAppImages(app) {
      const results: Record<string, ReleaseImageRemoval> = {};
      for (const ref of await listAppImages(docker, installation, app))
        results[ref] = await removeReleaseImage(ref);
      return results;
    },
    async removeBuildContainers(app) {
      await removeBuildContainers(docker, installation, app);
    },
  };
}
