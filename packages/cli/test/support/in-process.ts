// Runs the CLI in the test's own process: run(argv, io) from src/run.ts with an isolated environment
// (its own HOME and XDG_CONFIG_HOME, none of the caller's BERTH_* variables) passed through io.env,
// the given stdin, and stdout/stderr captured. It has createCliHome()'s interface, so a test written
// for the spawned CLI runs unchanged, without a process start per command. `spawn` still starts the
// real process in the same home, for what only a process shows (Ctrl-C, exit on a signal).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import pkg from '../../package.json' with { type: 'json' };
import { run } from '../../src/run.ts';
import { type CliHome, createHomeDirs, spawnCliIn } from './cli.ts';

/** A fresh, empty home for an in-process CLI (as if on another machine). */
export function createInProcessCli(): CliHome {
  const home = createHomeDirs();
  return {
    configHome: home.configHome,
    credentialsFile: path.join(home.configHome, 'berth', 'config.json'),
    spawn: (args, options) => spawnCliIn(home, args, options),
    async run(args, options = {}) {
      const stdin = new PassThrough();
      stdin.end(options.input ?? '');
      const stdout = capture();
      const stderr = capture();
      const code = await run(args, {
        env: home.env(options.env),
        // Pipes, like the spawned CLI's: no TTY, so no prompts and no colour.
        stdin: stdin as unknown as NodeJS.ReadStream,
        stdout: stdout.stream,
        stderr: stderr.stream,
        hostname: os.hostname(),
        version: pkg.version,
      });
      return { code, stdout: stdout.text(), stderr: stderr.text() };
    },
    remove() {
      fs.rmSync(home.root, { recursive: true, force: true });
    },
  };
}

/** A stream that keeps what is written at once (nothing left in a buffer when run() returns). */
function capture(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}
