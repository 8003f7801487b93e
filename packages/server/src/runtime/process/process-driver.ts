// The embedded runtime: each instance is a supervised child process of berthd, in its own process
// group, listening on a loopback port, running as the spec's user (its environment's run identity,
// a Unix user of its own) when berthd is root.
//
// Pieces: supervisor.ts (spawn, crash handling, back-off, stop), state-files.ts (what survives a
// berthd restart), log-collector.ts / log-reader.ts (logs), app-dirs.ts (homes without a user),
// port-allocator.ts, limits.ts (what can and cannot be enforced for processes).
//
// One-off runs (release commands, `berth run`) are run-once.ts: not instances, killed with their
// whole process group when they end, and by `recover()` when a dead berthd left them running.
//
// After a berthd restart, `recover()` reads the state files and, for every instance that should be
// running: a process that still lives (same pid *and* same /proc start time) is adopted, not
// restarted, so a berthd upgrade or crash does not restart every app; a process that is gone is
// restarted at once (and counted as a crash for crash-loop detection). Interrupted stops are finished;
// crash-looped and exited instances stay as they were.
//
// Instances run in their own sessions, so berthd's terminal signals and exit do not reach them. A
// service manager that kills the whole cgroup on stop (systemd's default KillMode=control-group)
// would still take them down: run berthd with KillMode=process for instances to outlive restarts.
// Not covered without cgroups: memory and CPU limits (limits.ts), processes that leave their process
// group, and a berthd death in the microseconds between spawning a process and recording its pid.
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, isBerthError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { InstanceInfo, InstanceSpec, LogOptions, RuntimeDriver } from '../driver.ts';
import { guardDriver } from '../guarded-driver.ts';
import { createRuntimeEvents } from '../runtime-events.ts';
import { createLogCollector } from './log-collector.ts';
import { logPaths, snapshotLogFiles, sweepOldLogs } from './log-files.ts';
import { streamLogs } from './log-reader.ts';
import { createPortAllocator } from './port-allocator.ts';
import { isSameProcessAlive } from './proc.ts';
import { fromRecord, instanceInfo, newInstance, type ProcessInstance } from './process-instance.ts';
import { type ProcessDriverOptions, type ResolvedOptions, resolveOptions } from './process-options.ts';
import { killLeftRuns, runOnceAsProcess } from './run-once.ts';
import { createStateFiles } from './state-files.ts';
import {
  adopt,
  checkAdopted,
  collectLogs,
  handleDeath,
  restartNow,
  type SupervisorContext,
  spawnProcess,
  stopInstance,
} from './supervisor.ts';

const SWEEP_EVERY_MS = 60 * 60_000;

export function createProcessDriver(options: ProcessDriverOptions): RuntimeDriver {
  const logger = options.logger.child({ mod: 'runtime', driver: 'process' });
  return guardDriver(createRawProcessDriver(resolveOptions(options), logger), logger);
}

function createRawProcessDriver(options: ResolvedOptions, logger: Logger): RuntimeDriver {
  const table = new Map<string, ProcessInstance>();
  const events = createRuntimeEvents(logger);
  const logDir = path.join(options.dataDir, 'logs', 'instances');
  fs.mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const stateFiles = createStateFiles(options.dataDir, options.secretBox);
  const ports = createPortAllocator({
    host: options.host,
    ...(options.ports ? { range: options.ports } : {}),
  });
  let closed = false;

  const ctx: SupervisorContext = {
    options,
    logger,
    events,
    ports,
    stateFiles,
    isClosed: () => closed,
    forget: (id) => table.delete(id),
  };
  const collectorFor = (id: string) => createLogCollector(id, logPaths(logDir, id), options.logs);
  const info = (instance: ProcessInstance) => instanceInfo(instance, options.host);

  const sweep = () => {
    try {
      const live = new Set([...table.keys(), ...stateFiles.ids()]);
      const removed = sweepOldLogs(logDir, live, options.logs.retainMs, Date.now());
      if (removed.length > 0) logger.info({ instances: removed.length }, 'removed old instance logs');
    } catch (err) {
      logger.warn({ err }, 'log retention sweep failed');
    }
  };
  const timers = [
    setInterval(() => {
      for (const instance of table.values()) if (!instance.collector.ended) collectLogs(ctx, instance);
    }, options.logs.pollMs),
    setInterval(() => {
      for (const instance of table.values()) checkAdopted(ctx, instance);
    }, options.livenessPollMs),
    setInterval(sweep, SWEEP_EVERY_MS),
  ];
  for (const timer of timers) timer.unref();

  return {
    name: 'process',
    capabilities: { supervision: 'driver', artifacts: 'path' },

    async start(spec: InstanceSpec): Promise<InstanceInfo> {
      if (table.has(spec.id) || stateFiles.has(spec.id)) throw new BerthError('RUNTIME_INSTANCE_EXISTS');
      const instance = newInstance(spec, collectorFor(spec.id));
      table.set(spec.id, instance);
      try {
        await spawnProcess(ctx, instance);
      } catch (err) {
        table.delete(spec.id);
        instance.collector.close(true);
        stateFiles.remove(spec.id);
        if (instance.port !== undefined) ports.release(instance.port);
        if (isBerthError(err)) throw err;
        throw new BerthError('RUNTIME_START_FAILED', `Cannot start the instance: ${(err as Error).message}`);
      }
      return info(instance);
    },

    async stop(id, opts) {
      const instance = table.get(id);
      if (!instance) return;
      await stopInstance(ctx, instance, opts?.graceMs ?? options.stopGraceMs);
    },

    async list(filter) {
      return [...table.values()]
        .filter((i) => !filter?.app || i.spec.app === filter.app)
        .filter((i) => !filter?.env || i.spec.env === filter.env)
        .map(info)
        .sort(
          (a, b) =>
            a.app.localeCompare(b.app) ||
            a.env.localeCompare(b.env) ||
            a.processType.localeCompare(b.processType) ||
            a.index - b.index ||
            a.id.localeCompare(b.id),
        );
    },

    logs(id: string, opts: LogOptions = {}) {
      return streamLogs({
        instance: id,
        follow: opts.follow === true,
        tailLines: opts.tailLines,
        signal: opts.signal,
        open(follower) {
          const instance = table.get(id);
          if (instance) return instance.collector.snapshotAndFollow(follower);
          const snapshot = snapshotLogFiles(logPaths(logDir, id), options.logs.keepFiles);
          if (!snapshot) throw new BerthError('RUNTIME_INSTANCE_NOT_FOUND');
          follower?.end();
          return { snapshot, unfollow: () => {} };
        },
      });
    },

    runOnce: (spec, io) => runOnceAsProcess(spec, io, options, logger),

    async recover() {
      await killLeftRuns(options.dataDir, logger);
      const { records, broken } = stateFiles.readAll();
      for (const { file, error } of broken) logger.error({ file, error }, 'unreadable instance state file');
      const recovered: ProcessInstance[] = [];
      for (const record of records) {
        if (table.has(record.spec.id)) continue;
        const instance = fromRecord(record, collectorFor(record.spec.id));
        if (instance.port !== undefined) ports.reserve(instance.port);
        table.set(record.spec.id, instance);
        recovered.push(instance);
      }
      await Promise.all(recovered.map((instance) => recoverOne(instance)));
      sweep();
      return this.list();
    },

    async close() {
      closed = true;
      for (const timer of timers) clearInterval(timer);
      for (const instance of table.values()) {
        clearTimeout(instance.restartTimer);
        collectLogs(ctx, instance);
        instance.collector.end();
        instance.collector.close(false);
      }
      table.clear();
    },

    on: events.on,
    off: events.off,
  };

  async function recoverOne(instance: ProcessInstance): Promise<void> {
    const { spec } = instance;
    try {
      switch (instance.state) {
        case 'stopping':
          logger.info({ instance: spec.id }, 'finishing a stop interrupted by the berthd restart');
          void stopInstance(ctx, instance, options.stopGraceMs).catch((err) =>
            logger.error({ err, instance: spec.id }, 'cannot finish the interrupted stop'),
          );
          return;
        case 'crashloop':
        case 'exited':
        case 'stopped':
          instance.collector.end();
          return;
        case 'backoff':
          await restartNow(ctx, instance);
          return;
        default: {
          const { pid, procStartTime } = instance;
          if (pid !== undefined && procStartTime !== undefined && isSameProcessAlive(pid, procStartTime)) {
            adopt(ctx, instance);
            logger.info({ instance: spec.id, pid }, 'adopted a running instance');
            return;
          }
          instance.lastExit = { code: null, signal: null, at: Date.now() };
          await handleDeath(ctx, instance, { restartNow: true });
        }
      }
    } catch (err) {
      logger.error({ err, instance: spec.id }, 'cannot recover the instance');
    }
  }
}
