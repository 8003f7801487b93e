// Runs Debian's nginx binary for the driver, always with argument arrays: `nginx -t` on a new
// configuration, starting a master (nginx daemonizes itself into a session of its own, so it
// outlives berthd), finding the master of a prefix that a previous berthd started (its pid file and
// /proc/PID/cmdline), signalling it, and asking the control socket which table the workers serve.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { type ProgramResult, runProgram } from '../../run-program.ts';

export interface NginxCommand {
  /** The nginx binary, `/usr/sbin/nginx` by default. */
  binary: string;
  /** nginx's prefix directory (absolute). */
  prefix: string;
}

export type RunResult = ProgramResult;

/** Runs the binary to its end with `args`; output is stdout and stderr together (at most 64 KiB). */
export function runNginx(
  command: NginxCommand,
  args: readonly string[],
  timeoutMs = 30_000,
): Promise<RunResult> {
  return runProgram(command.binary, args, { timeoutMs });
}

export function errorLogPath(prefix: string): string {
  return path.join(prefix, 'logs', 'error.log');
}

/** `-p prefix -e errorlog -c config`: what every invocation names. */
export function baseArgs(prefix: string, config: string): string[] {
  return ['-p', `${prefix}/`, '-e', errorLogPath(prefix), '-c', config];
}

/** Tests a configuration; resolves null when nginx accepts it, else nginx's output. */
export async function testConfig(command: NginxCommand, config: string): Promise<string | null> {
  const result = await runNginx(command, ['-t', '-q', ...baseArgs(command.prefix, config)]);
  return result.code === 0 ? null : result.output || `nginx -t exited with ${String(result.code)}`;
}

/** Starts a master on `config`; resolves with its pid once nginx has written its pid file. */
export async function startMaster(command: NginxCommand, config: string, pidFile: string): Promise<number> {
  fs.rmSync(pidFile, { force: true });
  const result = await runNginx(command, baseArgs(command.prefix, config));
  if (result.code !== 0) throw new Error(`nginx did not start: ${result.output}`);
  // The foreground process exits once the daemon is forked; the daemon writes the pid file.
  for (let i = 0; i < 200; i++) {
    const pid = masterPid(command, pidFile);
    if (pid !== null) return pid;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`nginx started but wrote no pid file at ${pidFile}`);
}

/** The running master of this prefix, from its pid file, or null. A pid whose process is not an
 *  nginx master of this prefix (a stale file, a reused pid) is not it. */
export function masterPid(command: NginxCommand, pidFile: string): number | null {
  return masterFromFile(pidFile, (pid) => isMasterOf(command, pid));
}

/** The pid a pid file names when `isMaster` holds for it, else null (no file, not a pid). */
function masterFromFile(pidFile: string, isMaster: (pid: number) => boolean): number | null {
  let text: string;
  try {
    text = fs.readFileSync(pidFile, 'utf8').trim();
  } catch {
    return null;
  }
  if (!/^\d{1,10}$/.test(text)) return null;
  const pid = Number(text);
  return isMaster(pid) ? pid : null;
}

/** The section of `nginx -T` output that holds `configFile` itself (not its includes). */
function mainSection(dump: string, configFile: string): string {
  const head = `# configuration file ${configFile}:\n`;
  const start = dump.indexOf(head);
  if (start < 0) return '';
  const rest = dump.slice(start + head.length);
  const next = rest.indexOf('\n# configuration file ');
  return next < 0 ? rest : rest.slice(0, next);
}

/** A path of nginx's: absolute, or relative to the binary's compiled-in prefix. */
function resolveNginxPath(file: string, version: string): string {
  if (path.isAbsolute(file)) return file;
  const prefix = /--prefix=(\S+)/.exec(version)?.[1] ?? '/usr/share/nginx';
  return path.join(prefix, file);
}

/**
 * Tests a system nginx's whole configuration (`nginx -T`, which prints it too) and finds the pid
 * file its master writes: the `pid` of the main file, else the binary's compiled-in one. What
 * `nginx -s reload -c configFile` signals is the master that file names.
 */
export async function testSystemConfig(
  command: NginxCommand,
  configFile: string,
): Promise<{ ok: true; pidFile: string } | { ok: false; output: string }> {
  const tested = await runNginx(command, ['-T', '-q', '-c', configFile]);
  if (tested.code !== 0) return { ok: false, output: tested.output };
  const own = /^\s*pid\s+(?:"([^"]+)"|'([^']+)'|([^\s;]+))\s*;/m.exec(mainSection(tested.output, configFile));
  const named = own?.[1] ?? own?.[2] ?? own?.[3];
  if (named !== undefined && path.isAbsolute(named)) return { ok: true, pidFile: named };
  // Only a relative or missing `pid` needs the binary's compiled-in paths.
  const version = (await runNginx(command, ['-V'])).output;
  const file = named ?? /--pid-path=(\S+)/.exec(version)?.[1] ?? 'logs/nginx.pid';
  return { ok: true, pidFile: resolveNginxPath(file, version) };
}

/** The system nginx's master from its pid file, or null when the file names no running master. */
export function systemMasterPid(pidFile: string): number | null {
  return masterFromFile(pidFile, (pid) => masterTitle(pid) !== null);
}

/** Whether `pid` runs "nginx: master process … -p {prefix}/ …". */
export function isMasterOf(command: NginxCommand, pid: number): boolean {
  return masterTitle(pid)?.includes(` -p ${command.prefix}/ `) === true;
}

/** The title of `pid` when it is an nginx master ("nginx: master process …"), else null. */
function masterTitle(pid: number): string | null {
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return null;
  }
  // nginx rewrites its title into argv: one string with spaces, NUL-padded.
  const title = cmdline.replace(/\0+/g, ' ').trim();
  return title.startsWith('nginx: master process') ? title : null;
}

/** The worker processes of a master (its children), from /proc. */
export function workerPids(pid: number): number[] {
  try {
    const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return children === '' ? [] : children.split(/\s+/).map(Number);
  } catch {
    return [];
  }
}

/** One request to the control socket over a fresh connection: the status and body, or why there
 *  is none. */
function controlRequest(
  socketPath: string,
  method: 'GET' | 'PUT',
  urlPath: string,
  body: string | undefined,
  timeoutMs: number,
): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { connection: 'close' };
    if (body !== undefined) {
      headers['content-type'] = 'text/plain';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = http.request(
      { socketPath, path: urlPath, method, agent: false, headers, timeout: timeoutMs },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', (error) => resolve({ error: error.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ error: error.message }));
    req.end(body);
  });
}

/** GET /seq on the control socket; the body, or null on any failure. */
export async function askSeq(socketPath: string, timeoutMs = 2_000): Promise<string | null> {
  const answer = await controlRequest(socketPath, 'GET', '/seq', undefined, timeoutMs);
  return 'error' in answer || answer.status !== 200 ? null : answer.body;
}

/** PUT /upstreams on the control socket (dynamic upstreams): the sequence the workers now hold,
 *  or null with why not. */
export async function putUpstreams(
  socketPath: string,
  body: string,
  timeoutMs = 10_000,
): Promise<{ seq: string | null; error: string | null }> {
  const answer = await controlRequest(socketPath, 'PUT', '/upstreams', body, timeoutMs);
  if ('error' in answer) return { seq: null, error: answer.error };
  return answer.status === 200
    ? { seq: answer.body.trim(), error: null }
    : { seq: null, error: `${answer.status}: ${answer.body.trim().slice(0, 200)}` };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a worker of an older configuration may still accept connections: it is alive and has
 * not begun its graceful shutdown. nginx sets the title "worker process is shutting down" in the
 * same step that closes the worker's listening sockets (before it returns to its event loop), so a
 * worker with that title, or gone, accepts nothing any more.
 */
export function stillAccepting(pid: number): boolean {
  try {
    const title = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+/g, ' ');
    return title.startsWith('nginx: worker process') && !title.includes('shutting down');
  } catch {
    return false;
  }
}

/** Whether `pid` is an nginx worker (or cache) process: what a killed master leaves running. */
export function isNginxChild(pid: number): boolean {
  try {
    const title = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return title.startsWith('nginx: worker process') || title.startsWith('nginx: cache');
  } catch {
    return false;
  }
}
