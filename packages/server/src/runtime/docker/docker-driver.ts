// The Docker runtime: each instance is a container started from its stack image, isolated by
// default (see container-config.ts), supervised by berthd itself: Docker's restart policy is off,
// and a container's `die` event goes through the same restart policy and crash-loop detection as
// the process driver (restart-policy.ts). A restart starts the same container again, so its log,
// its name and its home stay.
//
// Containers carry labels (berth.instance, berth.app, berth.env, berth.release, berth.process,
// berth.index, berth.spec and berth.owner, the installation's code). `recover()` adopts this
// berthd's running containers by label without restarting them and restarts dead ones; crash
// history is in memory only, so a recovered instance starts a fresh series.
//
// Not covered: apps that listen on 127.0.0.1 inside their container cannot be reached (they must
// listen on 0.0.0.0, as on any container platform); bridge networks are removed when an app's last
// container goes. Containers run Docker's init (container-config.ts), which forwards SIGTERM to the
// app; so a missing program does not fail `start`: the init reports it and the instance exits with
// 127, a crash like any other.
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { BerthError, isBerthError } from '../../errors.ts';
import { engineError, engineStatus } from '../../images/engine.ts';
import type { Logger } from '../../logger.ts';
import type { InstanceInfo, InstanceSpec, LogLine, LogOptions, RuntimeDriver } from '../driver.ts';
import { guardDriver } from '../guarded-driver.ts';
import { decideAfterCrash } from '../restart-policy.ts';
import { createRuntimeEvents } from '../runtime-events.ts';
import { type AppNetworks, createAppNetworks } from './app-networks.ts';
import { containerConfig, LABELS } from './container-config.ts';
import { type ContainerDeath, watchContainerDeaths } from './container-events.ts';
import {
  applyInspect,
  type DockerInstance,
  dockerInstanceInfo,
  newDockerInstance,
} from './docker-instance.ts';
import { archiveLogs, instanceLogs } from './docker-logs.ts';
import {
  type DockerDriverOptions,
  type ResolvedDockerOptions,
  resolveDockerOptions,
  stopTimeoutSeconds,
} from './docker-options.ts';
import { jobAbandoned } from './job-owner.ts';
import { sweepLogArchives } from './log-archive.ts';
import { containerUser } from './run-as.ts';
import { createTaskRunner, type RunOnce, TASK_LABEL } from './run-task.ts';

/** How often archived logs past their retention are looked for. */
const SWEEP_EVERY_MS = 60 * 60_000;

export function createDockerDriver(options: DockerDriverOptions): RuntimeDriver {
  const logger = options.logger.child({ mod: 'runtime', driver: 'docker' });
  const resolved = resolveDockerOptions(options);
  const networks = createAppNetworks(resolved, logger);
  // One-off runs (run-task.ts) share the app networks with the instances.
  const runTask = createTaskRunner(resolved, { networks, logger });
  return guardDriver(createRawDockerDriver(resolved, logger, { networks, runTask }), logger);
}

function createRawDockerDriver(
  options: ResolvedDockerOptions,
  logger: Logger,
  { networks, runTask }: { networks: AppNetworks; runTask: RunOnce },
): RuntimeDriver {
  const { docker } = options;
  const table = new Map<string, DockerInstance>();
  const events = createRuntimeEvents(logger);
  let closed = false;

  const deaths = watchContainerDeaths({
    docker,
    owner: options.owner,
    logger,
    onDeath: (death) => void onDeath(death),
    onReconnect: () => void recheckAll(),
  });

  // Archived logs of stopped instances go once BERTH_LOG_RETENTION has passed.
  const sweep = () => {
    try {
      const removed = sweepLogArchives(
        options.dataDir,
        new Set(table.keys()),
        options.logRetentionMs,
        Date.now(),
      );
      if (removed.length > 0) logger.info({ instances: removed.length }, 'removed old instance logs');
    } catch (err) {
      logger.warn({ err }, 'log retention sweep failed');
    }
  };
  const sweeper = setInterval(sweep, SWEEP_EVERY_MS);
  sweeper.unref();

  const emit = (event: 'exit' | 'crashloop' | 'restart', i: DockerInstance) =>
    events.emit(event, dockerInstanceInfo(i));

  async function refresh(i: DockerInstance): Promise<void> {
    applyInspect(i, await i.container.inspect(), options.containerPort);
  }

  async function onDeath(death: ContainerDeath): Promise<void> {
    const i = table.get(death.instance);
    if (!i || closed || i.containerId !== death.containerId) return;
    if (i.state !== 'running' && i.state !== 'starting') return; // stopping, or handled already
    const now = Date.now();
    i.lastExit = { code: death.exitCode, signal: null, at: now };
    i.pid = undefined;
    if (death.exitCode === 0) {
      i.state = 'exited';
      emit('exit', i);
      return;
    }
    const uptime = i.startedAt !== undefined ? now - i.startedAt : undefined;
    const decision = decideAfterCrash(i.history, options.policy, now, uptime);
    i.history = decision.history;
    if (decision.action === 'crashloop') {
      i.state = 'crashloop';
      emit('exit', i);
      emit('crashloop', i);
      logger.warn(
        { instance: i.spec.id, crashes: decision.history.crashes.length },
        'instance is crash-looping',
      );
      return;
    }
    i.state = 'backoff';
    emit('exit', i);
    i.timer = setTimeout(() => void restart(i), decision.delayMs);
  }

  async function restart(i: DockerInstance): Promise<void> {
    i.timer = undefined;
    if (closed || table.get(i.spec.id) !== i || i.state !== 'backoff') return;
    try {
      i.state = 'starting';
      try {
        await i.container.start();
      } catch (err) {
        // Removed from outside (`docker rm -f`): make the container again from the spec.
        if (engineStatus(err) !== 404) throw err;
        await recreate(i);
      }
      i.restarts += 1;
      await refresh(i);
      if (i.state === 'starting') i.state = 'running';
      emit('restart', i);
    } catch (err) {
      logger.error({ err, instance: i.spec.id }, 'restart failed');
      if (i.state === 'starting') {
        i.state = 'crashloop';
        emit('crashloop', i);
      }
    }
  }

  /** The instance's network, uid, home and artifact access, then its container (not started). */
  async function createContainerFor(spec: InstanceSpec): Promise<Docker.Container> {
    await networks.ensure(spec.app);
    return docker.createContainer(containerConfig(spec, options, containerUser(options.dataDir, spec)));
  }

  /** A fresh container for an instance whose container is gone; its old logs went with it. */
  async function recreate(i: DockerInstance): Promise<void> {
    logger.warn({ instance: i.spec.id }, 'the container was removed from outside; creating it again');
    const container = await createContainerFor(i.spec);
    i.container = container;
    i.containerId = container.id;
    await container.start();
  }

  /** After the event stream reconnected: deaths may have been missed. */
  async function recheckAll(): Promise<void> {
    for (const i of table.values()) {
      if (i.state !== 'running') continue;
      const data = await i.container.inspect().catch((err) => (engineStatus(err) === 404 ? null : undefined));
      // null: removed while the stream was down (the restart makes it again).
      if (data === null || (data && !data.State.Running)) {
        const exitCode = data ? data.State.ExitCode : -1;
        await onDeath({ instance: i.spec.id, containerId: i.containerId, exitCode });
      }
    }
  }

  async function start(spec: InstanceSpec): Promise<InstanceInfo> {
    if (table.has(spec.id)) throw new BerthError('RUNTIME_INSTANCE_EXISTS');
    await deaths.ready();
    let container: Docker.Container;
    try {
      container = await createContainerFor(spec);
    } catch (err) {
      if (engineStatus(err) === 409) throw new BerthError('RUNTIME_INSTANCE_EXISTS');
      throw startError(err);
    }
    const i = newDockerInstance(spec, container);
    table.set(spec.id, i);
    try {
      await container.start();
    } catch (err) {
      table.delete(spec.id);
      await container.remove({ force: true }).catch(() => {});
      throw startError(err);
    }
    await refresh(i).catch((err) => logger.warn({ err, instance: spec.id }, 'inspect after start failed'));
    if (i.state === 'starting') i.state = 'running';
    return dockerInstanceInfo(i);
  }

  async function stop(id: string, opts?: { graceMs?: number }): Promise<void> {
    const i = table.get(id);
    if (!i) return;
    if (i.timer) clearTimeout(i.timer);
    const wasAlive = i.state === 'running' || i.state === 'starting';
    i.state = 'stopping';
    const graceMs = opts?.graceMs ?? options.stopGraceMs;
    try {
      await i.container.stop({ t: stopTimeoutSeconds(graceMs) });
    } catch (err) {
      const status = engineStatus(err);
      if (status !== 304 && status !== 404) throw engineError(err);
    }
    const data = await i.container.inspect().catch(() => undefined);
    if (wasAlive && data) i.lastExit = { code: data.State.ExitCode, signal: null, at: Date.now() };
    try {
      await archiveLogs(i.container, id, options.dataDir);
    } catch (err) {
      logger.warn({ err, instance: id }, 'could not archive the logs of a stopped instance');
    }
    await removeContainer(i.container);
    table.delete(id);
    i.state = 'stopped';
    i.pid = undefined;
    if (wasAlive) emit('exit', i);
    if (![...table.values()].some((other) => other.spec.app === i.spec.app)) {
      await networks.removeIfUnused(i.spec.app);
    }
  }

  async function recover(): Promise<InstanceInfo[]> {
    await deaths.ready();
    const containers = await docker
      .listContainers({ all: true, filters: { label: [`${LABELS.owner}=${options.owner}`] } })
      .catch((err) => {
        throw engineError(err);
      });
    for (const summary of containers) {
      if (!summary.Labels[LABELS.instance]) {
        // A release command or a build step whose berthd died: its deploy failed or is retried
        // from the start. (Another live replica's one-off run is left to it: job-owner.ts.)
        if (summary.Labels[TASK_LABEL] && !jobAbandoned(summary.Labels, Date.now())) continue;
        await docker
          .getContainer(summary.Id)
          .remove({ force: true })
          .catch(() => {});
        continue;
      }
      const id = summary.Labels[LABELS.instance];
      const specText = summary.Labels[LABELS.spec];
      if (!id || !specText || table.has(id)) continue;
      let spec: InstanceSpec;
      try {
        spec = { ...(JSON.parse(specText) as Omit<InstanceSpec, 'vars'>), vars: {} };
      } catch (err) {
        logger.warn(
          { err, container: summary.Id },
          'container with an unreadable berth.spec label left alone',
        );
        continue;
      }
      const i = newDockerInstance(spec, docker.getContainer(summary.Id));
      table.set(id, i);
      const data = await i.container.inspect();
      applyInspect(i, data, options.containerPort);
      if (data.State.Running) {
        i.state = 'running';
        continue;
      }
      i.lastExit = {
        code: data.State.ExitCode,
        signal: null,
        at: Date.parse(data.State.FinishedAt) || Date.now(),
      };
      if (
        data.State.ExitCode === 0 &&
        data.State.FinishedAt &&
        !data.State.OOMKilled &&
        data.State.Status === 'exited'
      ) {
        i.state = 'exited';
        continue;
      }
      const decision = decideAfterCrash(i.history, options.policy, Date.now(), undefined);
      i.history = decision.history;
      i.state = 'backoff';
      await restart(i);
    }
    sweep();
    return list();
  }

  async function list(filter?: { app?: string; env?: string }): Promise<InstanceInfo[]> {
    return [...table.values()]
      .filter(
        (i) => (!filter?.app || i.spec.app === filter.app) && (!filter?.env || i.spec.env === filter.env),
      )
      .map(dockerInstanceInfo);
  }

  return {
    name: 'docker',
    capabilities: { supervision: 'driver', artifacts: 'path' },
    start,
    stop,
    list,
    logs(id: string, opts?: LogOptions): AsyncIterable<LogLine> {
      return instanceLogs(
        { dataDir: options.dataDir, lookup: (key) => table.get(key), endpoint: (i) => i.container },
        id,
        opts,
      );
    },
    runOnce: runTask,
    recover,
    async close() {
      closed = true;
      clearInterval(sweeper);
      deaths.close();
      for (const i of table.values()) if (i.timer) clearTimeout(i.timer);
    },
    on: events.on,
    off: events.off,
  };
}

/**
 * Removes a container, which a busy engine may refuse for a moment ("removal already in progress",
 * "device or resource busy"): tries again a few times, and counts a container that is gone as
 * removed.
 */
async function removeContainer(container: Docker.Container): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await container.remove({ force: true });
      return;
    } catch (err) {
      const status = engineStatus(err);
      if (status === 404) return;
      if (attempt >= 5 || (status !== 409 && status !== 500)) throw engineError(err);
    }
    await sleep(250 * attempt);
  }
}

/** A container that could not be created or started: a missing command is the app's problem. */
function startError(err: unknown): unknown {
  if (isBerthError(err)) return err;
  const mapped = engineError(err);
  if (isBerthError(mapped)) return mapped;
  const status = engineStatus(err);
  if (status === 404)
    return new BerthError('RUNTIME_START_FAILED', 'The instance image (or its app network) is missing', {
      error: String(err),
    });
  if (
    (status !== undefined && status >= 400 && status < 500) ||
    /exec|executable|no such file/i.test(String(err))
  ) {
    return new BerthError('RUNTIME_START_FAILED', undefined, { error: String(err).slice(0, 500) });
  }
  return err;
}
