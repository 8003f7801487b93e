export { buildApp, pickBuilder } from './build-app.ts';
export {
  type BuildContext,
  type Builder,
  type BuildResult,
  type BuildRuntime,
  type BuildTools,
  DEFAULT_BUILD_TIMEOUT_MS,
} from './builder.ts';
export {
  type ContainerExecOptions,
  containerExecutor,
  removeBuildContainers,
} from './container/container-exec.ts';
export { type ContainerTools, containerTools } from './container/container-tools.ts';
export { type BuildersDeps, createBuilders, resolveTools } from './create-builders.ts';
export { type BuiltImage, buildImage, removeTag } from './dockerfile/build-image.ts';
export {
  type DockerfileApp,
  detectDockerfileApp,
  processesFromImage,
} from './dockerfile/dockerfile-manifest.ts';
export { runStep, showCommand, TAIL_LINES } from './run-step.ts';
export { cloneArtifact, sealArtifact } from './seal-artifact.ts';
export type { StepExecutor, StepRequest } from './step-exec.ts';
