// Runs the CLI in-process through run(argv, io): stdout and stderr are captured, stdin is the given
// text (or nothing), and Ctrl-C is the `interrupt` signal the test aborts.
import { PassThrough } from 'node:stream';
import { run } from '../../src/run.ts';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  env?: Record<string, string>;
  /** What stdin holds (then it ends); null keeps it open with nothing to read. */
  input?: string | null;
  interrupt?: AbortSignal;
  /** Called with everything written to stderr so far, after each write. */
  onStderr?: (soFar: string) => void;
  /** Marks stdout and stderr as terminals (for the colour decision). */
  tty?: boolean;
}

export async function runInProcess(argv: string[], options: InProcessOptions = {}): Promise<InProcessResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  if (options.tty) {
    Object.assign(stdout, { isTTY: true });
    Object.assign(stderr, { isTTY: true });
  }
  const stdin = new PassThrough();
  if (options.input !== null) stdin.end(options.input ?? '');
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
    options.onStderr?.(err);
  });
  const code = await run(argv, {
    env: options.env ?? {},
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout,
    stderr,
    hostname: 'test',
    version: '0.0.0-test',
    ...(options.interrupt && { interrupt: options.interrupt }),
  });
  // PassThrough delivers 'data' on a later tick: let it arrive.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: out, stderr: err };
}
