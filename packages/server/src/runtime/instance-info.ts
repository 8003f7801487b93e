// The InstanceInfo a container runtime reports for an instance: who it is (from its spec) and what
// the driver knows of its current run. One builder for the Docker and Swarm drivers.
import type { InstanceExit, InstanceInfo, InstanceSpec, InstanceState } from './driver.ts';

export interface InstanceRun {
  spec: InstanceSpec;
  state: InstanceState;
  restarts: number;
  address?: { host: string; port: number } | undefined;
  port?: number | undefined;
  pid?: number | undefined;
  startedAt?: number | undefined;
  lastExit?: InstanceExit | undefined;
}

export function containerInstanceInfo(i: InstanceRun): InstanceInfo {
  return {
    id: i.spec.id,
    app: i.spec.app,
    env: i.spec.env,
    release: i.spec.release,
    processType: i.spec.processType,
    index: i.spec.index,
    state: i.state,
    ...(i.address ? { address: { ...i.address } } : {}),
    ...(i.port !== undefined ? { port: i.port } : {}),
    ...(i.pid !== undefined ? { pid: i.pid } : {}),
    ...(i.startedAt !== undefined ? { startedAt: i.startedAt } : {}),
    restarts: i.restarts,
    ...(i.lastExit ? { lastExit: { ...i.lastExit } } : {}),
  };
}
