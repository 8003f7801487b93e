// berth run: a one-off command in an environment's current release (Heroku's `run`), its output
// streamed as it comes (stdout to stdout, stderr to stderr) and its exit code passed through.
// Ctrl-C closes the connection, which kills the run on the server; the CLI then exits 130.
import os from 'node:os';
import { RUN_ARGS_MAX } from '@berth/sdk';
import type { Group } from '../command.ts';
import { CliError, EXIT } from '../errors.ts';
import { TARGET_NOTE, TARGET_OPTIONS, target } from './target.ts';

const USAGE = 'berth run --app CODE [--env stag|prod] -- COMMAND [ARG...]';

export const runGroup: Group = {
  name: 'run',
  summary: "Run a command once in an environment's current release, with its config",
  single: true,
  commands: [
    {
      name: 'run',
      summary:
        "Run a command once in the environment's current release: its config, run user and limits; output streamed, exit code passed through",
      usage: '--app CODE [--env stag|prod] -- COMMAND [ARG...]',
      args: [1, RUN_ARGS_MAX],
      options: TARGET_OPTIONS,
      notes: [
        TARGET_NOTE,
        'Everything after -- is the command, as it is (no shell; use -- sh -c "..." for one).',
        'Not interactive: the command gets no stdin. Ctrl-C kills it (with everything it started) and exits 130.',
        "The exit code is the command's own (128 + N when killed by signal N); berth's own errors keep its exit codes.",
      ],
      async run(ctx) {
        const where = target(ctx, USAGE);
        const client = ctx.client();
        // Ctrl-C (ctx.signal) closes the connection, and berthd kills the run with everything it started.
        for await (const frame of client.runCommand(where.app, where.env, ctx.args, { signal: ctx.signal })) {
          if ('stream' in frame) {
            (frame.stream === 'stderr' ? ctx.io.stderr : ctx.io.stdout).write(frame.data);
          } else if ('error' in frame) {
            throw new CliError(frame.error.message, frame.error.code, EXIT.api);
          } else {
            if (frame.killed === 'timeout')
              ctx.out.note('berth: the command ran out of time (BERTH_RUN_TIMEOUT)');
            ctx.exitCode = exitCodeOf(frame.exit, frame.signal);
            return;
          }
        }
        // run() turns an interrupted command into 130 (restoring the terminal).
        if (ctx.signal.aborted) return;
        throw new CliError('the connection ended before the command did', 'NETWORK_ERROR', EXIT.network);
      },
    },
  ],
};

/** The shell's convention: the code, or 128 + the signal's number. */
function exitCodeOf(code: number | null, signal: string | undefined): number {
  if (code !== null) return code;
  const number = signal ? os.constants.signals[signal as NodeJS.Signals] : undefined;
  return 128 + (number ?? os.constants.signals.SIGKILL);
}
