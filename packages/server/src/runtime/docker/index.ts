export { createDockerDriver } from './docker-driver.ts';
export { DEFAULT_LIMITS, type DockerDriverOptions } from './docker-options.ts';
export { createStackImages, type StackImages } from './stack-images.ts';
