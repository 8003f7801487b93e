// Runs one build step: spawn with an argv array (no shell) in its own process group, stream its
// output line by line, and on abort or time-out kill the whole group (TERM, then KILL). A step that
// fails throws BUILD_FAILED with its exit code and the last lines it printed.
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { BerthError, isBerthError } from '../errors.ts';
import { spawnGroup } from '../spawn-group.ts';
import { LineSplitter } from './line-splitter.ts';

export const TAIL_LINES = 20;
/** Time between SIGTERM and SIGKILL when a step is aborted. */
const KILL_GRACE_MS = 3000;
/** How long to wait for output pipes once the step exited (a stray child may hold them). */
const PIPE_DRAIN_MS = 2000;

export interface StepOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  log: (line: string) => void;
  signal: AbortSignal;
  user?: { uid: number; gid: number } | undefined;
}

export async function runStep(options: StepOptions): Promise<void> {
  const { argv, signal, log } = options;
  signal.throwIfAborted();
  const shown = showCommand(argv);
  log(`$ ${shown}`);
  const tail: string[] = [];
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    log(line);
  };

  const child = spawnGroup({
    argv,
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    user: options.user,
  }) as ChildProcessByStdio<null, Readable, Readable>;
  const out = new LineSplitter(onLine);
  const err = new LineSplitter(onLine);
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));

  let killTimer: NodeJS.Timeout | undefined;
  const killGroup = (sig: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // the group is gone already
    }
  };
  const onAbort = () => {
    killGroup('SIGTERM');
    killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    killTimer.unref();
  };
  signal.addEventListener('abort', onAbort, { once: true });

  try {
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code, sig) => resolve({ code, signal: sig }));
      },
    ).catch((error: NodeJS.ErrnoException) => {
      throw new BerthError('BUILD_FAILED', `Cannot run "${argv[0]}": ${error.code ?? error.message}`, {
        command: argv,
        exitCode: null,
        tail,
      });
    });
    // Whatever the step left running in its group goes with it.
    killGroup('SIGKILL');
    await drain(child.stdout, child.stderr);
    out.end();
    err.end();

    if (signal.aborted) throw stepAborted(signal.reason, argv, tail);
    if (exit.code !== 0) {
      const how = exit.code === null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      throw stepFailed(argv, how, { exitCode: exit.code, signal: exit.signal }, tail);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (killTimer) clearTimeout(killTimer);
  }
}

/** BUILD_FAILED for a step that ran and failed: `how` ends "Build step "…" ". */
export function stepFailed(
  argv: readonly string[],
  how: string,
  exit: { exitCode: number | null; signal?: string | null; oomKilled?: boolean },
  tail: readonly string[],
): BerthError {
  return new BerthError('BUILD_FAILED', `Build step "${shorten(showCommand(argv))}" ${how}`, {
    command: [...argv],
    ...exit,
    tail: [...tail],
  });
}

/** The abort reason, with the step and its output's tail added to a time-out. */
export function stepAborted(reason: unknown, argv: readonly string[], tail: readonly string[]): unknown {
  if (isBerthError(reason, 'BUILD_TIMEOUT')) {
    return new BerthError('BUILD_TIMEOUT', reason.message, {
      command: [...argv],
      exitCode: null,
      tail: [...tail],
    });
  }
  return reason;
}

/** Waits (a little) for the step's output streams to end; a stray holder of a pipe is cut off. */
export async function drain(...streams: Readable[]): Promise<void> {
  await Promise.all(
    streams.map(
      (stream) =>
        new Promise<void>((resolve) => {
          if (stream.readableEnded || stream.destroyed) return resolve();
          const timer = setTimeout(() => {
            stream.destroy();
            resolve();
          }, PIPE_DRAIN_MS);
          timer.unref();
          const done = () => {
            clearTimeout(timer);
            resolve();
          };
          stream.once('end', done);
          stream.once('close', done);
        }),
    ),
  );
}

/** argv as a person would type it, quoting what needs quotes. */
export function showCommand(argv: readonly string[]): string {
  return argv
    .map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
