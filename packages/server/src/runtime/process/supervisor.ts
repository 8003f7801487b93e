// Supervision of one process instance: spawn, notice its death, restart with back-off or declare a
// crash loop, and stop it (SIGTERM to the group, grace, SIGKILL).
//
// Our own children are watched through their `exit` event. Processes adopted from an earlier berthd
// are not our children, so they cannot be waited for: the driver polls them (`checkAdopted`), and
// their exit code is unknown (lastExit.code null). Both then follow the same restart policy.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../logger.ts';
import type { RuntimeEvent } from '../driver.ts';
import { decideAfterCrash } from '../restart-policy.ts';
import type { RuntimeEvents } from '../runtime-events.ts';
import { launchPlan, spawned, spawnPlan } from './launch-plan.ts';
import type { PortAllocator } from './port-allocator.ts';
import { isSameProcessAlive, processGroupMembers, readProcStat } from './proc.ts';
import { signalGroup, stopGroup } from './process-group.ts';
import { instanceInfo, type ProcessInstance, toRecord } from './process-instance.ts';
import type { ResolvedOptions } from './process-options.ts';
import type { StateFiles } from './state-files.ts';

/** Moves to a new port in a row before an early death counts as a crash again. */
const MAX_PORT_MOVES = 3;
/** How long a stopped child gets to be reaped after its group is gone. */
const REAP_WAIT_MS = 5000;

export interface SupervisorContext {
  options: ResolvedOptions;
  logger: Logger;
  events: RuntimeEvents;
  ports: PortAllocator;
  stateFiles: StateFiles;
  isClosed(): boolean;
  /** Drops a stopped instance from the driver's table. */
  forget(id: string): void;
}

export function emit(ctx: SupervisorContext, event: RuntimeEvent, instance: ProcessInstance): void {
  if (ctx.isClosed()) return;
  ctx.events.emit(event, instanceInfo(instance, ctx.options.host));
}

export function persist(ctx: SupervisorContext, instance: ProcessInstance): void {
  try {
    ctx.stateFiles.write(toRecord(instance));
  } catch (err) {
    ctx.logger.error({ err, instance: instance.spec.id }, 'cannot write the instance state file');
  }
}

/** Spawns the instance's process; resolves once it runs, throws RUNTIME_START_FAILED otherwise. */
export function spawnProcess(ctx: SupervisorContext, instance: ProcessInstance): Promise<void> {
  const pending = doSpawn(ctx, instance).finally(() => {
    if (instance.spawning === pending) instance.spawning = undefined;
  });
  instance.spawning = pending;
  return pending;
}

async function doSpawn(ctx: SupervisorContext, instance: ProcessInstance): Promise<void> {
  const { spec } = instance;
  const { options } = ctx;
  instance.state = 'starting';
  if (spec.listen && instance.port === undefined) {
    instance.port = await ctx.ports.allocate();
  }
  // The engine says who runs it (a run identity with its home); without one (berthd not root) it
  // runs as berthd's user with a home in the data dir.
  const plan = launchPlan(spec, options, spec.listen ? instance.port : undefined);
  if (plan.unenforced.length > 0 && instance.restarts === 0) {
    ctx.logger.info(
      { instance: spec.id, limits: plan.unenforced },
      'the process runtime cannot enforce these limits',
    );
  }

  const fds = instance.collector.openSpoolWriters();
  let child: ChildProcess;
  try {
    child = spawnPlan(plan, spec.artifactDir, ['ignore', fds.stdout, fds.stderr]);
  } finally {
    fs.closeSync(fds.stdout);
    fs.closeSync(fds.stderr);
  }
  let isSpawned = false;
  child.once('exit', (code, signal) => {
    if (isSpawned) void onChildExit(ctx, instance, child, code, signal);
  });
  await spawned(child, spec.command[0]);
  isSpawned = true;
  child.on('error', (err) => ctx.logger.warn({ err, instance: spec.id }, 'child process error'));
  child.unref();
  const pid = child.pid!;
  instance.child = child;
  instance.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  instance.adopted = false;
  instance.pid = pid;
  const stat = readProcStat(pid);
  if (stat) instance.procStartTime = stat.startTime;
  else delete instance.procStartTime;
  instance.startedAt = Date.now();
  instance.state = 'running';
  persist(ctx, instance);
}

async function onChildExit(
  ctx: SupervisorContext,
  instance: ProcessInstance,
  child: ChildProcess,
  code: number | null,
  signal: NodeJS.Signals | null,
): Promise<void> {
  if (instance.child !== child) return;
  instance.child = undefined;
  if (ctx.isClosed()) return;
  instance.lastExit = { code, signal, at: Date.now() };
  if (instance.stopRequested) return; // stopInstance finishes
  await handleDeath(ctx, instance);
}

/** Called by the driver's liveness poll for processes adopted from an earlier berthd. */
export function checkAdopted(ctx: SupervisorContext, instance: ProcessInstance): void {
  if (!instance.adopted || instance.stopRequested || instance.state !== 'running') return;
  if (instance.pid !== undefined && instance.procStartTime !== undefined) {
    if (isSameProcessAlive(instance.pid, instance.procStartTime)) return;
  }
  instance.adopted = false;
  instance.lastExit = { code: null, signal: null, at: Date.now() };
  void handleDeath(ctx, instance);
}

/**
 * The instance's main process is gone (lastExit set) and nobody asked for it: kill what is left of
 * its group, then exit cleanly, move port, back off and restart, or give up (crash loop).
 * `restartNow` restarts at once and resolves after it (recovery: berthd was away long enough).
 */
export async function handleDeath(
  ctx: SupervisorContext,
  instance: ProcessInstance,
  opts: { restartNow?: boolean } = {},
): Promise<void> {
  const { spec } = instance;
  const exit = instance.lastExit ?? { code: null, signal: null, at: Date.now() };
  const uptime = instance.startedAt !== undefined ? exit.at - instance.startedAt : undefined;
  killLeftovers(ctx, instance);
  collectLogs(ctx, instance, true);

  if (exit.code === 0 && exit.signal === null) {
    instance.state = 'exited';
    persist(ctx, instance);
    emit(ctx, 'exit', instance);
    instance.collector.end();
    ctx.logger.info({ instance: spec.id }, 'instance exited with code 0; not restarting');
    return;
  }

  const early = uptime !== undefined && uptime < ctx.options.portConflictWindowMs;
  if (!early) instance.portMoves = 0;
  if (spec.listen && instance.port !== undefined && early && instance.portMoves < MAX_PORT_MOVES) {
    const port = instance.port;
    instance.state = 'backoff';
    if (await ctx.ports.isTaken(port)) {
      if (instance.stopRequested || ctx.isClosed()) return;
      ctx.ports.release(port);
      delete instance.port;
      instance.portMoves += 1;
      persist(ctx, instance);
      emit(ctx, 'exit', instance);
      ctx.logger.warn(
        { instance: spec.id, port },
        'instance died early on a port taken by another process; moving it',
      );
      await restartNow(ctx, instance);
      return;
    }
    if (instance.stopRequested || ctx.isClosed()) return;
  }

  const decision = decideAfterCrash(instance.history, ctx.options.policy, exit.at, uptime);
  instance.history = decision.history;
  if (decision.action === 'crashloop') {
    instance.state = 'crashloop';
    persist(ctx, instance);
    emit(ctx, 'exit', instance);
    emit(ctx, 'crashloop', instance);
    instance.collector.end();
    ctx.logger.warn({ instance: spec.id, exit }, 'instance is crash-looping; not restarting');
    return;
  }
  instance.state = 'backoff';
  persist(ctx, instance);
  emit(ctx, 'exit', instance);
  if (opts.restartNow) {
    ctx.logger.info({ instance: spec.id }, 'instance died while berthd was away; restarting');
    await restartNow(ctx, instance);
    return;
  }
  const { delayMs } = decision;
  ctx.logger.info({ instance: spec.id, exit, delayMs }, 'instance crashed; restarting after back-off');
  instance.restartTimer = setTimeout(() => {
    instance.restartTimer = undefined;
    void restartNow(ctx, instance);
  }, delayMs);
  instance.restartTimer.unref();
}

/** Spawns the instance again; a failure to spawn counts as a crash. */
export async function restartNow(ctx: SupervisorContext, instance: ProcessInstance): Promise<void> {
  if (ctx.isClosed() || instance.stopRequested) return;
  instance.restarts += 1;
  try {
    await spawnProcess(ctx, instance);
  } catch (err) {
    if (ctx.isClosed() || instance.stopRequested) return;
    ctx.logger.warn({ err, instance: instance.spec.id }, 'restart failed');
    const now = Date.now();
    instance.startedAt = now;
    delete instance.pid;
    instance.lastExit = { code: null, signal: null, at: now };
    await handleDeath(ctx, instance);
    return;
  }
  ctx.logger.info({ instance: instance.spec.id, pid: instance.pid }, 'instance restarted');
  emit(ctx, 'restart', instance);
}

/** Starts watching a live process spawned by an earlier berthd. */
export function adopt(ctx: SupervisorContext, instance: ProcessInstance): void {
  instance.adopted = true;
  instance.state = 'running';
  if (instance.port !== undefined) ctx.ports.reserve(instance.port);
  persist(ctx, instance);
}

/** SIGTERM to the group, grace, SIGKILL; then forget the instance and free what it held. */
export function stopInstance(
  ctx: SupervisorContext,
  instance: ProcessInstance,
  graceMs: number,
): Promise<void> {
  instance.stopping ??= (async () => {
    instance.stopRequested = true;
    clearTimeout(instance.restartTimer);
    instance.restartTimer = undefined;
    await instance.spawning?.catch(() => {});
    const hadProcess = groupIsOurs(instance);
    instance.state = 'stopping';
    persist(ctx, instance);
    if (hadProcess && instance.pid !== undefined) {
      const outcome = await stopGroup(instance.pid, graceMs);
      if (instance.child) {
        await Promise.race([instance.exited, sleep(REAP_WAIT_MS)]);
      } else if (instance.adopted || instance.lastExit === undefined) {
        instance.lastExit = {
          code: null,
          signal: outcome === 'killed' ? 'SIGKILL' : null,
          at: Date.now(),
        };
      }
      instance.adopted = false;
      ctx.logger.info({ instance: instance.spec.id, outcome }, 'instance process group stopped');
      emit(ctx, 'exit', instance);
    }
    collectLogs(ctx, instance, true);
    instance.collector.end();
    instance.collector.close(true);
    ctx.stateFiles.remove(instance.spec.id);
    if (instance.port !== undefined) ctx.ports.release(instance.port);
    instance.state = 'stopped';
    ctx.forget(instance.spec.id);
  })();
  return instance.stopping;
}

export function collectLogs(ctx: SupervisorContext, instance: ProcessInstance, final = false): void {
  try {
    instance.collector.collect(final);
  } catch (err) {
    ctx.logger.warn({ err, instance: instance.spec.id }, 'cannot collect instance logs');
  }
}

/**
 * True when `instance.pid` still names the instance's process group: our child, the same process
 * (start time matches), or — leader gone — members left in its group (a pid is not reused while it
 * is in use as a group id).
 */
export function groupIsOurs(instance: ProcessInstance): boolean {
  if (instance.pid === undefined) return false;
  if (instance.child) return true;
  const stat = readProcStat(instance.pid);
  if (stat) return stat.startTime === instance.procStartTime && stat.pgrp === instance.pid;
  return processGroupMembers(instance.pid).length > 0;
}

/** SIGKILL to whatever is left in the group of a dead main process (its children). */
function killLeftovers(ctx: SupervisorContext, instance: ProcessInstance): void {
  const pgid = instance.pid;
  if (pgid === undefined) return;
  const stat = readProcStat(pgid);
  if (stat && stat.startTime !== instance.procStartTime) return; // the pid belongs to someone else now
  try {
    signalGroup(pgid, 'SIGKILL');
  } catch (err) {
    ctx.logger.warn({ err, instance: instance.spec.id }, 'cannot kill the rest of the process group');
  }
}
