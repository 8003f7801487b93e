// Where the Berth builder's steps run, one kind per runtime, chosen by the composition root (the
// engine does not ask which runtime it has):
//
//   host        on this host, as the environment's build identity when berthd is root (after every
//               step every process of that identity is killed: nothing a build starts outlives its
//               step), else as berthd's own user;
//   container   each step in a one-off container of the runtime's stack image, as the build uid
//               (build/container/); the image the release's instances run is that stack image.
import type { EnvName } from '@berth/sdk';
import { type Builder, containerTools, createBuilders, runStep, type StepExecutor } from '../build/index.ts';
import type { Logger } from '../logger.ts';
import type { HostIdentity, Tenants } from '../tenants/index.ts';
import { type EngineContainers, stackRuntimeOf } from './engine-deps.ts';

/** One build of an environment's source, at its place. */
export interface PlacedBuild {
  /** The language builders (node, python, static, custom) with the tools of this place. */
  builders: readonly Builder[];
  /** Runs each step (absent: steps run as child processes of berthd, as berthd's user). */
  exec?: StepExecutor;
  /** Who the steps run as (absent: berthd's user). */
  user?: { uid: number; gid: number };
  /** The image the release's instances run, once the build says what it made (container places). */
  image(builtRuntime: string): Promise<string | undefined>;
}

export interface BuildPlace {
  readonly kind: 'host' | 'container';
  /** `identity`: the environment's build identity (berthd as root), already reaped. */
  begin(o: {
    app: string;
    env: EnvName;
    runtime: string;
    identity: HostIdentity | undefined;
    log: (line: string) => void;
  }): PlacedBuild;
}

export function hostBuildPlace(deps: { logger: Logger; tenants?: Tenants | undefined }): BuildPlace {
  const builders = createBuilders({ logger: deps.logger });
  return {
    kind: 'host',
    begin({ identity }) {
      const none = async () => undefined;
      if (!identity || !deps.tenants) return { builders, image: none };
      const tenants = deps.tenants;
      const exec: StepExecutor = async (step) => {
        try {
          await runStep(step);
        } finally {
          await tenants.reap(identity);
        }
      };
      return { builders, exec, user: { uid: identity.uid, gid: identity.gid }, image: none };
    },
  };
}

export function containerBuildPlace(deps: { containers: EngineContainers; logger: Logger }): BuildPlace {
  const { containers } = deps;
  const tools = containerTools();
  const builders = createBuilders({ logger: deps.logger, tools: tools.tools });
  return {
    kind: 'container',
    begin({ app, runtime, identity, log }) {
      // A berthd that is not root has no build identities: its steps run as berthd's own uid.
      const uid = identity ? identity.uid : (process.getuid?.() ?? 0);
      const gid = identity ? identity.gid : (process.getgid?.() ?? 0);
      // The stack image is resolved on the first step, so a static site without a build command
      // needs no image.
      let image: string | undefined;
      let executor: StepExecutor | undefined;
      const exec: StepExecutor = async (step) => {
        if (!executor) {
          image = await containers.stackImage(stackRuntimeOf(runtime), log);
          log(`-----> Building in ${image} as uid ${uid}`);
          executor = containers.stepExecutor({
            image,
            uid,
            gid,
            toolMounts: tools.mounts,
            toolEnv: tools.env,
            label: app,
          });
        }
        return executor(step);
      };
      return {
        builders,
        exec,
        ...(identity ? { user: { uid, gid } } : {}),
        async image(builtRuntime) {
          // Static sites run no instances: the stack image only served the build command, if any.
          if (builtRuntime === 'static') return undefined;
          return image ?? containers.stackImage(stackRuntimeOf(builtRuntime), log);
        },
      };
    },
  };
}
