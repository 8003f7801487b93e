// What the process driver holds per instance, and its two outward views: InstanceInfo (callers)
// and InstanceRecord (state file).
import type { ChildProcess } from 'node:child_process';
import type { InstanceExit, InstanceInfo, InstanceSpec, InstanceState } from '../driver.ts';
import { type CrashHistory, NO_CRASHES } from '../restart-policy.ts';
import type { LogCollector } from './log-collector.ts';
import type { InstanceRecord } from './state-files.ts';

export interface ProcessInstance {
  spec: InstanceSpec;
  state: InstanceState;
  port?: number;
  /** Process group leader of the current (or last) process. */
  pid?: number;
  procStartTime?: number;
  startedAt?: number;
  restarts: number;
  lastExit?: InstanceExit;
  history: CrashHistory;
  /** Our child while we spawned it; undefined for adopted processes and between processes. */
  child?: ChildProcess;
  /** Resolves when the current child has exited (set for our children only). */
  exited?: Promise<void>;
  /** Watched by polling: spawned by an earlier berthd. */
  adopted: boolean;
  /** Pending back-off restart. */
  restartTimer?: NodeJS.Timeout | undefined;
  /** A spawn in progress (stop waits for it). */
  spawning?: Promise<void> | undefined;
  stopRequested: boolean;
  stopping?: Promise<void>;
  /** Consecutive moves to a new port after an early death on a taken port. */
  portMoves: number;
  collector: LogCollector;
}

export function newInstance(spec: InstanceSpec, collector: LogCollector): ProcessInstance {
  return {
    spec,
    state: 'starting',
    restarts: 0,
    history: { ...NO_CRASHES, crashes: [] },
    adopted: false,
    stopRequested: false,
    portMoves: 0,
    collector,
  };
}

export function fromRecord(record: InstanceRecord, collector: LogCollector): ProcessInstance {
  const instance = newInstance(record.spec, collector);
  instance.state = record.state;
  instance.restarts = record.restarts;
  instance.history = record.history ?? { crashes: [], streak: 0 };
  if (record.port !== undefined) instance.port = record.port;
  if (record.pid !== undefined) instance.pid = record.pid;
  if (record.procStartTime !== undefined) instance.procStartTime = record.procStartTime;
  if (record.startedAt !== undefined) instance.startedAt = record.startedAt;
  if (record.lastExit !== undefined) instance.lastExit = record.lastExit;
  return instance;
}

export function toRecord(instance: ProcessInstance): InstanceRecord {
  const record: InstanceRecord = {
    spec: instance.spec,
    state: instance.state,
    restarts: instance.restarts,
    history: instance.history,
  };
  if (instance.pid !== undefined) record.pid = instance.pid;
  if (instance.procStartTime !== undefined) record.procStartTime = instance.procStartTime;
  if (instance.startedAt !== undefined) record.startedAt = instance.startedAt;
  if (instance.port !== undefined) record.port = instance.port;
  if (instance.lastExit !== undefined) record.lastExit = instance.lastExit;
  return record;
}

const LIVE_STATES: ReadonlySet<InstanceState> = new Set(['starting', 'running', 'stopping']);

export function instanceInfo(instance: ProcessInstance, host: string): InstanceInfo {
  const { spec } = instance;
  const info: InstanceInfo = {
    id: spec.id,
    app: spec.app,
    env: spec.env,
    release: spec.release,
    processType: spec.processType,
    index: spec.index,
    state: instance.state,
    restarts: instance.restarts,
  };
  if (instance.port !== undefined) {
    info.address = { host, port: instance.port };
    info.port = instance.port;
  }
  if (instance.pid !== undefined && LIVE_STATES.has(instance.state)) {
    info.pid = instance.pid;
    if (instance.startedAt !== undefined) info.startedAt = instance.startedAt;
  }
  if (instance.lastExit !== undefined) info.lastExit = { ...instance.lastExit };
  return info;
}
