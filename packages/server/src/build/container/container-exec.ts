// Runs build steps in one-off containers of the stack image instead of on the host (the Docker
// runtime's builds). Each step is its own container, removed afterwards, with the isolation every
// Berth container gets (containers/container-create.ts: every capability dropped, no-new-privileges,
// a read-only root filesystem with a tmpfs /tmp, Docker's init, memory and pids limits) and a
// build's own settings: the build uid (never root), a 256 MiB /tmp, 1 GiB and 512 pids, no CPU cap,
// the default bridge network (npm ci reaches the registry), the output attached instead of logged.
// The build's directories are bind-mounted where the app's instances will see them, so paths the
// tools write into the artifact (a venv's scripts) stay right at run time:
//   the app directory -> /app, the artifact root (when it is another) -> /workspace,
//   the tool cache -> /cache, plus read-only tool mounts (the host's npm).
// Host paths in the step's argv, working directory and environment are rewritten to those.
import crypto from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import { containerCreateOptions } from '../../containers/container-create.ts';
import { BerthError, isBerthError } from '../../errors.ts';
import { engineError, engineStatus } from '../../images/engine.ts';
import { LineSplitter } from '../line-splitter.ts';
import { drain, showCommand, stepAborted, stepFailed, TAIL_LINES } from '../run-step.ts';
import type { StepExecutor, StepRequest } from '../step-exec.ts';

export const BUILD_APP_MOUNT = '/app';
export const BUILD_WORKSPACE_MOUNT = '/workspace';
export const BUILD_CACHE_MOUNT = '/cache';
/** Label on every build container (value: the app), so leftovers can be found and removed. */
export const BUILD_LABEL = 'berth.build-step';
/** The installation a container belongs to (the Docker runtime's `berth.owner`). */
const OWNER_LABEL = 'berth.owner';

export interface ContainerExecOptions {
  docker: Docker;
  /** The stack image the steps run in. */
  image: string;
  /** The uid and gid the steps run as (the app's; never 0). */
  uid: number;
  gid: number;
  /** Extra read-only mounts (build tools from the host). */
  toolMounts?: ReadonlyArray<{ source: string; target: string }>;
  /** Environment defaults for every step (tool settings); the step's own variables win. */
  toolEnv?: Record<string, string>;
  /** The build container's network (default `bridge`: npm ci needs the registry). */
  network?: string;
  /** Memory cap of one step (default 1 GiB, no swap). */
  memoryBytes?: number;
  /** Most processes of one step (default 512). */
  pids?: number;
  /** Value of the berth.build-step label (the app code). */
  label?: string;
  /** Value of the berth.owner label (the installation's code), by which a restarted berthd finds
   *  and removes the build containers a dead one left. */
  owner?: string;
}

export const BUILD_STEP_DEFAULTS = Object.freeze({ memoryBytes: 1024 ** 3, pids: 512, network: 'bridge' });

/** Size of a step's private /tmp. */
const BUILD_TMP_MIB = 256;
/** Grace between `docker stop`'s SIGTERM and SIGKILL when a step is aborted (whole seconds). */
const STOP_GRACE_S = 3;
/** The last line Docker's init (tini) writes when it cannot start the step's program (exit 127). */
const INIT_EXEC_FAILED = /^\[FATAL tini \(\d+\)\] exec .* failed: No such file or directory$/;
/** How long to wait for the output once the container exited. */
const PIPE_DRAIN_MS = 2000;

export function containerExecutor(options: ContainerExecOptions): StepExecutor {
  if (
    !Number.isInteger(options.uid) ||
    options.uid <= 0 ||
    !Number.isInteger(options.gid) ||
    options.gid <= 0
  )
    throw new BerthError('INTERNAL', 'build containers run as a non-root uid');
  return (step) => runInContainer(options, step);
}

/** Host directory -> container path, longest host path first (the app dir may sit inside outDir). */
export function buildMounts(dirs: StepRequest['dirs']): Array<{ host: string; container: string }> {
  const mounts = [{ host: dirs.appDir, container: BUILD_APP_MOUNT }];
  if (dirs.outDir !== dirs.appDir) mounts.push({ host: dirs.outDir, container: BUILD_WORKSPACE_MOUNT });
  if (dirs.cacheDir) mounts.push({ host: dirs.cacheDir, container: BUILD_CACHE_MOUNT });
  return mounts.sort((a, b) => b.host.length - a.host.length);
}

/** Rewrites every whole-path occurrence of a mounted host directory in `text`. */
export function mapPaths(text: string, mounts: ReadonlyArray<{ host: string; container: string }>): string {
  if (mounts.length === 0) return text;
  const pattern = new RegExp(`(${mounts.map((m) => escapeRegExp(m.host)).join('|')})(?=$|[/:])`, 'g');
  return text.replace(pattern, (host) => mounts.find((m) => m.host === host)?.container ?? host);
}

async function runInContainer(options: ContainerExecOptions, step: StepRequest): Promise<void> {
  const { docker } = options;
  const { argv, signal, log } = step;
  signal.throwIfAborted();
  const mounts = buildMounts(step.dirs);
  const map = (text: string) => mapPaths(text, mounts);
  // The command as it runs, with the container's paths.
  log(`$ ${showCommand(argv.map(map))}`);
  const tail: string[] = [];
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    log(line);
  };
  const memory = Math.floor(options.memoryBytes ?? BUILD_STEP_DEFAULTS.memoryBytes);

  let container: Docker.Container;
  try {
    container = await docker.createContainer(
      containerCreateOptions({
        name: `berth-build-${crypto.randomBytes(6).toString('hex')}`,
        image: options.image,
        cmd: argv.map(map),
        env: Object.fromEntries(
          Object.entries({ ...options.toolEnv, ...step.env }).map(([k, v]) => [k, map(v)]),
        ),
        workingDir: map(step.cwd),
        user: { uid: options.uid, gid: options.gid },
        labels: {
          [BUILD_LABEL]: options.label ?? '',
          ...(options.owner !== undefined ? { [OWNER_LABEL]: options.owner } : {}),
        },
        mounts: [
          ...mounts.map((m) => ({ source: m.host, target: m.container, readOnly: false })),
          ...(options.toolMounts ?? []).map((m) => ({ ...m, readOnly: true })),
        ],
        tmpMiB: BUILD_TMP_MIB,
        network: options.network ?? BUILD_STEP_DEFAULTS.network,
        // No CPU cap: a build uses the cores it can (it only runs while a deploy waits for it).
        limits: { memoryBytes: memory, pids: options.pids ?? BUILD_STEP_DEFAULTS.pids },
        output: 'attach',
      }),
    );
  } catch (err) {
    throw createError(err, argv, options.image);
  }

  const out = new LineSplitter(onLine);
  const errs = new LineSplitter(onLine);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => errs.push(chunk));
  let stopping: Promise<unknown> | undefined;
  const onAbort = () => {
    stopping ??= container.stop({ t: STOP_GRACE_S }).catch(() => {});
  };
  try {
    const stream = (await container.attach({
      stream: true,
      stdout: true,
      stderr: true,
    })) as unknown as Readable;
    docker.modem.demuxStream(stream, stdout, stderr);
    const ended = streamEnd(stream);
    signal.throwIfAborted();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await container.start();
    } catch (err) {
      throw startError(err, argv);
    }
    const result = (await container.wait()) as { StatusCode: number };
    await Promise.race([ended, delay(PIPE_DRAIN_MS)]);
    stream.destroy();
    stdout.end();
    stderr.end();
    await drain(stdout, stderr);
    out.end();
    errs.end();
    if (signal.aborted) {
      await stopping;
      throw stepAborted(signal.reason, argv, tail);
    }
    if (result.StatusCode !== 0) {
      if (result.StatusCode === 127 && INIT_EXEC_FAILED.test(tail.at(-1) ?? ''))
        throw cannotRun(argv, 'not found in the build image', { exitCode: 127, tail });
      const state = await container
        .inspect()
        .then((data) => data.State)
        .catch(() => undefined);
      const oom = state?.OOMKilled === true;
      const how = oom
        ? `was killed: it ran out of memory (limit ${Math.round(memory / 1024 ** 2)} MiB)`
        : `exited with code ${result.StatusCode}`;
      throw stepFailed(argv, how, { exitCode: result.StatusCode, oomKilled: oom }, tail);
    }
  } catch (err) {
    if (isBerthError(err) || signal.aborted) throw err;
    throw engineError(err);
  } finally {
    signal.removeEventListener('abort', onAbort);
    await container.remove({ force: true }).catch(() => {});
  }
}

/** Resolves when the attach stream ends (it does once the container exited). */
function streamEnd(stream: Readable): Promise<void> {
  return new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** A container that would not start. (One whose program is not in the image does start: Docker's
 *  init reports it and exits with 127, INIT_EXEC_FAILED.) */
function startError(err: unknown, argv: readonly string[]): unknown {
  const mapped = engineError(err);
  if (mapped !== err) return mapped;
  const status = engineStatus(err);
  if (status !== undefined && status >= 400)
    return cannotRun(
      argv,
      String((err as { json?: { message?: unknown } }).json?.message ?? err).slice(0, 300),
    );
  return err;
}

function cannotRun(
  argv: readonly string[],
  reason: string,
  exit: { exitCode: number | null; tail: readonly string[] } = { exitCode: null, tail: [] },
): BerthError {
  return new BerthError('BUILD_FAILED', `Cannot run "${argv[0]}": ${reason}`, {
    command: [...argv],
    exitCode: exit.exitCode,
    tail: [...exit.tail],
  });
}

function createError(err: unknown, argv: readonly string[], image: string): unknown {
  const mapped = engineError(err);
  if (mapped !== err) return mapped;
  if (engineStatus(err) === 404) return cannotRun(argv, `the build image ${image} is missing`);
  return err;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Removes the build containers of one installation (of one app, when given): what a berthd killed
 *  during a build left, or a deleted app's. */
export async function removeBuildContainers(docker: Docker, owner: string, app?: string): Promise<number> {
  const labels = [`${OWNER_LABEL}=${owner}`, app === undefined ? BUILD_LABEL : `${BUILD_LABEL}=${app}`];
  const left = await docker.listContainers({ all: true, filters: { label: labels } }).catch((err) => {
    throw engineError(err);
  });
  for (const c of left) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch((err) => {
        if (engineStatus(err) !== 404) throw engineError(err);
      });
  }
  return left.length;
}
