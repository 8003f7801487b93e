// One-off containers (the Docker driver's `runOnce`): a release command (e.g. database migrations)
// or a developer's `berth run`, with the same image, uid, mounts, network and isolation settings as
// the app's instances (container-config.ts), no published port, no restart. The output is handed to
// the caller as it comes (stdout and stderr apart), the time limit and an abort enforced by killing
// the container, and the container removed in every case, so nothing the command started in the
// background outlives it.
//
// Task containers carry `berth.owner` and `berth.task` (`release` or `run`) but no `berth.instance`
// label, so the driver's death watcher and `recover()` never mistake them for instances, and the
// replica that follows them and their deadline (job-owner.ts): `recover()` removes the ones a killed
// berthd left behind, not those of another live replica.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { BerthError, isBerthError } from '../../errors.ts';
import { engineError, engineStatus } from '../../images/engine.ts';
import type { Logger } from '../../logger.ts';
import type { RunExit, RunIO, RunSpec, TaskRunner } from '../driver.ts';
import { runAsInstanceSpec } from '../instance-spec.ts';
import { deliverOutput } from '../run-output.ts';
import type { AppNetworks } from './app-networks.ts';
import { containerConfig, LABELS } from './container-config.ts';
import type { ResolvedDockerOptions } from './docker-options.ts';
import { jobOwnerLabels } from './job-owner.ts';
import { containerUser } from './run-as.ts';

export const TASK_LABEL = 'berth.task';

/** The driver's `runOnce` (the TaskRunner seam of driver.ts). */
export type RunOnce = TaskRunner['runOnce'];

export function createTaskRunner(
  options: ResolvedDockerOptions,
  parts: { networks: AppNetworks; logger: Logger },
): RunOnce {
  const { docker } = options;
  return async (spec, io) => {
    io.signal.throwIfAborted();
    await parts.networks.ensure(spec.app);
    const instance = runAsInstanceSpec(spec);
    const image = instance.image ?? options.image(instance);
    const config = containerConfig(instance, options, containerUser(options.dataDir, spec));
    config.Labels = {
      [LABELS.owner]: options.owner,
      [LABELS.app]: spec.app,
      [LABELS.env]: spec.env,
      [LABELS.release]: String(spec.release),
      [TASK_LABEL]: spec.kind,
      ...jobOwnerLabels(options.replica, spec.timeoutMs, Date.now()),
    };
    let container: Docker.Container;
    try {
      container = await docker.createContainer(config);
    } catch (err) {
      throw taskError(err, image);
    }
    let ok = false;
    try {
      const start = async () => {
        try {
          await container.start();
        } catch (err) {
          throw taskError(err, image);
        }
        return container;
      };
      const exit = await followToExit(docker, start, spec, io, parts.logger);
      ok = exit.code === 0;
      return exit;
    } finally {
      await container.remove({ force: true }).catch((err) => {
        if (engineStatus(err) !== 404)
          parts.logger.warn({ err, task: spec.id }, 'could not remove a task container');
      });
      // A command that failed (a release command: its deploy ends) may leave the app with nothing
      // running: drop the app's network unless instances use it.
      if (!ok) await parts.networks.removeIfUnused(spec.app);
    }
  };
}

/**
 * Runs a one-off container to its end: `start` makes it run (the Docker runtime starts the container
 * it created, the Swarm runtime waits for its job's task container) and resolves with it. Its output
 * goes to `io` as it comes; the time limit and an abort kill it (also when they come before it runs:
 * `start` sees its signal aborted, and a container it still returns is killed at once).
 */
export async function followToExit(
  docker: Docker,
  start: (cancelled: AbortSignal) => Promise<Docker.Container>,
  spec: Pick<RunSpec, 'timeoutMs'>,
  io: RunIO,
  logger: Logger,
): Promise<RunExit> {
  let killed: RunExit['killed'];
  let container: Docker.Container | undefined;
  const cancelled = new AbortController();
  const killContainer = () => {
    container?.kill().catch((err) => {
      if (engineStatus(err) !== 404 && engineStatus(err) !== 409)
        logger.warn({ err }, 'could not kill a task container');
    });
  };
  const kill = (why: NonNullable<RunExit['killed']>) => {
    killed ??= why;
    cancelled.abort();
    killContainer();
  };
  const killedExit = (): RunExit => ({ code: null, signal: 'SIGKILL', ...(killed ? { killed } : {}) });
  const onAbort = () => kill('aborted');
  const timer = setTimeout(() => kill('timeout'), spec.timeoutMs);
  io.signal.addEventListener('abort', onAbort, { once: true });
  try {
    try {
      container = await start(cancelled.signal);
    } catch (err) {
      if (killed) return killedExit();
      throw err;
    }
    if (io.signal.aborted) onAbort();
    if (killed) killContainer();
    // The log stream with follow ends when the container exits; it starts at the container's first
    // line, so nothing written before it attached is lost.
    const stream = (await container.logs({
      follow: true,
      stdout: true,
      stderr: true,
    })) as unknown as NodeJS.ReadableStream;
    // A reader that asks to wait pauses the log stream itself (the demuxer ignores backpressure).
    const outputs = (['stdout', 'stderr'] as const).map((name) => {
      const pass = new PassThrough();
      pass.setEncoding('utf8');
      pass.on('data', (chunk: string) => deliverOutput(io, name, chunk, stream));
      return pass;
    });
    docker.modem.demuxStream(stream, outputs[0]!, outputs[1]!);
    await new Promise<void>((resolve, reject) => {
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    for (const pass of outputs) pass.end();
    const result = (await container.wait()) as { StatusCode: number };
    return killed ? killedExit() : { code: result.StatusCode, signal: null };
  } finally {
    clearTimeout(timer);
    io.signal.removeEventListener('abort', onAbort);
  }
}

function taskError(err: unknown, image: string): unknown {
  if (isBerthError(err)) return err;
  const mapped = engineError(err);
  if (isBerthError(mapped)) return mapped;
  if (engineStatus(err) === 404) {
    return new BerthError('RUNTIME_START_FAILED', `The image ${image} is missing`, { error: String(err) });
  }
  return new BerthError('RUNTIME_START_FAILED', undefined, { error: String(err).slice(0, 500) });
}
