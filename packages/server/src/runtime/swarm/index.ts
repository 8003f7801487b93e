export { createSwarmDriver } from './swarm-driver.ts';
export type { RegistryAuth, SwarmDriverOptions } from './swarm-options.ts';
