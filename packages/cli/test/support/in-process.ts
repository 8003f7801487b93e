// Runs the CLI in-process (`run(argv, io)`), with stdout and stderr collected: no child process, so
// these tests start in milliseconds. Only a few tests spawn the real `berth` (support/cli.ts).
import { PassThrough } from 'node:stream';
import { run } from '../../src/run.ts';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `env` is all the CLI sees of the environment (give it its own XDG_CONFIG_HOME). */
export async function runInProcess(argv: string[], env: Record<string, string>): Promise<InProcessResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const code = await run(argv, {
    env,
    stdin: process.stdin,
    stdout,
    stderr,
    hostname: 'test',
    version: '0.0.0-test',
  });
  return { code, stdout: out, stderr: err };
}
