// The `berth` process: wires the real stdin/stdout/stderr and environment into run().
import os from 'node:os';
import pkg from '../package.json' with { type: 'json' };
import { run } from './run.ts';

const code = await run(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  hostname: os.hostname(),
  version: pkg.version,
});
// Exit once the output is flushed; an idle keep-alive connection must not hold the process open.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
