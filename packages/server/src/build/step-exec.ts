// How a build step is run. Builders only say what to run (argv, directory, environment); the
// executor decides where: as a process on this host (runStep, the default) or in a one-off container
// of the stack image (container/container-exec.ts). Either way it streams the output to the log and
// fails with BUILD_FAILED / BUILD_TIMEOUT the same way.
import type { StepOptions } from './run-step.ts';

export interface StepRequest extends StepOptions {
  /** The build's directories, so an executor that runs elsewhere can mount them. */
  dirs: {
    /** The artifact root (the build's output directory). */
    outDir: string;
    /** The app directory inside it: the step's working directory and HOME. */
    appDir: string;
    /** The tool cache outside the artifact, when there is one. */
    cacheDir: string | undefined;
  };
}

export type StepExecutor = (step: StepRequest) => Promise<void>;
