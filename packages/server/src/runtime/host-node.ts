// The nodes of a runtime: a cluster driver lists its own (`RuntimeDriver.nodes`); a single-host
// runtime (process, docker) has one, this host, described from the operating system, with the
// instances the driver runs.
import os from 'node:os';
import type { InstanceState, RuntimeDriver, RuntimeNode } from './driver.ts';

/** Instances that count as on the node: every state but stopping, stopped and exited (a crashed
 *  instance waiting for its restart is still the node's). */
const ON_NODE: ReadonlySet<InstanceState> = new Set(['starting', 'running', 'backoff', 'crashloop']);

/** This host as the one node of a single-host runtime. */
export async function hostNode(driver: Pick<RuntimeDriver, 'list'>): Promise<RuntimeNode> {
  const instances = (await driver.list()).filter((i) => ON_NODE.has(i.state)).length;
  const hostname = os.hostname();
  return {
    id: hostname,
    hostname,
    role: 'host',
    availability: 'active',
    state: 'ready',
    address: '127.0.0.1',
    labels: {},
    cpus: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    instances,
  };
}

/** The runtime's nodes: the cluster's, or this host alone. */
export async function runtimeNodes(driver: Pick<RuntimeDriver, 'list' | 'nodes'>): Promise<RuntimeNode[]> {
  return driver.nodes ? driver.nodes() : [await hostNode(driver)];
}
