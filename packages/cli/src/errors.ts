// How the CLI fails: one line on stderr, `berth: <message> (<CODE>)`, and an exit code scripts can
// rely on. API errors keep the server's catalogue code; the CLI adds USAGE and NOT_LOGGED_IN. A
// command may name what to do instead for some codes (its `hints`): the hint ends the message.
import { BerthApiError, type ErrorCode, NETWORK_ERROR } from '@berth/sdk';

export const EXIT = {
  ok: 0,
  /** The server refused or failed the request. */
  api: 1,
  /** Wrong arguments or options. */
  usage: 2,
  /** No credentials, or the server no longer accepts them. */
  notLoggedIn: 3,
  /** The server could not be reached. */
  network: 4,
  /** Ctrl-C at a prompt (the shell's convention). */
  interrupted: 130,
} as const;

/** Server codes meaning "your credentials are missing or no longer valid". */
const LOGIN_NEEDED = new Set(['UNAUTHENTICATED', 'TOKEN_INVALID', 'TOKEN_EXPIRED', 'TOKEN_REVOKED']);

export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(message: string, code: string, exitCode: number) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, 'USAGE', EXIT.usage);
}

export function notLoggedIn(message = 'not logged in; run berth login first'): CliError {
  return new CliError(message, 'NOT_LOGGED_IN', EXIT.notLoggedIn);
}

/** True when the server turned the request away because of the credential itself. */
export function isLoginNeeded(err: unknown): boolean {
  return err instanceof BerthApiError && LOGIN_NEEDED.has(err.code);
}

/** What to do instead, per server error code, as one command words it for the arguments it got. */
export type Hints = Partial<Record<ErrorCode, string>>;

/**
 * The server's error with the command's hint for its code appended; any other error as it is.
 * `hints` is only called for a server's error (the arguments were good enough to send).
 */
export function withHint(err: unknown, hints: () => Hints): unknown {
  if (!(err instanceof BerthApiError)) return err;
  const hint = hints()[err.code as ErrorCode];
  return hint ? new CliError(`${err.message}; ${hint}`, err.code, EXIT.api) : err;
}

/** Writes the error line and returns the exit code for any error a command threw. */
export function reportError(err: unknown, stderr: NodeJS.WritableStream): number {
  let message: string;
  let code: string;
  let exitCode: number;
  if (err instanceof CliError) {
    ({ message, code, exitCode } = err);
  } else if (err instanceof BerthApiError) {
    code = err.code;
    message = err.message;
    if (err.code === NETWORK_ERROR) exitCode = EXIT.network;
    else if (isLoginNeeded(err)) {
      exitCode = EXIT.notLoggedIn;
      message = `${message}; run berth login first`;
    } else exitCode = EXIT.api;
  } else {
    code = 'INTERNAL';
    message = err instanceof Error ? err.message : String(err);
    exitCode = EXIT.api;
  }
  stderr.write(`berth: ${oneLine(message)} (${code})\n`);
  return exitCode;
}

function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return text.replace(/[\r\n]+/g, ' ').replace(/[\x00-\x1f\x7f]/g, '?');
}
