// What the Swarm driver knows about one instance, and how it follows the instance's task list. Swarm
// restarts crashed tasks itself (service-spec.ts maps the restart policy onto Swarm's); the driver
// reads the task list and reports what Swarm did, as the events and states of the RuntimeDriver
// contract (task-states.ts has the mapping). Pure: `followTasks` takes the tasks and the time and
// returns the events to emit, so every transition is tested without a swarm.
import type { InstanceExit, InstanceInfo, InstanceSpec, InstanceState, RuntimeEvent } from '../driver.ts';
import { containerInstanceInfo } from '../instance-info.ts';
import type { RestartPolicy } from '../restart-policy.ts';
import { byCreation, publishedPort, type SwarmTask, taskPhase } from './task-states.ts';

export interface SwarmInstance {
  spec: InstanceSpec;
  serviceId: string;
  state: InstanceState;
  restarts: number;
  address?: { host: string; port: number };
  port?: number;
  startedAt?: number;
  lastExit?: InstanceExit;
  /** The task whose run the instance's info describes (its latest running one). */
  task?: string;
  /** Tasks whose end was reported. */
  ended: Set<string>;
  /** A task of this instance ran or ended under the driver's watch: the next one is a restart. */
  ran: boolean;
  /** When recent crashes happened (inside the crash-loop window). */
  crashes: number[];
  /** Why the first task could not be started (a rejected task before any ran). */
  startError?: string;
}

export function newSwarmInstance(spec: InstanceSpec, serviceId: string): SwarmInstance {
  return { spec, serviceId, state: 'starting', restarts: 0, ended: new Set(), ran: false, crashes: [] };
}

export function swarmInstanceInfo(i: SwarmInstance): InstanceInfo {
  return containerInstanceInfo(i);
}

export interface FollowContext {
  policy: RestartPolicy;
  containerPort: number;
  now: number;
  /** The address of a node (GET /nodes/{id}: Status.Addr), when known. */
  nodeAddress: (nodeId: string) => string | undefined;
}

export type InstanceEvent = { event: RuntimeEvent; info: InstanceInfo };

const QUIET = new Set<InstanceState>(['stopping', 'stopped']);

/** Applies the instance's tasks (its service's) and returns the events, in order, with the info as
 *  it was at each. */
export function followTasks(
  i: SwarmInstance,
  tasks: readonly SwarmTask[],
  ctx: FollowContext,
): InstanceEvent[] {
  if (QUIET.has(i.state)) return [];
  const events: InstanceEvent[] = [];
  const emit = (event: RuntimeEvent) => events.push({ event, info: swarmInstanceInfo(i) });
  const ordered = byCreation(tasks);
  for (const task of ordered) {
    const phase = taskPhase(task);
    if (phase === 'pending' || phase === 'running' || i.ended.has(task.ID)) continue;
    i.ended.add(task.ID);
    if (phase === 'rejected' && !i.ran && i.state === 'starting') {
      i.startError = task.Status.Err ?? 'rejected';
      continue;
    }
    const wasRun = i.ran;
    i.ran = true;
    if (i.state === 'crashloop' || i.state === 'exited') continue;
    const at = Date.parse(task.Status.Timestamp) || ctx.now;
    // A run that ended before a poll saw it running (a crash at once): its start was a restart too.
    if (task.ID !== i.task && wasRun) {
      i.task = task.ID;
      i.restarts += 1;
      i.state = 'running';
      emit('restart');
    }
    i.task = task.ID;
    const code = task.Status.ContainerStatus?.ExitCode;
    i.lastExit = { code: phase === 'rejected' || code === undefined ? null : code, signal: null, at };
    if (phase === 'complete') {
      i.state = 'exited';
      emit('exit');
    } else if (phase === 'gone') {
      i.state = 'starting';
      emit('exit');
    } else {
      i.crashes = [...i.crashes.filter((c) => ctx.now - c < ctx.policy.crashLoopWindowMs), at];
      i.state = i.crashes.length >= ctx.policy.crashLoopCrashes ? 'crashloop' : 'backoff';
      emit('exit');
      if (i.state === 'crashloop') emit('crashloop');
    }
  }
  if (i.state === 'crashloop' || i.state === 'exited') return events;
  const running = ordered.filter((t) => taskPhase(t) === 'running' && t.DesiredState === 'running').at(-1);
  // A new run, or the run an adopted instance had (`adoptTasks`), seen running for the first time.
  if (running && (running.ID !== i.task || i.state === 'starting')) {
    const port = publishedPort(running, ctx.containerPort);
    const host = running.NodeID ? ctx.nodeAddress(running.NodeID) : undefined;
    // A listen instance counts as running once its port and node address are known.
    if (!i.spec.listen || (port !== undefined && host !== undefined)) {
      const restart = i.ran && running.ID !== i.task;
      i.ran = true;
      i.task = running.ID;
      i.state = 'running';
      i.startedAt = Date.parse(running.Status.Timestamp) || ctx.now;
      if (i.spec.listen && port !== undefined && host !== undefined) {
        i.address = { host, port };
        i.port = ctx.containerPort;
      }
      if (restart) {
        i.restarts += 1;
        emit('restart');
      }
    }
  }
  return events;
}

/**
 * After a berthd restart, before `followTasks`: the tasks before `lastKnown` (the task the previous
 * driver reported last, kept in the data dir) were reported already; `lastKnown` and those after it
 * are reported by `followTasks` (a crash and restart while berthd was down is one). Without a
 * record, the history counts as reported and the running task is taken as it is, not a restart.
 */
export function adoptTasks(
  i: SwarmInstance,
  tasks: readonly SwarmTask[],
  lastKnown: string | undefined,
): void {
  const ordered = byCreation(tasks);
  const cut = lastKnown ? ordered.findIndex((t) => t.ID === lastKnown) : -1;
  const reported = cut >= 0 ? ordered.slice(0, cut) : ordered;
  for (const t of reported) if (taskPhase(t) !== 'pending' && taskPhase(t) !== 'running') i.ended.add(t.ID);
  if (cut >= 0) {
    i.task = lastKnown;
    i.ran = true;
  }
}
