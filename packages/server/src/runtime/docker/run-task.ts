// One-off containers for commands that run once per release (the release command, e.g. database
// migrations): the same image, uid, mounts, network and isolation settings as the app's instances
// (container-config.ts), no published port, no restart. The output is streamed line by line to the
// caller's log, the exit code returned, the time limit enforced by killing the container, and the
// container removed in every case.
//
// Task containers carry `berth.owner` and `berth.task` but no `berth.instance` label, so the
// driver's death watcher and `recover()` never mistake them for instances; `recover()` removes the
// ones a killed berthd left behind.
import crypto from 'node:crypto';
import type { EnvName } from '@berth/sdk';
import type Docker from 'dockerode';
import { BerthError, isBerthError } from '../../errors.ts';
import { engineError, engineStatus } from '../../images/engine.ts';
import type { Logger } from '../../logger.ts';
import type { InstanceUser } from '../driver.ts';
import type { AppNetworks } from './app-networks.ts';
import { containerConfig, LABELS } from './container-config.ts';
import type { ResolvedDockerOptions } from './docker-options.ts';
import { createLogFrameParser } from './log-frames.ts';
import { containerUser } from './run-as.ts';

export const TASK_LABEL = 'berth.task';

export interface TaskSpec {
  app: string;
  env: EnvName;
  release: number;
  /** The image to run (the release's image or its stack image). */
  image: string;
  /** The image carries the app (no artifact mount, the image's working directory and PATH). */
  appInImage?: boolean;
  artifactDir: string;
  /** The environment's run identity (as for its instances). */
  user?: InstanceUser | undefined;
  command: string[];
  vars: Record<string, string>;
  pathPrepend: string[];
  limits: { memoryBytes?: number; cpu?: number; pids?: number };
  timeoutMs: number;
  signal: AbortSignal;
  log(line: string): void;
}

export type TaskRunner = (task: TaskSpec) => Promise<number>;

/** Exit code reported when the task was killed for its time limit or an abort. */
export const TASK_KILLED = -1;

export function createTaskRunner(
  options: ResolvedDockerOptions,
  parts: { networks: AppNetworks; logger: Logger },
): TaskRunner {
  const { docker } = options;
  return async (task) => {
    task.signal.throwIfAborted();
    await parts.networks.ensure(task.app);
    const id = `task-${task.app}-${task.env}-v${task.release}-${crypto.randomBytes(3).toString('hex')}`;
    const config = containerConfig(
      {
        id,
        app: task.app,
        env: task.env,
        release: task.release,
        processType: 'release',
        index: 0,
        artifactDir: task.artifactDir,
        command: task.command,
        vars: task.vars,
        pathPrepend: task.pathPrepend,
        limits: task.limits,
        listen: false,
        image: task.image,
        ...(task.appInImage ? { appInImage: true } : {}),
      },
      options,
      containerUser(options.dataDir, task),
    );
    config.Labels = {
      [LABELS.owner]: options.owner,
      [LABELS.app]: task.app,
      [LABELS.env]: task.env,
      [LABELS.release]: String(task.release),
      [TASK_LABEL]: 'release',
    };
    let container: Docker.Container;
    try {
      container = await docker.createContainer(config);
    } catch (err) {
      throw taskError(err, task.image);
    }
    let ok = false;
    try {
      const code = await runToExit(container, task, parts.logger);
      ok = code === 0;
      return code;
    } finally {
      await container.remove({ force: true }).catch((err) => {
        if (engineStatus(err) !== 404)
          parts.logger.warn({ err, task: id }, 'could not remove a task container');
      });
      // A failed release command ends the deploy: drop the app's network unless instances use it.
      if (!ok) await parts.networks.removeIfUnused(task.app);
    }
  };
}

async function runToExit(container: Docker.Container, task: TaskSpec, logger: Logger): Promise<number> {
  let killedFor: string | undefined;
  const kill = (why: string) => {
    killedFor ??= why;
    container.kill().catch((err) => {
      if (engineStatus(err) !== 404 && engineStatus(err) !== 409)
        logger.warn({ err }, 'could not kill a task container');
    });
  };
  const onAbort = () => kill('cancelled');
  const timer = setTimeout(() => {
    task.log(`release command timed out after ${Math.round(task.timeoutMs / 1000)}s`);
    kill('timed out');
  }, task.timeoutMs);
  task.signal.addEventListener('abort', onAbort, { once: true });
  try {
    try {
      await container.start();
    } catch (err) {
      throw taskError(err, task.image);
    }
    // The log stream with follow ends when the container exits; it starts at the container's first
    // line, so nothing written before it attached is lost.
    const stream = (await container.logs({
      follow: true,
      stdout: true,
      stderr: true,
    })) as unknown as NodeJS.ReadableStream;
    const parser = createLogFrameParser();
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => {
        for (const line of parser.push(chunk)) task.log(line.line);
      });
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    for (const line of parser.end()) task.log(line.line);
    const result = (await container.wait()) as { StatusCode: number };
    if (killedFor) return TASK_KILLED;
    return result.StatusCode;
  } finally {
    clearTimeout(timer);
    task.signal.removeEventListener('abort', onAbort);
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
