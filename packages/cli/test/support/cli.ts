// Runs the real `berth` command, the bundle users install (built for the test run by
// ./global-setup.ts), as a child process with its own XDG_CONFIG_HOME and none of the caller's
// BERTH_* variables.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, inject } from 'vitest';
import { buildCliBundle } from './global-setup.ts';

let bundle: string | undefined;

/** The `berth` bundle of this test run: the global setup's, or one built on first use (a run without
 *  that setup) into a directory removed when the worker exits. */
export function cliBundle(): string {
  bundle ??= inject('berthCliBundle') ?? buildOwnBundle();
  return bundle;
}

function buildOwnBundle(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-bundle-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return buildCliBundle(dir);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliHome {
  /** The directory given as XDG_CONFIG_HOME. */
  configHome: string;
  /** Where the CLI keeps its credentials. */
  credentialsFile: string;
  run(args: string[], options?: { input?: string; env?: Record<string, string> }): Promise<CliResult>;
  spawn(args: string[], options?: { env?: Record<string, string> }): ChildProcessWithoutNullStreams;
  remove(): void;
}

/** A fresh, empty home for the CLI (as if on another machine): a temporary HOME with its own
 *  XDG_CONFIG_HOME, and the environment a CLI run there gets. */
export function createHomeDirs(): {
  root: string;
  configHome: string;
  env(extra?: Record<string, string>): Record<string, string>;
} {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-'));
  const configHome = path.join(root, 'config');
  return {
    root,
    configHome,
    env: (extra = {}) => ({
      PATH: process.env['PATH'] ?? '',
      HOME: root,
      XDG_CONFIG_HOME: configHome,
      ...extra,
    }),
  };
}

/** Spawns the real `berth` process in a home of createHomeDirs(). */
export function spawnCliIn(
  home: ReturnType<typeof createHomeDirs>,
  args: string[],
  options: { env?: Record<string, string> } = {},
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [cliBundle(), ...args], { env: home.env(options.env), cwd: home.root });
}

/** A fresh, empty home for the spawned CLI (as if on another machine). */
export function createCliHome(): CliHome {
  const home = createHomeDirs();
  const { root, configHome } = home;
  const spawnCli = (args: string[], options: { env?: Record<string, string> } = {}) =>
    spawnCliIn(home, args, options);
  return {
    configHome,
    credentialsFile: path.join(configHome, 'berth', 'config.json'),
    spawn: spawnCli,
    run(args, options = {}) {
      return outcome(spawnCli(args, options), options.input);
    },
    remove() {
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Gives a spawned process `input` (nothing by default) on stdin; resolves with its exit code and
 *  output once it has exited. */
export function outcome(child: ChildProcessWithoutNullStreams, input = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Credentials for a server that is not there: a command that got as far as a request exits 4. */
export async function unreachable(): Promise<Record<string, string>> {
  return { BERTH_URL: `http://127.0.0.1:${await closedPort()}`, BERTH_TOKEN: 'berth_test' };
}

/** The command succeeded and said nothing on stderr. */
export function expectOk(result: CliResult): CliResult {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result;
}

/** Logs `home` in at `url` (the password given on stdin). */
export async function loginAs(home: CliHome, url: string, username: string, password: string): Promise<void> {
  expectOk(await home.run(['login', url, '-u', username, '--password-stdin'], { input: `${password}\n` }));
}

/** Creates a user through `admin` (logged in as an admin) and logs `home` in as them. */
export async function createUserAndLogin(
  admin: CliHome,
  home: CliHome,
  url: string,
  user: { name: string; role: string; password: string },
): Promise<void> {
  expectOk(
    await admin.run(['users', 'create', user.name, '--role', user.role, '--password-stdin'], {
      input: `${user.password}\n`,
    }),
  );
  await loginAs(home, url, user.name, user.password);
}

/** The command failed with this exit code and one error line ending in `(CODE)`, nothing on stdout. */
export function expectFailure(result: CliResult, exitCode: number, code: string): void {
  expect(result.code).toBe(exitCode);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(new RegExp(`^berth: [^\\n]+ \\(${code}\\)\\n$`));
}
