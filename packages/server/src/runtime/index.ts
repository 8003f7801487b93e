// The runtime module: the RuntimeDriver interface every driver implements, the shared pieces
// (spec checks, restart policy, the guarding wrapper) and the drivers, each in its own folder.
// Core code depends on `RuntimeDriver` only; the composition root picks a driver.
export type {
  InstanceExit,
  InstanceInfo,
  InstanceLimits,
  InstanceSpec,
  InstanceState,
  InstanceUser,
  LogLine,
  LogOptions,
  RunExit,
  RunIO,
  RunSpec,
  RuntimeCapabilities,
  RuntimeDriver,
  RuntimeEvent,
  RuntimeListener,
  RuntimeNode,
  TaskRunner,
} from './driver.ts';
export { guardDriver } from './guarded-driver.ts';
export { hostNode, runtimeNodes } from './host-node.ts';
export { INSTANCE_ID_PATTERN, validateInstanceSpec } from './instance-spec.ts';
export {
  backoffDelayMs,
  type CrashDecision,
  type CrashHistory,
  DEFAULT_RESTART_POLICY,
  decideAfterCrash,
  NO_CRASHES,
  type RestartPolicy,
} from './restart-policy.ts';
export { createRuntimeEvents, type RuntimeEvents } from './runtime-events.ts';
