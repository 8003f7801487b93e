// Runs the CLI in the test's own process: run(argv, io) from src/run.ts with an isolated environment
// passed through io.env, the given stdin, and stdout/stderr captured; no process start per command.
// - createInProcessCli() has createCliHome()'s interface (its own HOME and XDG_CONFIG_HOME, none of
//   the caller's BERTH_* variables), so a test written for the spawned CLI runs unchanged; its
//   `spawn` still starts the real process in the same home, for what only a process shows (a real
//   SIGINT, exit on a signal).
// - runInProcess() is the lower-level form: the test gives the whole environment, stdin (or keeps it
//   open), a Ctrl-C signal to abort, and whether the outputs are terminals.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import pkg from '../../package.json' with { type: 'json' };
import { run } from '../../src/run.ts';
import { type CliHome, type CliResult, createHomeDirs, spawnCliIn } from './cli.ts';

export interface InProcessOptions {
  env?: Record<string, string>;
  /** What stdin holds (then it ends); null keeps it open with nothing to read. */
  input?: string | null;
  interrupt?: AbortSignal;
  /** Called with everything written to stderr so far, after each write. */
  onStderr?: (soFar: string) => void;
  /** Marks stdout and stderr as terminals (for the colour decision). */
  tty?: boolean;
  hostname?: string;
  version?: string;
}

export async function runInProcess(argv: string[], options: InProcessOptions = {}): Promise<CliResult> {
  const stdout = capture(options.tty);
  const stderr = capture(options.tty, options.onStderr);
  const stdin = new PassThrough();
  if (options.input !== null) stdin.end(options.input ?? '');
  const code = await run(argv, {
    env: options.env ?? {},
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout.stream,
    stderr: stderr.stream,
    hostname: options.hostname ?? 'test',
    version: options.version ?? '0.0.0-test',
    ...(options.interrupt && { interrupt: options.interrupt }),
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** A fresh, empty home for an in-process CLI (as if on another machine). */
export function createInProcessCli(): CliHome {
  const home = createHomeDirs();
  return {
    configHome: home.configHome,
    credentialsFile: path.join(home.configHome, 'berth', 'config.json'),
    spawn: (args, options) => spawnCliIn(home, args, options),
    // Pipes, like the spawned CLI's: no TTY, so no prompts and no colour.
    run: (args, options = {}) =>
      runInProcess(args, {
        env: home.env(options.env),
        input: options.input ?? '',
        hostname: os.hostname(),
        version: pkg.version,
      }),
    remove() {
      fs.rmSync(home.root, { recursive: true, force: true });
    },
  };
}

/** A stream that keeps what is written at once (nothing left in a buffer when run() returns). */
function capture(tty = false, onWrite?: (soFar: string) => void): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const text = () => Buffer.concat(chunks).toString('utf8');
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      onWrite?.(text());
      done();
    },
  });
  if (tty) Object.assign(stream, { isTTY: true });
  return { stream, text };
}
