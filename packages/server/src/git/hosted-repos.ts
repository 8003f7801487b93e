// Every app's hosted bare repository, `{dataDir}/git/repos/{code}.git`, and the paths around it.
// The repositories are root's and written only by git; what pushers send is objects and ref updates,
// never configuration or hooks: the hardened settings below are both written into each repository
// and handed to every git that serves one (as command-line config, which outranks the file), so a
// repository config changed by hand cannot turn the hooks or the checks off.
import fs from 'node:fs';
import path from 'node:path';
import { APP_CODE_PATTERN } from '@berth/sdk';
import { runGit } from './run-git.ts';

const APP_CODE = new RegExp(APP_CODE_PATTERN);

/** The paths of Berth's git hosting inside the data dir. */
export interface GitPaths {
  /** `{dataDir}/git` (0700). */
  root: string;
  /** `{dataDir}/git/repos`: GIT_PROJECT_ROOT of git http-backend. */
  repos: string;
  /** `{dataDir}/git/hooks`: every repository's `core.hooksPath`, written by berthd at start. */
  hooks: string;
  /** `{dataDir}/git/hooks.sock`: the hook programs reach berthd here. */
  socket: string;
}

export function gitPaths(dataDir: string): GitPaths {
  const root = path.join(dataDir, 'git');
  return {
    root,
    repos: path.join(root, 'repos'),
    hooks: path.join(root, 'hooks'),
    socket: path.join(root, 'hooks.sock'),
  };
}

/** Whether `code` is an app code (the only names a repository path is ever made of). */
export function isRepoCode(code: string): boolean {
  return APP_CODE.test(code);
}

export function hostedRepoDir(dataDir: string, code: string): string {
  if (!isRepoCode(code)) throw new Error(`not an app code: ${JSON.stringify(code)}`);
  return path.join(gitPaths(dataDir).repos, `${code}.git`);
}

export interface RepoLimits {
  /** receive.maxInputSize: the largest pack one push may send. */
  maxPushBytes: number;
}

/**
 * The settings every hosted repository is served with. Why each:
 * - hooks are Berth's own programs only (a pusher cannot write that directory);
 * - every object received or sent is checked (fsck), so a malformed tree or a `.git` path in a tree
 *   is refused at the door, not found by a build later;
 * - a pack beyond the push limit is refused by git itself too, after inflating a gzipped body;
 * - fetches ask only for what refs point at (no fishing for unreachable objects by id), no filters;
 * - shallow clients cannot push (a push must carry its history), and no push options or certificates;
 * - nothing runs in the background after a push (gc.autoDetach): every process ends with its request;
 * - refs and objects are fsynced, so a host that loses power keeps a consistent repository;
 * - a reflog for every ref, so a force-push or delete can be undone by an operator.
 */
export function hardenedConfig(limits: RepoLimits, hooksDir: string): Array<[string, string]> {
  return [
    ['core.hooksPath', hooksDir],
    ['core.symlinks', 'false'],
    ['core.logAllRefUpdates', 'always'],
    ['core.fsync', 'committed'],
    ['core.fsyncMethod', 'fsync'],
    ['receive.fsckObjects', 'true'],
    ['transfer.fsckObjects', 'true'],
    ['fetch.fsckObjects', 'true'],
    ['receive.maxInputSize', String(limits.maxPushBytes)],
    ['receive.denyDeleteCurrent', 'true'],
    ['receive.denyNonFastForwards', 'false'],
    ['receive.denyDeletes', 'false'],
    ['receive.shallowUpdate', 'false'],
    ['receive.advertisePushOptions', 'false'],
    ['receive.advertiseAtomic', 'true'],
    ['receive.autogc', 'true'],
    ['gc.autoDetach', 'false'],
    ['http.receivepack', 'true'],
    ['http.uploadpack', 'true'],
    ['http.getanyfile', 'false'],
    ['uploadpack.allowAnySHA1InWant', 'false'],
    ['uploadpack.allowReachableSHA1InWant', 'false'],
    ['uploadpack.allowTipSHA1InWant', 'false'],
    ['uploadpack.allowFilter', 'false'],
    ['uploadpack.allowRefInWant', 'false'],
  ];
}

/** Settings as git's command-line config, through the environment (GIT_CONFIG_COUNT/KEY_n/VALUE_n). */
export function configEnvironment(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(pairs.length) };
  pairs.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/** Makes `{dataDir}/git`, its `repos` and `hooks` directories: root's, closed to everyone else. */
export function ensureGitDirs(dataDir: string): GitPaths {
  const paths = gitPaths(dataDir);
  for (const dir of [paths.root, paths.repos, paths.hooks]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = fs.lstatSync(dir);
    if (!stat.isDirectory()) throw new Error(`${dir} is not a directory`);
    if ((stat.mode & 0o777) !== 0o700) fs.chmodSync(dir, 0o700);
  }
  return paths;
}

/**
 * The app's repository, created when missing: `git init --bare` into a temporary name, configured,
 * then renamed into place, so a crash leaves either no repository or a whole one (a leftover
 * temporary is removed by the next call). Returns its directory.
 */
export async function ensureHostedRepo(
  dataDir: string,
  code: string,
  limits: RepoLimits,
  options: { timeoutMs?: number } = {},
): Promise<string> {
  const dir = hostedRepoDir(dataDir, code);
  if (fs.existsSync(dir)) return dir;
  const paths = ensureGitDirs(dataDir);
  const temp = path.join(paths.repos, `.new-${code}-${process.pid}-${Date.now()}`);
  try {
    // No template: no sample hooks, no description file; the branch HEAD names is `main`.
    await runGit(['init', '--bare', '--quiet', '--template=', '--initial-branch=main', temp], {
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    for (const [key, value] of hardenedConfig(limits, paths.hooks)) {
      await runGit(['--git-dir', temp, 'config', key, value], { timeoutMs: options.timeoutMs ?? 60_000 });
    }
    fs.chmodSync(temp, 0o700);
    try {
      fs.renameSync(temp, dir);
    } catch (err) {
      // Another request made it first: theirs is as good as ours.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
  return dir;
}

/** Removes the app's repository (the app was deleted). Missing is fine. */
export async function removeHostedRepo(dataDir: string, code: string): Promise<void> {
  const dir = hostedRepoDir(dataDir, code);
  // Renamed away first, so a request arriving meanwhile finds no half-deleted repository.
  const doomed = path.join(gitPaths(dataDir).repos, `.gone-${code}-${process.pid}-${Date.now()}`);
  try {
    fs.renameSync(dir, doomed);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  await fs.promises.rm(doomed, { recursive: true, force: true });
}

/** The app codes that have a repository. */
export function hostedRepoCodes(dataDir: string): string[] {
  const { repos } = gitPaths(dataDir);
  if (!fs.existsSync(repos)) return [];
  return fs
    .readdirSync(repos)
    .filter((entry) => entry.endsWith('.git'))
    .map((entry) => entry.slice(0, -'.git'.length))
    .filter(isRepoCode);
}

/** Leftovers of a crash (temporaries of `ensureHostedRepo`, half-removed repositories): removed at start. */
export function removeRepoLeftovers(dataDir: string): void {
  const { repos } = gitPaths(dataDir);
  for (const entry of fs.readdirSync(repos)) {
    if (entry.startsWith('.new-') || entry.startsWith('.gone-'))
      fs.rmSync(path.join(repos, entry), { recursive: true, force: true });
  }
}

/** Whether an entry of a repository's objects directory is a push's quarantine (git's tmp objdir). */
export function isQuarantineName(name: string): boolean {
  return /^(tmp_objdir-)?incoming-/.test(name);
}

/**
 * Removes the quarantines of pushes that died with a berthd killed mid-push: git itself removes a
 * refused push's quarantine, but not when it dies of a broken pipe to the berthd that served it.
 * Such a quarantine is never part of the repository (nothing points into it), but it holds disk.
 * One whose files changed in the last `quietMs` may still belong to a git finishing its push; at
 * berthd's start no push of its own runs, so an older one belongs to nobody.
 */
export async function removeStaleQuarantines(
  dataDir: string,
  quietMs: number,
  now = Date.now(),
): Promise<string[]> {
  const removed: string[] = [];
  for (const code of hostedRepoCodes(dataDir)) {
    const objects = path.join(hostedRepoDir(dataDir, code), 'objects');
    let entries: string[];
    try {
      entries = fs.readdirSync(objects).filter(isQuarantineName);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const dir = path.join(objects, entry);
      if ((await newestChange(dir)) > now - quietMs) continue;
      await fs.promises.rm(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return removed;
}

async function newestChange(dir: string): Promise<number> {
  let newest = 0;
  await walk(dir, (_file, stat) => {
    newest = Math.max(newest, stat.mtimeMs);
  });
  return newest;
}

/**
 * Bytes a directory tree holds (files' sizes; symbolic links not followed, counted as themselves).
 * Used on a repository, which only git writes; `skip` leaves out a directory and what it holds.
 */
export async function treeBytes(dir: string, skip: (dir: string) => boolean = () => false): Promise<number> {
  let total = 0;
  await walk(
    dir,
    (_file, stat) => {
      if (!stat.isDirectory()) total += stat.size;
    },
    skip,
  );
  return total;
}

/** Calls `visit` for a tree's directories and files (lstat), tolerating entries git removes meanwhile. */
async function walk(
  dir: string,
  visit: (file: string, stat: fs.Stats) => void,
  skip: (dir: string) => boolean = () => false,
): Promise<void> {
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let entries: fs.Dirent[];
    try {
      visit(current, await fs.promises.lstat(current));
      entries = await fs.promises.readdir(current, { withFileTypes: true });
    } catch (err) {
      // git removes files while it runs (a loose object packed, a lock released): gone is nothing.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const entry of entries) {
      const file = path.join(current, entry.name);
      if (entry.isDirectory()) {
        if (!skip(file)) pending.push(file);
        continue;
      }
      try {
        visit(file, await fs.promises.lstat(file));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }
}

/** The public address of an app's repository, e.g. `https://berth.example.com/git/shop.git`. */
export function gitRemoteUrl(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/git/${code}.git`;
}
