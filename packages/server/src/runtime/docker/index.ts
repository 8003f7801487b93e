export { createDockerDriver, createDockerRuntime, type DockerRuntime } from './docker-driver.ts';
export { DEFAULT_LIMITS, type DockerDriverOptions } from './docker-options.ts';
export type { TaskRunner, TaskSpec } from './run-task.ts';
export { createStackImages, type StackImages } from './stack-images.ts';
