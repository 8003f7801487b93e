// The engine's `containers` dependency (engine/engine-deps.ts) over the Docker Engine API: builds
// of Dockerfile apps and of build steps in stack-image containers, release image tags and their
// removal. The Docker client stays here; the engine calls these methods only.
import type Docker from 'dockerode';
import { buildImage, containerExecutor, removeBuildContainers, removeTag } from '../../build/index.ts';
import type { EngineContainers, StackRuntime } from '../../engine/engine-deps.ts';
import { imageExists } from '../../images/engine.ts';
import { bakeReleaseImage, removeAppImages, removeReleaseImage } from '../../images/index.ts';

export interface EngineContainersOptions {
  docker: Docker;
  /** This installation's code: the owner label of its build containers, part of image names. */
  installation: string;
  stackImage(runtime: StackRuntime, log?: (line: string) => void): Promise<string>;
}

export function createEngineContainers(o: EngineContainersOptions): EngineContainers {
  const { docker, installation } = o;
  return {
    stackImage: (runtime, log) => o.stackImage(runtime, log),
    buildImage: (build) => buildImage({ docker, ...build }),
    async tagImage(image, tag) {
      const colon = tag.lastIndexOf(':');
      await docker.getImage(image).tag({ repo: tag.slice(0, colon), tag: tag.slice(colon + 1) });
    },
    removeTag: (tag) => removeTag(docker, tag),
    stepExecutor: (steps) => containerExecutor({ docker, owner: installation, ...steps }),
    async releaseImage(o) {
      if (!(await imageExists(docker, o.tag))) await bakeReleaseImage(docker, o);
      return o.tag;
    },
    removeReleaseImage: (ref) => removeReleaseImage(docker, ref),
    removeAppImages: (app) => removeAppImages(docker, installation, app),
    async removeBuildContainers(app) {
      await removeBuildContainers(docker, installation, app);
    },
  };
}
