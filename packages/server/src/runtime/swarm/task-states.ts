// Swarm's task states, and what each means for an instance. A task is one run of an instance's
// service; Swarm makes a new task for every restart, so an instance's history is its service's task
// list (Swarm keeps the last few, `TaskHistoryRetentionLimit`, 5 by default).
//
//   new, allocated, pending, assigned, accepted, ready, preparing, starting
//                      → `pending`: not running yet. The instance is `starting` (its first task) or
//                        stays in `backoff` (a task replacing a crashed one: Swarm waits the
//                        restart delay in `ready`).
//   running            → `running`: the instance runs (a new task after another ended is a restart).
//   complete           → exited with code 0: the instance is `exited`, Swarm does not restart it
//                        (restart condition on-failure).
//   failed             → exited with another code, or killed: a crash (`backoff`, or `crashloop`
//                        once Swarm's MaxAttempts, the driver's crash-loop count, are used up).
//   rejected           → could not be started (no such image, bad mount): a crash, except for the
//                        first task, where `start` fails with RUNTIME_START_FAILED and Swarm's error.
//   shutdown, orphaned, remove
//                      → `gone`: ended by Swarm itself (the service was scaled down or updated, its
//                        node left the swarm): an exit that is not a crash; when Swarm starts a
//                        replacement, that is a restart.
export interface SwarmTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  CreatedAt: string;
  DesiredState: string;
  Status: {
    Timestamp: string;
    State: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
    PortStatus?: { Ports?: Array<{ TargetPort?: number; PublishedPort?: number }> };
  };
}

export type TaskPhase = 'pending' | 'running' | 'complete' | 'failed' | 'rejected' | 'gone';

const PHASES: Record<string, TaskPhase> = {
  new: 'pending',
  allocated: 'pending',
  pending: 'pending',
  assigned: 'pending',
  accepted: 'pending',
  ready: 'pending',
  preparing: 'pending',
  starting: 'pending',
  running: 'running',
  complete: 'complete',
  failed: 'failed',
  rejected: 'rejected',
  shutdown: 'gone',
  orphaned: 'gone',
  remove: 'gone',
};

/** A state this table does not know (a later API version) counts as not running yet. */
export function taskPhase(task: SwarmTask): TaskPhase {
  return PHASES[task.Status.State] ?? 'pending';
}

export function taskEnded(task: SwarmTask): boolean {
  const phase = taskPhase(task);
  return phase !== 'pending' && phase !== 'running';
}

/** Tasks in the order Swarm made them. */
export function byCreation(tasks: readonly SwarmTask[]): SwarmTask[] {
  return [...tasks].sort((a, b) => Date.parse(a.CreatedAt) - Date.parse(b.CreatedAt));
}

/** The port the node publishes `containerPort` of a running task on. */
export function publishedPort(task: SwarmTask, containerPort: number): number | undefined {
  return task.Status.PortStatus?.Ports?.find((p) => p.TargetPort === containerPort)?.PublishedPort;
}
