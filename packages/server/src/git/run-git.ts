// Runs git with an argument array (never a shell), a clean environment and a time limit, and
// collects what it prints. Every git command Berth runs goes through here (http-backend, which
// speaks CGI over pipes, excepted): the environment carries no BERTH_* setting and no user config,
// so nothing of berthd's own leaks into git and no ~/.gitconfig of root's changes its behaviour.
import { spawn } from 'node:child_process';
import { programPath } from '../config.ts';
import { BerthError } from '../errors.ts';

/** Lines of stderr kept for an error's `details.tail`. */
const TAIL_LINES = 20;
/** Most bytes of stdout collected (callers that need more stream it with `spawnGit`). */
const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;

export interface GitOptions {
  /** The directory git runs in (`-C` is not used: a repository path is given as `--git-dir`). */
  cwd?: string;
  /** Variables added to the clean environment (GIT_DIR, GIT_SSH, GIT_CONFIG_COUNT…). */
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Killed (SIGKILL to its process group) after this long; default 10 minutes. */
  timeoutMs?: number;
  /** Bytes written to git's stdin. */
  input?: string | Buffer;
  /** Most stdout bytes kept; more fails the command. */
  maxOutputBytes?: number;
  /** Exit codes that are answers, not failures (e.g. 1 for `git show-ref --verify --quiet`). */
  okCodes?: readonly number[];
}

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * The environment git runs with: PATH and nothing of the caller's, no system or global config
 * (`GIT_CONFIG_NOSYSTEM`, `HOME` pointed at nothing), no prompts, no optional locks, a fixed locale.
 */
export function gitEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: programPath(),
    HOME: '/nonexistent',
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_PROTOCOL_FROM_USER: '0',
    ...extra,
  };
}

/** Starts git and hands back the child (stdout as a stream) for callers that stream its output. */
export function spawnGit(args: readonly string[], options: GitOptions = {}) {
  const child = spawn('git', [...args], {
    cwd: options.cwd ?? '/',
    env: gitEnvironment(options.env),
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const killGroup = () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  };
  const timer = setTimeout(killGroup, options.timeoutMs ?? 10 * 60_000);
  timer.unref();
  const onAbort = () => killGroup();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  child.once('exit', () => {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  });
  child.once('error', () => clearTimeout(timer));
  return { child, kill: killGroup };
}

/**
 * Runs git to the end. A non-zero exit (not in `okCodes`), a time-out or too much output throws a
 * GitCommandError (an abort throws the signal's reason): callers map it to their own catalogue code
 * with `gitFailure`, because what failed (a fetch, a ref lookup) is theirs to say.
 */
export async function runGit(args: readonly string[], options: GitOptions = {}): Promise<GitResult> {
  options.signal?.throwIfAborted();
  const { child } = spawnGit(args, options);
  const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const out: Buffer[] = [];
  let outBytes = 0;
  let tooMuch = false;
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    outBytes += chunk.length;
    if (outBytes > max) {
      tooMuch = true;
      child.kill('SIGKILL');
      return;
    }
    out.push(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    if (stderr.length > 64 * 1024) stderr = stderr.slice(-32 * 1024);
  });
  child.stdin.on('error', () => {}); // git may exit before reading all of its input
  child.stdin.end(options.input ?? '');
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exit, signal) => resolve(exit ?? (signal ? 128 : 1)));
  });
  const result = { code, stdout: Buffer.concat(out, Math.min(outBytes, max)), stderr };
  options.signal?.throwIfAborted();
  if (tooMuch) throw new GitCommandError(args, result, `printed more than ${max} bytes`);
  if (code !== 0 && !(options.okCodes ?? []).includes(code)) throw new GitCommandError(args, result);
  return result;
}

/** A git command that failed: its arguments (never credentials: those go in the environment),
 *  exit code and last stderr lines. */
export class GitCommandError extends Error {
  readonly tail: string[];
  constructor(
    readonly args: readonly string[],
    readonly result: GitResult,
    why?: string,
  ) {
    const tail = stderrTail(result.stderr);
    super(
      `git ${args[0] ?? ''} ${why ?? `exited with ${result.code}`}${tail.length ? `: ${tail.at(-1)}` : ''}`,
    );
    this.name = 'GitCommandError';
    this.tail = tail;
  }
}

export function stderrTail(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(-TAIL_LINES);
}

/** A git failure as a catalogue error of the caller's choosing, with git's last lines as details. */
export function gitFailure(
  code: 'GIT_FETCH_FAILED' | 'GIT_REF_NOT_FOUND' | 'BUILD_FAILED',
  message: string,
  err: unknown,
  details: Record<string, unknown> = {},
): BerthError {
  const tail = err instanceof GitCommandError ? err.tail : [];
  const error = new BerthError(code, message, { ...details, ...(tail.length ? { tail } : {}) });
  error.cause = err;
  return error;
}
