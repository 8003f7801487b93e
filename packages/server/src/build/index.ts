export { buildApp, pickBuilder } from './build-app.ts';
export {
  type BuildContext,
  type Builder,
  type BuildResult,
  type BuildRuntime,
  type BuildTools,
  DEFAULT_BUILD_TIMEOUT_MS,
} from './builder.ts';
export { type BuildersDeps, createBuilders, resolveTools } from './create-builders.ts';
export { showCommand, TAIL_LINES } from './run-step.ts';
