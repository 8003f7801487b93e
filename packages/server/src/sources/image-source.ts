// Prebuilt images as a source (Docker runtime only): an image already on the Docker host, or one in a
// registry the operator allowed (BERTH_IMAGE_REGISTRIES), pulled through the Engine API. Nothing is
// built. The deploy pins the image by its id (sha256:…), so re-tagging the name later changes no
// release; Docker Hub is never reached implicitly (a name without a registry must be on the host).

import { IMAGE_REFERENCE_PATTERN } from '@berth/sdk';
import type Docker from 'dockerode';
import { BerthError } from '../errors.ts';
import type { SourceKind } from './sources.ts';

const REFERENCE = new RegExp(IMAGE_REFERENCE_PATTERN);

export interface ImageReference {
  /** The registry host[:port], when the name has one (a first component with a dot, a colon or `localhost`). */
  registry?: string;
  name: string;
}

/** The reference's parts. The API's schema checks the pattern first, so a name that fails here never
 *  came through it. */
export function parseImageReference(image: string): ImageReference {
  const m = REFERENCE.exec(image);
  if (!m) {
    throw new BerthError(
      'IMAGE_NOT_FOUND',
      `"${image.slice(0, 100)}" is not an image name (name[:tag] or name@sha256:…)`,
    );
  }
  const first = m[1];
  // `team/app` is a path on the default registry; `registry.example.com/app` and `10.0.0.5:5000/app` name one.
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { registry: first, name: image };
  }
  return { name: image };
}

export function imageSource(deps: {
  docker: Docker;
  registries: readonly string[];
  timeoutMs: number;
}): SourceKind<'image'> {
  const { docker } = deps;

  async function inspect(name: string) {
    try {
      return await docker.getImage(name).inspect();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw new BerthError(
        'DOCKER_UNAVAILABLE',
        `The Docker engine did not answer: ${(err as Error).message}`,
      );
    }
  }

  function check(image: string): ImageReference {
    const ref = parseImageReference(image);
    if (ref.registry && !deps.registries.includes(ref.registry)) {
      throw new BerthError(
        'IMAGE_REGISTRY_NOT_ALLOWED',
        `${ref.registry} is not a registry this Berth pulls from (BERTH_IMAGE_REGISTRIES: ${deps.registries.join(', ') || 'none'})`,
      );
    }
    return ref;
  }

  async function pull(name: string, signal: AbortSignal, log: (line: string) => void): Promise<void> {
    log(`-----> Pulling ${name}`);
    const stream = await docker.pull(name, {
      abortSignal: AbortSignal.any([signal, AbortSignal.timeout(deps.timeoutMs)]),
    });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, output: Array<{ error?: string }>) => {
        const failed = err?.message ?? output.find((o) => o.error)?.error;
        if (failed) reject(new BerthError('IMAGE_NOT_FOUND', `${name} could not be pulled: ${failed}`));
        else resolve();
      });
    });
  }

  return {
    async check(_app, spec) {
      check(spec.image);
      return spec;
    },
    async resolve(_app, spec, step) {
      const ref = check(spec.image);
      let found = await inspect(spec.image);
      if (!found && ref.registry) {
        try {
          await pull(spec.image, step.signal, step.log);
        } catch (err) {
          if (err instanceof BerthError) throw err;
          throw new BerthError(
            'IMAGE_NOT_FOUND',
            `${spec.image} could not be pulled: ${(err as Error).message}`,
          );
        }
        found = await inspect(spec.image);
      }
      if (!found) {
        throw new BerthError(
          'IMAGE_NOT_FOUND',
          ref.registry
            ? `${spec.image} is not in ${ref.registry}`
            : `${spec.image} is not on the Docker host (and Berth does not pull from Docker Hub)`,
        );
      }
      return { type: 'image', image: spec.image, digest: found.Id };
    },
    async materialize(_app, _spec, origin) {
      const found = await inspect(origin.digest);
      if (!found)
        throw new BerthError(
          'IMAGE_NOT_FOUND',
          `${origin.image} (${origin.digest}) is no longer on the Docker host`,
        );
      return { kind: 'image', image: origin.image, digest: found.Id, cmd: found.Config?.Cmd ?? [] };
    },
  };
}
