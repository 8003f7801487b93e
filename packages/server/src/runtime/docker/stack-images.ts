// The stack images as berthd needs them with BERTH_RUNTIME=docker: looked up on first need, not at
// start (a build takes minutes), built when missing, one build at a time per image (callers that
// arrive meanwhile wait for the same build), and never waited for longer than the time limit: a
// build that hangs fails the deploy with STACK_IMAGE_BUILD_FAILED instead of holding it forever.
import type Docker from 'dockerode';
import { BerthError } from '../../errors.ts';
import { imageExists } from '../../images/engine.ts';
import { ensureStackImage, STACK_IMAGES, type StackName } from '../../images/index.ts';
import type { Logger } from '../../logger.ts';

export interface StackImages {
  /** The image of a manifest runtime ('custom' and anything but python run in node's stack). */
  ensure(runtime: string, log?: (line: string) => void): Promise<string>;
}

export const STACK_BUILD_TIMEOUT_MS = 20 * 60_000;

export function createStackImages(opts: {
  docker: Docker;
  logger: Logger;
  dataDir: string;
  mirror?: string | undefined;
  timeoutMs?: number;
}): StackImages {
  const building = new Map<StackName, Promise<string>>();
  const logger = opts.logger.child({ mod: 'images' });

  const build = (name: StackName): Promise<string> => {
    let pending = building.get(name);
    if (!pending) {
      pending = ensureStackImage({
        docker: opts.docker,
        logger,
        dataDir: opts.dataDir,
        name,
        ...(opts.mirror ? { mirror: opts.mirror } : {}),
      });
      building.set(name, pending);
      const forget = () => building.delete(name);
      pending.then(forget, forget);
    }
    return pending;
  };

  return {
    async ensure(runtime, log) {
      const name: StackName = runtime === 'python' ? 'python' : 'node';
      const ref = STACK_IMAGES[name];
      if (!building.has(name) && (await imageExists(opts.docker, ref))) return ref;
      log?.(`-----> The stack image ${ref} is missing: building it (this takes a few minutes)`);
      const limit = opts.timeoutMs ?? STACK_BUILD_TIMEOUT_MS;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new BerthError(
                'STACK_IMAGE_BUILD_FAILED',
                `Building ${ref} took longer than ${limit / 60_000} min`,
              ),
            ),
          limit,
        );
        timer.unref();
      });
      try {
        const built = await Promise.race([build(name), timeout]);
        log?.(`-----> Built the stack image ${ref}`);
        return built;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
