// The `berth` process: wires the real stdin/stdout/stderr, environment and Ctrl-C into run().
import os from 'node:os';
import pkg from '../package.json' with { type: 'json' };
import { run } from './run.ts';

// Ctrl-C (SIGINT) aborts the command through the Io's interrupt signal: run() restores the terminal
// and resolves to 130, whatever the command was doing.
const interrupt = new AbortController();
process.on('SIGINT', () => interrupt.abort());

const code = await run(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  hostname: os.hostname(),
  version: pkg.version,
  interrupt: interrupt.signal,
});
// Exit once the output is flushed; an idle keep-alive connection must not hold the process open.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
