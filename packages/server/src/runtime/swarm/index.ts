export { createSwarmDriver } from './swarm-driver.ts';
export type { SwarmDriverOptions } from './swarm-options.ts';
