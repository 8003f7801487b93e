// Asking the person at the terminal (prompts on stderr, so stdout stays clean for scripts), reading a
// secret from stdin for `--password-stdin`, deciding whether a stream gets colour, and putting the
// terminal back as it was when a command is interrupted.
import readline from 'node:readline';
import { CliError, EXIT } from './errors.ts';

export interface Terminal {
  /** stdin and stderr are both terminals, so questions can be asked. */
  readonly interactive: boolean;
  ask(question: string): Promise<string>;
  /** Asks without echoing what is typed. */
  askHidden(question: string): Promise<string>;
  /** Reads the next line from stdin (without its line ending); '' at end of input. */
  readLine(): Promise<string>;
}

export function createTerminal(stdin: NodeJS.ReadStream, stderr: NodeJS.WritableStream): Terminal {
  const interactive = Boolean(stdin.isTTY && (stderr as NodeJS.WriteStream).isTTY);
  const lines = createLineReader(stdin);
  return {
    interactive,
    async ask(question) {
      const rl = readline.createInterface({ input: stdin, output: stderr, terminal: true });
      try {
        return await new Promise<string>((resolve, reject) => {
          rl.once('SIGINT', () => reject(interrupted()));
          rl.question(question, resolve);
        });
      } finally {
        rl.close();
      }
    },
    askHidden(question) {
      stderr.write(question);
      return readHidden(stdin).finally(() => stderr.write('\n'));
    },
    readLine() {
      return lines.next();
    },
  };
}

/**
 * The one place that decides whether `stream` gets colour: never with NO_COLOR set to any non-empty
 * value (no-color.org), even with FORCE_COLOR; else always with FORCE_COLOR set (but not to `0` or
 * `false`); else only on a TTY whose TERM is not `dumb`.
 */
export function colourWanted(
  stream: NodeJS.WritableStream,
  env: Record<string, string | undefined>,
): boolean {
  if (env['NO_COLOR']) return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '0' && force !== 'false') return true;
  if (env['TERM'] === 'dumb') return false;
  return Boolean((stream as NodeJS.WriteStream).isTTY);
}

/** Leaves the terminal as the shell expects it: raw mode off (a hidden prompt turns it on). */
export function restoreTerminal(stdin: NodeJS.ReadStream): void {
  if (stdin.isTTY && stdin.isRaw) stdin.setRawMode(false);
}

export function interrupted(): CliError {
  return new CliError('interrupted', 'INTERRUPTED', EXIT.interrupted);
}

/** Reads keystrokes in raw mode until Enter; handles backspace, Ctrl-C and Ctrl-D. */
function readHidden(stdin: NodeJS.ReadStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(interrupted());
        if (ch === '\u0004') return value === '' ? finish(interrupted()) : finish();
        if (ch === '\u007f' || ch === '\b') {
          value = Array.from(value).slice(0, -1).join('');
        } else if (ch >= ' ') {
          value += ch;
        }
      }
    };
    stdin.setEncoding('utf8');
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** Reads stdin line by line; what arrived after a line waits for the next call. */
function createLineReader(stdin: NodeJS.ReadStream): { next(): Promise<string> } {
  let buffer = '';
  let ended = false;
  return {
    next() {
      return new Promise((resolve, reject) => {
        // The end may have come while no call was listening (after the previous line was taken).
        if (stdin.readableEnded) ended = true;
        const take = (): boolean => {
          const newline = buffer.indexOf('\n');
          if (newline < 0 && !ended) return false;
          const end = newline < 0 ? buffer.length : newline;
          const line = buffer.slice(0, end);
          buffer = buffer.slice(newline < 0 ? end : end + 1);
          resolve(line.replace(/\r$/, ''));
          return true;
        };
        if (take()) return;
        const done = () => {
          stdin.off('data', onData);
          stdin.off('end', onEnd);
          stdin.off('error', onError);
          stdin.pause();
        };
        const onData = (chunk: string) => {
          buffer += chunk;
          if (take()) done();
        };
        const onEnd = () => {
          ended = true;
          take();
          done();
        };
        const onError = (err: Error) => {
          done();
          reject(err);
        };
        stdin.setEncoding('utf8');
        stdin.on('data', onData);
        stdin.on('end', onEnd);
        stdin.on('error', onError);
        stdin.resume();
      });
    },
  };
}
