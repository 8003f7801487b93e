// The real `git` client as a developer runs it, for the hosted repository tests: its own HOME (no
// config of the machine's), no prompts, a fixed identity, and what a repository holds on disk
// (objects and refs) for asserting that a refused push stored nothing.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface GitRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Written to git's stdin. */
  input?: string;
}

export interface GitClient {
  /** A temporary directory of the client's (its HOME and work trees live here). */
  dir: string;
  /** Runs git in `cwd` (default: the client's directory); never throws for an exit code. */
  git(args: string[], options?: GitOptions): Promise<GitRun>;
  /** Like `git`, failing the test unless git exits 0. */
  ok(args: string[], options?: GitOptions): Promise<GitRun>;
  /** Starts git and hands back the child (for kill tests). */
  start(args: string[], cwd: string): ReturnType<typeof spawn>;
  remove(): void;
}

export function createGitClient(): GitClient {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-git-client-'));
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  const env = (extra: Record<string, string> = {}) => ({
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    GIT_AUTHOR_NAME: 'Dev',
    GIT_AUTHOR_EMAIL: 'dev@example.com',
    GIT_COMMITTER_NAME: 'Dev',
    GIT_COMMITTER_EMAIL: 'dev@example.com',
    ...extra,
  });
  const start = (args: string[], cwd: string, extra?: Record<string, string>) =>
    spawn('git', args, { cwd, env: env(extra), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const git: GitClient['git'] = (args, options = {}) =>
    new Promise((resolve, reject) => {
      const child = start(args, options.cwd ?? dir, options.env);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (c: Buffer) => {
        stdout += c.toString();
      });
      child.stderr!.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      child.stdin!.on('error', () => {});
      child.stdin!.end(options.input ?? '');
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
      child.once('error', reject);
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
  return {
    dir,
    git,
    async ok(args, options) {
      const run = await git(args, options);
      if (run.code !== 0) throw new Error(`git ${args.join(' ')} exited ${run.code}:\n${run.stderr}`);
      return run;
    },
    start: (args, cwd) => start(args, cwd),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** `http://user:token@host:port/git/{code}.git` */
export function remoteWithCredentials(url: string, code: string, username: string, token: string): string {
  const u = new URL(`${url}/git/${code}.git`);
  u.username = username;
  u.password = token;
  return u.toString();
}

/** Every file under the repository's objects directory (loose objects, packs, quarantines). */
export function objectFiles(repoDir: string): string[] {
  const objects = path.join(repoDir, 'objects');
  if (!fs.existsSync(objects)) return [];
  return (fs.readdirSync(objects, { recursive: true }) as string[])
    .filter((entry) => fs.statSync(path.join(objects, entry)).isFile())
    .sort();
}

/** The repository's refs as git lists them (`<commit> <ref>` lines, sorted). */
export async function refsOf(client: GitClient, repoDir: string): Promise<string> {
  return (await client.ok(['--git-dir', repoDir, 'for-each-ref', '--format=%(objectname) %(refname)']))
    .stdout;
}

/** Random bytes in a file (incompressible: a push of it is as large as the file). */
export function writeRandomFile(file: string, bytes: number): void {
  fs.writeFileSync(file, randomBytes(bytes));
}

/** The processes working in the repository (their cwd): git serving a push, the hooks it runs. */
export function processesIn(repoDir: string): Array<{ pid: number; environ: string }> {
  const real = fs.realpathSync(repoDir);
  const found: Array<{ pid: number; environ: string }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/cwd`) !== real) continue;
      found.push({ pid: Number(entry), environ: fs.readFileSync(`/proc/${entry}/environ`, 'latin1') });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
