// Fetches a branch, tag or commit of an external repository into a local bare mirror, from which
// the build's archive is then made like from a hosted repository. The fetch is shallow where git
// allows (one commit, not the history), bounded in time and in size (the mirror is measured while
// git writes and deleted when it grows too large), and its failures name what went wrong without
// the credentials.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { APP_CODE_PATTERN } from '@berth/sdk';
import { BerthError, isBerthError } from '../errors.ts';
import { checkRefName, resolveCommitId, resolveRef } from './refs.ts';
import { checkRemoteUrl, displayRemoteUrl } from './remote-url.ts';
import { repoBytes } from './repo-bytes.ts';
import { GitCommandError, type GitOptions, runGit } from './run-git.ts';
import { isHostKeyFailure } from './ssh.ts';
import { maskSecrets, openTransport, type RemoteCredentials, type Transport } from './transport.ts';

const APP_CODE = new RegExp(APP_CODE_PATTERN);
const COMMIT_ID = /^[0-9a-f]{7,64}$/i;
const FULL_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
/** How often the mirror is measured while git fetches. */
const SIZE_POLL_MS = 250;
/** Where a fetched commit id is kept, so that it stays in the mirror when no branch holds it. */
const COMMIT_REFS = 'refs/berth/commits';

export interface FetchRemoteOptions {
  /** The bare mirror: created (0700) if absent. A path of Berth's (mirrorDirFor), never a user's. */
  mirrorDir: string;
  url: string;
  credentials: RemoteCredentials;
  /** A branch, tag, full ref or commit id (checkRefName). */
  ref: string;
  signal: AbortSignal;
  /** For the whole fetch (every git command it runs). */
  timeoutMs: number;
  /** The mirror's largest size on disk (objects), during and after the fetch. */
  maxRepoBytes: number;
  /** Progress lines for the deploy log (no credentials). */
  log?: (line: string) => void;
}

export interface FetchRemoteResult {
  commit: string;
  /** The full ref fetched, null for a commit id. */
  ref: string | null;
  /** SSH: the known_hosts lines to pin (the given ones, or the key the server showed on first use). */
  knownHosts?: string;
}

/** `{dataDir}/git/mirrors/{code}/{sha256(url)[:16]}.git`: one mirror per app and repository. */
export function mirrorDirFor(dataDir: string, code: string, url: string): string {
  if (!APP_CODE.test(code)) throw new BerthError('INTERNAL', `mirrorDirFor: bad app code ${code}`);
  const digest = crypto.createHash('sha256').update(url).digest('hex').slice(0, 16);
  return path.join(dataDir, 'git', 'mirrors', code, `${digest}.git`);
}

/**
 * Fetches `ref` from `url` into the mirror and returns the commit. Errors: VALIDATION_FAILED (URL,
 * credentials), GIT_REF_INVALID, GIT_REF_NOT_FOUND (details.ref), GIT_HOST_KEY_MISMATCH,
 * GIT_FETCH_FAILED (details.tail, credentials masked; also for the time limit), GIT_REPO_TOO_LARGE
 * (the mirror is deleted); an abort throws the signal's reason.
 */
export async function fetchRemote(o: FetchRemoteOptions): Promise<FetchRemoteResult> {
  // Two fetches into one mirror would race on its ref locks (and a size refusal deletes it): in
  // this process they take turns.
  const key = path.resolve(o.mirrorDir);
  const before = queues.get(key) ?? Promise.resolve();
  const mine = before.then(() => fetchOnce(o));
  const settled = mine.then(
    () => {},
    () => {},
  );
  queues.set(key, settled);
  try {
    return await mine;
  } finally {
    if (queues.get(key) === settled) queues.delete(key);
  }
}

/** The last fetch queued per mirror directory. */
const queues = new Map<string, Promise<void>>();

async function fetchOnce(o: FetchRemoteOptions): Promise<FetchRemoteResult> {
  const url = checkRemoteUrl(o.url);
  const ref = checkRefName(o.ref);
  o.signal.throwIfAborted();
  const shown = displayRemoteUrl(url);
  const deadline = AbortSignal.timeout(o.timeoutMs);
  const tooLarge = new AbortController();
  const signal = AbortSignal.any([o.signal, deadline, tooLarge.signal]);
  const transport = await openTransport(url, o.credentials);
  const guard = watchSize(o.mirrorDir, o.maxRepoBytes, tooLarge);
  const fetch = new Fetcher(o.mirrorDir, url, transport, { signal, timeoutMs: o.timeoutMs }, o.log);
  try {
    await fetch.initMirror();
    o.log?.(`Fetching ${ref} from ${shown}`);
    const advertised = await fetch.listRefs(ref);
    const name = ref.startsWith('refs/')
      ? advertised.has(ref) && ref
      : [`refs/heads/${ref}`, `refs/tags/${ref}`].find((n) => advertised.has(n));
    let result: FetchRemoteResult;
    if (name) {
      await fetch.run(['fetch', ...FETCH_FLAGS, '--depth=1', '--', url, `+${name}:${name}`]);
      result = await resolveRef(o.mirrorDir, name, { signal });
    } else if (COMMIT_ID.test(ref)) {
      result = { commit: await fetch.commit(ref.toLowerCase()), ref: null };
    } else {
      throw new BerthError('GIT_REF_NOT_FOUND', `No branch or tag ${JSON.stringify(ref)} in ${shown}`, {
        ref,
      });
    }
    guard.stop();
    await guard.check();
    o.log?.(`Fetched ${result.commit.slice(0, 12)}${result.ref ? ` (${result.ref})` : ''}`);
    const knownHosts = await transport.knownHosts();
    return knownHosts ? { ...result, knownHosts } : result;
  } catch (err) {
    guard.stop();
    // git killed mid-fetch can leave lock files (shallow.lock, ref locks) that would fail every
    // later fetch: the mirror is only a cache, so it goes.
    if (o.signal.aborted || deadline.aborted) await fs.rm(o.mirrorDir, { recursive: true, force: true });
    if (o.signal.aborted) throw o.signal.reason;
    if (tooLarge.signal.aborted || isBerthError(err, 'GIT_REPO_TOO_LARGE')) {
      await fs.rm(o.mirrorDir, { recursive: true, force: true });
      throw new BerthError(
        'GIT_REPO_TOO_LARGE',
        `The repository ${shown} is larger than the limit of ${o.maxRepoBytes} bytes`,
        { maxRepoBytes: o.maxRepoBytes },
      );
    }
    if (deadline.aborted) {
      throw new BerthError('GIT_FETCH_FAILED', `Fetching ${shown} took longer than ${o.timeoutMs} ms`, {
        url: shown,
      });
    }
    throw fetchError(err, shown, transport.secrets);
  } finally {
    guard.stop();
    await transport.close();
  }
}

/** Flags of every fetch: nothing but the refs asked for, no submodules, no FETCH_HEAD to race on. */
const FETCH_FLAGS = ['--no-tags', '--no-recurse-submodules', '--no-write-fetch-head', '--quiet', '--force'];

/** The git commands of one fetch, all against the mirror with the transport's environment. */
class Fetcher {
  constructor(
    readonly mirrorDir: string,
    readonly url: string,
    readonly transport: Transport,
    readonly options: { signal: AbortSignal; timeoutMs: number },
    readonly log?: (line: string) => void,
  ) {}

  run(args: string[], extra: GitOptions = {}) {
    return runGit([`--git-dir=${this.mirrorDir}`, ...args], {
      ...this.options,
      env: this.transport.env,
      ...extra,
    });
  }

  /** Creates the bare mirror (0700, no template hooks) unless it is there. */
  async initMirror(): Promise<void> {
    if (await isRepository(this.mirrorDir)) return;
    await fs.mkdir(path.dirname(this.mirrorDir), { recursive: true, mode: 0o700 });
    await runGit(['init', '--bare', '--quiet', '--template=', '--', this.mirrorDir], this.options);
    await fs.chmod(this.mirrorDir, 0o700);
  }

  /** The refs the server has under the names `ref` may mean (ls-remote matches name tails: the
   *  exact names are picked by the caller). */
  async listRefs(ref: string): Promise<Set<string>> {
    const patterns = ref.startsWith('refs/') ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
    const { stdout } = await this.run(['ls-remote', '--refs', '--', this.url, ...patterns]);
    const names = new Set<string>();
    for (const line of stdout.toString('utf8').split('\n')) {
      const name = line.split('\t')[1];
      if (name) names.add(name);
    }
    return names;
  }

  /**
   * A commit by id. A full id already in the mirror needs no network; otherwise it is fetched by
   * itself (servers that allow it: GitLab, Gitea, GitHub, git's own protocol v2), and else, as an
   * abbreviated id must be, with every branch and tag in full.
   */
  async commit(id: string): Promise<string> {
    const local = await this.localCommit(id);
    if (local) return local;
    if (FULL_ID.test(id)) {
      try {
        await this.run(['fetch', ...FETCH_FLAGS, '--depth=1', '--', this.url, `+${id}:${COMMIT_REFS}/${id}`]);
        return await resolveCommitId(this.mirrorDir, id, { signal: this.options.signal });
      } catch (err) {
        if (!(err instanceof GitCommandError)) throw err;
      }
    }
    this.log?.('Fetching every branch and tag to find the commit');
    const shallow = await this.run(['rev-parse', '--is-shallow-repository']);
    await this.run([
      'fetch',
      ...FETCH_FLAGS,
      ...(shallow.stdout.toString().trim() === 'true' ? ['--unshallow'] : []),
      '--',
      this.url,
      '+refs/heads/*:refs/heads/*',
      '+refs/tags/*:refs/tags/*',
    ]);
    const commit = await resolveCommitId(this.mirrorDir, id, { signal: this.options.signal });
    await this.run(['update-ref', `${COMMIT_REFS}/${commit}`, commit]);
    return commit;
  }

  /** The commit when the mirror has it whole (a full id; an abbreviated one could match a commit
   *  the server no longer has while another, newer one there matches too). */
  private async localCommit(id: string): Promise<string | null> {
    if (!FULL_ID.test(id)) return null;
    const { stdout } = await this.run(['cat-file', '--batch-check'], { input: `${id}^{commit}\n` });
    const [oid, type] = stdout.toString('utf8').split(' ');
    return type === 'commit' && oid === id ? oid : null;
  }
}

async function isRepository(dir: string): Promise<boolean> {
  try {
    return (await fs.lstat(path.join(dir, 'HEAD'))).isFile();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Measures the mirror while git writes to it, and aborts the fetch once it is larger than `max`. */
function watchSize(dir: string, max: number, tooLarge: AbortController) {
  let busy = false;
  const check = async (): Promise<void> => {
    if ((await repoBytes(dir)) > max) {
      tooLarge.abort(new BerthError('GIT_REPO_TOO_LARGE'));
      throw new BerthError('GIT_REPO_TOO_LARGE');
    }
  };
  const timer = setInterval(() => {
    if (busy || tooLarge.signal.aborted) return;
    busy = true;
    check()
      .catch(() => {}) // seen through tooLarge.signal
      .finally(() => {
        busy = false;
      });
  }, SIZE_POLL_MS);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}

/** A failed git command as GIT_HOST_KEY_MISMATCH or GIT_FETCH_FAILED, with git's last lines masked. */
function fetchError(err: unknown, shown: string, secrets: readonly string[]): unknown {
  if (!(err instanceof GitCommandError)) return err;
  const tail = err.tail.map((l) => maskSecrets(l, secrets));
  if (isHostKeyFailure(tail)) {
    return new BerthError(
      'GIT_HOST_KEY_MISMATCH',
      `The SSH host key of ${shown} is not the one pinned; if the server's key really changed, update the pinned host keys`,
      { url: shown, tail },
    );
  }
  const error = new BerthError(
    'GIT_FETCH_FAILED',
    `Fetching ${shown} failed${tail.length ? `: ${tail.at(-1)}` : ''}`,
    {
      url: shown,
      tail,
    },
  );
  return error;
}
