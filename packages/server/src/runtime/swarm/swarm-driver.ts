// The Swarm runtime: each instance is a Docker Swarm service with one replica, named
// `berth-{installation}-{instance id}` and labelled like the Docker runtime's containers
// (berth.owner, berth.instance, berth.app, berth.env, berth.release, berth.process, berth.index,
// berth.spec, on the service and on its task containers).
//
// Why one service per instance (and not one per process type with N replicas): the engine chooses
// instance ids and replaces a release instance by instance with a health-checked swap (start new →
// health → route → drain → stop old); a service per instance keeps that id, its address and its
// logs one-to-one with a service, and leaves the swap to the engine. UpdateConfig and RollbackConfig
// are start-first (with rollback on failure) for when Swarm itself updates a service in place.
//
// Supervision is Swarm's (capabilities.supervision = 'orchestrator'): the restart policy becomes
// Swarm's (on-failure, the back-off base as a fixed delay, crash-loop count − 1 attempts within the
// crash-loop window, service-spec.ts), and the driver reports what Swarm did by polling the task
// list of its services (one call for all, every `pollIntervalMs`), mapped to instance states and
// events in swarm-instance.ts / task-states.ts. Artifacts come in the image (capabilities.artifacts
// = 'image'): `spec.image` holds the release at /app (or is the app's own image, `appInImage`), so
// any node can run it; a spec without an image is refused.
//
// A listen instance publishes its container port in host mode; its address is the node's address
// and the port Swarm picked there. `stop` scales the service to 0 (Swarm sends SIGTERM and kills
// after the grace the service was made with, the driver's stopGraceMs); a shorter `graceMs` is
// enforced by killing the task's container after it when the task runs on this node. Then the log
// is archived (as the Docker runtime's, log-archive.ts) and the service removed; `stop` resolves
// once its container is gone. `close()` leaves the services running; `recover()` adopts them from
// their labels without touching them (instance-records.ts keeps which task was reported last, so a
// crash while berthd was down is reported as one, and `recover` waits until Swarm has caught up with
// it) and removes one-off jobs no live berthd follows.
//
// Several berthd replicas may share the swarm (and a store): the driver's table is what it started
// or adopted, so `sync()` reads this installation's services (one call) and adopts the instances
// other replicas started (the way `recover` does) and forgets, silently, those whose service another
// replica removed; a poll that finds a task ended asks the service, and an instance another replica
// is stopping (its service scaled to 0 or gone) is forgotten too, without an exit. The poller syncs
// every SYNC_EVERY_TICKS polls once the driver recovered, and at once when a poll finds a service
// gone. `stop` of an unknown id looks its service up by labels and
// stops it as its own. One-off jobs carry their replica and a deadline (job-owner.ts): `recover` and
// the sync remove only those of a gone replica, past their deadline or unlabelled. An app's overlay
// network is removed only when no service of the app is left in the swarm (app-networks.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { BerthError, isBerthError } from '../../errors.ts';
import { engineError, engineStatus } from '../../images/engine.ts';
import type { Logger } from '../../logger.ts';
import { createAppNetworks } from '../docker/app-networks.ts';
import { LABELS } from '../docker/container-config.ts';
import { archiveLogs, captureLogs, instanceLogs } from '../docker/docker-logs.ts';
import { jobAbandoned } from '../docker/job-owner.ts';
import { sweepLogArchives } from '../docker/log-archive.ts';
import { containerUser } from '../docker/run-as.ts';
import { TASK_LABEL } from '../docker/run-task.ts';
import type { InstanceInfo, InstanceSpec, LogLine, LogOptions, RuntimeDriver } from '../driver.ts';
import { guardDriver } from '../guarded-driver.ts';
import { createRuntimeEvents } from '../runtime-events.ts';
import { readInstanceRecord, removeInstanceRecord, writeInstanceRecord } from './instance-records.ts';
import { listSwarmNodes } from './node-list.ts';
import { createPublishedPortsFirewall } from './published-ports-firewall.ts';
import { instanceService } from './service-spec.ts';
import {
  adoptTasks,
  followTasks,
  newSwarmInstance,
  type SwarmInstance,
  swarmInstanceInfo,
} from './swarm-instance.ts';
import { createSwarmNode, type SwarmNode } from './swarm-node.ts';
import { resolveSwarmOptions, type SwarmDriverOptions } from './swarm-options.ts';
import { createSwarmRuns } from './swarm-runs.ts';
import {
  containerRuns,
  createService,
  removeService,
  serviceLogEndpoint,
  serviceTasks,
} from './swarm-services.ts';
import { type SwarmTask, taskEnded, taskPhase } from './task-states.ts';

const SWEEP_EVERY_MS = 60 * 60_000;
/** The services of the swarm are read (`sync`) every this many task polls (3 s by default). */
const SYNC_EVERY_TICKS = 10;
/** How long `start` waits for the first task to run (image on the node, scheduling, init). */
const START_TIMEOUT_MS = 120_000;

export function createSwarmDriver(options: SwarmDriverOptions): RuntimeDriver {
  const logger = options.logger.child({ mod: 'runtime', driver: 'swarm' });
  return guardDriver(createRawSwarmDriver(options, logger), logger);
}

function createRawSwarmDriver(raw: SwarmDriverOptions, logger: Logger): RuntimeDriver {
  const options = resolveSwarmOptions(raw);
  const { docker } = options;
  const swarmNode = createSwarmNode(docker, logger);
  const firewall = createPublishedPortsFirewall({ logger, exemptPorts: options.hostPorts });
  // Nothing of an app runs on this node before the rules that keep it from other apps' ports.
  const node: SwarmNode = {
    ...swarmNode,
    async ready() {
      const id = await swarmNode.ready();
      await firewall.ensure();
      return id;
    },
  };
  const networks = createAppNetworks(options, logger, 'overlay');
  /** Starts and one-off runs in progress, per app: their app's overlay network must stay. */
  const busy = new Map<string, number>();
  const hold = (app: string) => busy.set(app, (busy.get(app) ?? 0) + 1);
  /** Ends a hold; the app's overlay network goes when nothing of the app is left (it is made again
   *  on the next start, which waits for the removal: app-networks.ts). */
  async function release(app: string): Promise<void> {
    const left = (busy.get(app) ?? 1) - 1;
    if (left > 0) busy.set(app, left);
    else busy.delete(app);
    if (left > 0 || [...table.values()].some((i) => i.spec.app === app)) return;
    await networks.removeIfUnused(app);
  }
  const runJob = createSwarmRuns(options, { networks, logger, nodeId: () => node.ready() });
  const table = new Map<string, SwarmInstance>();
  /** Ids whose `start` runs here: not another replica's, whatever their service looks like. */
  const startingHere = new Set<string>();
  const events = createRuntimeEvents(logger);
  let closed = false;

  const sweep = () => {
    try {
      const live = new Set(table.keys());
      const removed = sweepLogArchives(options.dataDir, live, options.logRetentionMs, Date.now());
      if (removed.length > 0) logger.info({ instances: removed.length }, 'removed old instance logs');
    } catch (err) {
      logger.warn({ err }, 'log retention sweep failed');
    }
  };
  const sweeper = setInterval(sweep, SWEEP_EVERY_MS);
  sweeper.unref();

  /** Reads every service's tasks once and reports what changed. One at a time. */
  let polling: Promise<void> | undefined;
  function poll(): Promise<void> {
    polling ??= pollOnce().finally(() => {
      polling = undefined;
    });
    return polling;
  }
  async function pollOnce(): Promise<void> {
    let watched = [...table.values()].filter((i) => i.state !== 'stopping');
    if (watched.length === 0) return;
    let tasks: SwarmTask[];
    try {
      tasks = await serviceTasks(
        docker,
        watched.map((i) => i.serviceId),
      );
    } catch (err) {
      // A service of the list is gone (another replica stopped its instance): the engine refuses
      // the whole list. The sync forgets it, then the rest is read.
      if (engineStatus(err) !== 404) throw err;
      await freshSync();
      watched = watched.filter((i) => table.get(i.spec.id) === i && i.state !== 'stopping');
      // One still gone (a start in progress whose service went): the others are read one by one.
      tasks = (await Promise.all(watched.map((i) => tasksIfPresent(i.serviceId)))).flat();
    }
    await node.load(tasks.filter((t) => taskPhase(t) === 'running' && t.NodeID).map((t) => t.NodeID!));
    const byService = new Map<string, SwarmTask[]>();
    for (const t of tasks) byService.set(t.ServiceID, [...(byService.get(t.ServiceID) ?? []), t]);
    for (const i of watched) {
      const mine = byService.get(i.serviceId) ?? [];
      // A run that ended: when another replica is stopping the instance (its service scaled to 0,
      // or removed), that is no exit of the instance but its end elsewhere: forgotten, silently.
      if (mine.some((t) => taskEnded(t) && !i.ended.has(t.ID)) && (await stoppedElsewhere(i))) {
        forget(i, 'instance stopped by another berthd');
        continue;
      }
      apply(i, mine);
    }
  }
  /** Whether the instance's service is gone or scaled to 0 while this driver does not stop it (its
   *  own stop marks the instance `stopping` first): another replica stops it. */
  async function stoppedElsewhere(i: SwarmInstance): Promise<boolean> {
    if (i.state === 'stopping' || startingHere.has(i.spec.id)) return false;
    try {
      const data = (await docker.getService(i.serviceId).inspect()) as { Spec: Docker.ServiceSpec };
      return data.Spec.Mode?.Replicated?.Replicas === 0;
    } catch (err) {
      if (engineStatus(err) === 404) return true;
      throw engineError(err);
    }
  }
  /** Drops an instance another replica stopped (or removed): no event, its record goes. */
  function forget(i: SwarmInstance, why: string): void {
    if (table.get(i.spec.id) !== i) return;
    table.delete(i.spec.id);
    removeInstanceRecord(options.dataDir, i.spec.id);
    logger.info({ instance: i.spec.id }, why);
  }
  /** The service's tasks; none when it is gone. */
  async function tasksIfPresent(serviceId: string): Promise<SwarmTask[]> {
    try {
      return await serviceTasks(docker, [serviceId]);
    } catch (err) {
      if (engineStatus(err) === 404) return [];
      throw err;
    }
  }
  function apply(i: SwarmInstance, tasks: SwarmTask[]): void {
    if (table.get(i.spec.id) !== i) return;
    const before = i.task;
    const happened = followTasks(i, tasks, {
      policy: options.policy,
      containerPort: options.containerPort,
      now: Date.now(),
      nodeAddress: (id) => node.address(id),
    });
    if (i.task && i.task !== before) {
      try {
        writeInstanceRecord(options.dataDir, i.spec.id, { task: i.task, restarts: i.restarts });
      } catch (err) {
        logger.warn({ err, instance: i.spec.id }, 'could not record the task of an instance');
      }
    }
    for (const { event, info } of happened) {
      if (event === 'crashloop') logger.warn({ instance: i.spec.id }, 'instance is crash-looping');
      events.emit(event, info);
    }
  }
  const logEndpoint = (i: SwarmInstance) => serviceLogEndpoint(docker, i.serviceId, () => node.ready());
  let ticks = 0;
  const poller = setInterval(() => {
    if (closed) return;
    poll().catch((err) => logger.warn({ err }, 'reading the swarm tasks failed'));
    // What other replicas started and stopped, every few ticks once this driver recovered.
    if (recovered && ++ticks % SYNC_EVERY_TICKS === 0)
      sync().catch((err) => logger.warn({ err }, 'reading the swarm services failed'));
    // Re-checked every minute, and at once when berthd's ports change (it listens after recover).
    firewall.refresh().catch((err) => logger.error({ err }, 'the published ports firewall is not in place'));
  }, options.pollIntervalMs);
  poller.unref();

  async function start(spec: InstanceSpec): Promise<InstanceInfo> {
    if (!spec.image) {
      throw new BerthError(
        'RUNTIME_SPEC_INVALID',
        'The instance spec is not valid: a Swarm instance runs its release image (spec.image)',
      );
    }
    if (table.has(spec.id) || startingHere.has(spec.id)) throw new BerthError('RUNTIME_INSTANCE_EXISTS');
    hold(spec.app);
    startingHere.add(spec.id);
    try {
      return await startService(spec);
    } finally {
      startingHere.delete(spec.id);
      await release(spec.app);
    }
  }

  async function startService(spec: InstanceSpec): Promise<InstanceInfo> {
    await node.ready();
    await networks.ensure(spec.app);
    let service: Docker.Service;
    try {
      service = await createService(
        docker,
        options.registryAuth,
        instanceService(spec, options, containerUser(options.dataDir, spec)),
      );
    } catch (err) {
      if (engineStatus(err) === 409) throw new BerthError('RUNTIME_INSTANCE_EXISTS');
      throw startError(err);
    }
    const i = newSwarmInstance(spec, service.id);
    table.set(spec.id, i);
    const until = Date.now() + START_TIMEOUT_MS;
    // Until the first task runs (or ended: a crash is reported as such, Swarm restarts it).
    while (i.state === 'starting' && i.startError === undefined && Date.now() < until && !closed) {
      await sleep(options.pollIntervalMs / 2);
      await poll().catch((err) => logger.warn({ err, instance: spec.id }, 'reading the swarm tasks failed'));
    }
    if (i.state !== 'starting') return swarmInstanceInfo(i);
    table.delete(spec.id);
    await removeService(docker, service.id).catch((err) =>
      logger.warn({ err, instance: spec.id }, 'could not remove a service that did not start'),
    );
    throw new BerthError('RUNTIME_START_FAILED', undefined, {
      error: i.startError ?? `no task of the service ran within ${START_TIMEOUT_MS / 1000} s`,
    });
  }

  async function stop(id: string, opts?: { graceMs?: number }): Promise<void> {
    const i = table.get(id) ?? (await adoptToStop(id));
    if (!i) return;
    const wasAlive = i.state === 'running' || i.state === 'starting';
    i.state = 'stopping';
    const graceMs = opts?.graceMs ?? options.stopGraceMs;
    const service = docker.getService(i.serviceId);
    // Its log as it stops: Swarm may delete the task, and its log, before the read after the end.
    const captured = captureLogs(logEndpoint(i));
    let present = true;
    try {
      try {
        const data = (await service.inspect()) as { Version: { Index: number }; Spec: Docker.ServiceSpec };
        // Scaling to 0 leaves the task template (and so the running task) alone: Swarm stops the task
        // with the grace it was made with. Changing the template would start a new task first.
        await service.update({
          version: data.Version.Index,
          ...data.Spec,
          Mode: { Replicated: { Replicas: 0 } },
        });
      } catch (err) {
        if (engineStatus(err) !== 404) throw engineError(err);
        present = false;
      }
      if (present) {
        const last = await waitForShutdown(i, graceMs);
        const code = last?.Status.ContainerStatus?.ExitCode;
        if (wasAlive) i.lastExit = { code: code ?? null, signal: null, at: Date.now() };
        try {
          await archiveLogs(logEndpoint(i), id, options.dataDir, captured);
        } catch (err) {
          logger.warn({ err, instance: id }, 'could not archive the logs of a stopped instance');
        }
      }
    } finally {
      // Ended by the archive already, unless the stop went another way.
      await captured.end();
    }
    await removeService(docker, i.serviceId);
    if (table.get(id) === i) table.delete(id);
    if (syncing) stoppedHere.add(id);
    removeInstanceRecord(options.dataDir, id);
    i.state = 'stopped';
    if (wasAlive) events.emit('exit', swarmInstanceInfo(i));
    // The app's last instance: its overlay network goes too.
    hold(i.spec.app);
    await release(i.spec.app);
  }

  /**
   * Waits until no task of the instance runs. A task on this node gets SIGTERM at once and SIGKILL
   * after `graceMs` from the driver (Swarm's own stop comes when its orchestrator gets round to it,
   * a second or two later on a busy manager, with the grace the service was made with); a task on
   * another node is left to Swarm. Resolves with the last task.
   */
  async function waitForShutdown(i: SwarmInstance, graceMs: number): Promise<SwarmTask | undefined> {
    const started = Date.now();
    const self = await node.ready();
    const signal = async (tasks: SwarmTask[], name: 'SIGTERM' | 'SIGKILL') => {
      for (const t of tasks) {
        const container = t.Status.ContainerStatus?.ContainerID;
        if (!container || t.NodeID !== self || taskPhase(t) !== 'running') continue;
        await docker
          .getContainer(container)
          .kill({ signal: name })
          .catch((err) => {
            const status = engineStatus(err);
            if (status !== 404 && status !== 409) throw engineError(err);
          });
      }
    };
    let sent: 'none' | 'SIGTERM' | 'SIGKILL' = 'none';
    for (;;) {
      // Gone meanwhile (another replica removed it): nothing of it runs.
      const tasks = await tasksIfPresent(i.serviceId);
      const live = tasks.filter((t) => !taskEnded(t));
      const current = tasks.find((t) => t.ID === i.task) ?? tasks.at(-1);
      if (live.length === 0) return current;
      if (sent === 'none') {
        sent = 'SIGTERM';
        await signal(live, 'SIGTERM');
      } else if (sent === 'SIGTERM' && Date.now() - started >= graceMs) {
        sent = 'SIGKILL';
        await signal(live, 'SIGKILL');
      }
      await sleep(100);
    }
  }

  /** This installation's services in the swarm (instances and one-off jobs of every replica), or
   *  those with these labels too. */
  async function ownedServices(labels: string[] = []): Promise<OwnedService[]> {
    return (await docker
      .listServices({ filters: { label: [`${LABELS.owner}=${options.owner}`, ...labels] } })
      .catch((err) => {
        throw engineError(err);
      })) as OwnedService[];
  }

  /**
   * Takes an instance's service into the table, from its labels, without touching it
   * (instance-records.ts says which of its tasks were reported already, when this data dir saw it
   * before). Resolves with the instance, the one the table has already, or undefined for a service
   * that is no instance (a one-off job), has an unreadable `berth.spec` or went meanwhile.
   */
  async function adopt(s: OwnedService): Promise<SwarmInstance | undefined> {
    const labels = s.Spec.Labels ?? {};
    const id = labels[LABELS.instance];
    const specText = labels[LABELS.spec];
    if (labels[TASK_LABEL] || !id || !specText) return undefined;
    if (table.has(id)) return table.get(id);
    let spec: InstanceSpec;
    try {
      spec = { ...(JSON.parse(specText) as Omit<InstanceSpec, 'vars'>), vars: {} };
    } catch (err) {
      logger.warn({ err, service: s.ID }, 'service with an unreadable berth.spec label left alone');
      return undefined;
    }
    const i = newSwarmInstance(spec, s.ID);
    const record = readInstanceRecord(options.dataDir, id);
    if (record) i.restarts = record.restarts;
    const tasks = await tasksIfPresent(s.ID);
    if (tasks.length === 0) return undefined; // removed meanwhile
    if (table.has(id)) return table.get(id);
    adoptTasks(i, tasks, record?.task);
    table.set(id, i);
    return i;
  }

  /** `stop` of an id the driver does not know: its service, when another replica started it. */
  async function adoptToStop(id: string): Promise<SwarmInstance | undefined> {
    const [s] = await ownedServices([`${LABELS.instance}=${id}`]);
    if (!s) return undefined;
    const i = await adopt(s);
    // Not an instance it could read: its service goes all the same.
    if (!i) await removeService(docker, s.ID);
    return i;
  }

  /** Removes the one-off jobs no live replica follows any more (job-owner.ts). */
  async function removeAbandonedJobs(services: OwnedService[]): Promise<void> {
    const now = Date.now();
    for (const s of services) {
      const labels = s.Spec.Labels ?? {};
      const job = labels[TASK_LABEL] || !labels[LABELS.instance];
      if (!job || !jobAbandoned(labels, now)) continue;
      logger.info({ service: s.ID }, 'removing a one-off job no berthd follows');
      await removeService(docker, s.ID).catch((err) =>
        logger.warn({ err, service: s.ID }, 'could not remove a leftover one-off job'),
      );
    }
  }

  /** Ids this driver stopped while a sync ran: not adopted again from that sync's list. */
  const stoppedHere = new Set<string>();
  let syncing: Promise<SwarmInstance[]> | undefined;
  /**
   * One read of the swarm's services (one at a time): abandoned one-off jobs go, instances started
   * by other replicas are adopted, and instances whose service another replica removed are
   * forgotten, silently. Only instances known before the read (and neither started nor stopped here
   * at that moment) are forgotten: a start completed meanwhile is not in it. Resolves with the adopted instances.
   */
  function syncServices(): Promise<SwarmInstance[]> {
    syncing ??= syncOnce().finally(() => {
      syncing = undefined;
    });
    return syncing;
  }
  async function syncOnce(): Promise<SwarmInstance[]> {
    await node.ready();
    stoppedHere.clear();
    // Not a start of this driver's in progress: an instance waiting for Swarm's restart is
    // `starting` too, and is forgotten when another replica removed its service.
    const settled = [...table.values()].filter((i) => !startingHere.has(i.spec.id) && i.state !== 'stopping');
    const services = await ownedServices();
    await removeAbandonedJobs(services);
    const present = new Set(services.map((s) => s.ID));
    for (const i of settled) {
      if (present.has(i.serviceId) || startingHere.has(i.spec.id) || i.state === 'stopping') continue;
      forget(i, 'instance removed by another berthd');
    }
    const adopted: SwarmInstance[] = [];
    for (const s of services) {
      const id = s.Spec.Labels?.[LABELS.instance];
      if (!id || table.has(id) || stoppedHere.has(id) || startingHere.has(id)) continue;
      const i = await adopt(s);
      if (i) adopted.push(i);
    }
    if (adopted.length > 0) logger.info({ instances: adopted.length }, 'instances of other berthds adopted');
    return adopted;
  }
  /** A sync whose read of the services comes after the call (not one in flight, read before). */
  async function freshSync(): Promise<SwarmInstance[]> {
    await syncing?.catch(() => {});
    return syncServices();
  }
  async function sync(): Promise<void> {
    await freshSync();
    await poll();
  }

  let recovered = false;
  async function recover(): Promise<InstanceInfo[]> {
    const adopted = await syncServices();
    recovered = true;
    await poll();
    await settle(adopted);
    sweep();
    return list();
  }

  /**
   * Waits (as `start` does, at most START_TIMEOUT_MS) until Swarm has caught up with what happened
   * while no driver ran, so that `recover` reports a dead instance restarted, as the other drivers'
   * `recover` does. Swarm learns that a task's container ended a moment after it did: an instance
   * killed just before berthd came back is still listed with its old task `running`; then its
   * replacement waits the restart delay (`pending`). Whether the container of a task listed as
   * running on this node still runs is asked of the container itself.
   */
  async function settle(adopted: SwarmInstance[]): Promise<void> {
    const self = await node.ready();
    const unsettled = async (list: SwarmInstance[]) => {
      const tasks = await serviceTasks(
        docker,
        list.map((i) => i.serviceId),
      );
      const result: SwarmInstance[] = [];
      for (const i of list) {
        if (table.get(i.spec.id) !== i) continue;
        if (i.state === 'starting' || i.state === 'backoff') result.push(i);
        else if (i.state === 'running') {
          const task = tasks.find((t) => t.ID === i.task);
          const container = task?.Status.ContainerStatus?.ContainerID;
          if (task?.NodeID === self && container && !(await containerRuns(docker, container))) result.push(i);
        }
      }
      return result;
    };
    const until = Date.now() + START_TIMEOUT_MS;
    let waiting = await unsettled(adopted);
    while (waiting.length > 0 && Date.now() < until && !closed) {
      await sleep(options.pollIntervalMs);
      await poll();
      waiting = await unsettled(waiting);
    }
  }

  async function list(filter?: { app?: string; env?: string }): Promise<InstanceInfo[]> {
    return [...table.values()]
      .filter(
        (i) => (!filter?.app || i.spec.app === filter.app) && (!filter?.env || i.spec.env === filter.env),
      )
      .map(swarmInstanceInfo);
  }

  return {
    name: 'swarm',
    capabilities: { supervision: 'orchestrator', artifacts: 'image' },
    nodes: () => listSwarmNodes(docker, options.owner),
    start,
    stop,
    list,
    logs(id: string, opts?: LogOptions): AsyncIterable<LogLine> {
      return instanceLogs(
        {
          dataDir: options.dataDir,
          lookup: (key) => table.get(key),
          endpoint: logEndpoint,
        },
        id,
        opts,
      );
    },
    async runOnce(spec, io) {
      hold(spec.app);
      try {
        return await runJob(spec, io);
      } finally {
        await release(spec.app);
      }
    },
    recover,
    sync,
    async close() {
      closed = true;
      clearInterval(poller);
      clearInterval(sweeper);
      await polling;
    },
    on: events.on,
    off: events.off,
  };
}

/** A service as the service list gives it: what the driver reads of it is its id and labels. */
type OwnedService = { ID: string; Spec: { Labels?: Record<string, string> } };

function startError(err: unknown): unknown {
  if (isBerthError(err)) return err;
  const mapped = engineError(err);
  if (isBerthError(mapped)) return mapped;
  return new BerthError('RUNTIME_START_FAILED', undefined, { error: String(err).slice(0, 500) });
}
