// Hosted git repositories as one module: the repositories (hosted-repos.ts), the smart-HTTP
// endpoint (git-http-routes.ts, serving with git-http.ts) and the push hook bridge (hook-bridge.ts,
// hook-program.ts). berthd creates it with its dependencies, starts it (hooks written, socket open)
// before it serves, and closes it after the HTTP server.
import type { ServerResponse } from 'node:http';
import type { RouteModule } from '../http/server.ts';
import type { Actor } from '../identity/actor.ts';
import type { Logger } from '../logger.ts';
import { type CgiRequest, type CgiRun, runHttpBackend } from './git-http.ts';
import { gitHttpRoutes } from './git-http-routes.ts';
import { createHookBridge } from './hook-bridge.ts';
import { writeHookPrograms } from './hook-program.ts';
import {
  configEnvironment,
  ensureGitDirs,
  ensureHostedRepo,
  gitPaths,
  hardenedConfig,
  hostedRepoCodes,
  removeHostedRepo,
  removeRepoLeftovers,
  removeStaleQuarantines,
} from './hosted-repos.ts';
import type { PushHooks } from './push-hooks.ts';

/** How long one git request may run by default: a push waits for its post-receive (a deploy). */
const DEFAULT_REQUEST_TIMEOUT_MS = 60 * 60_000;
/** A quarantine unchanged this long at start belongs to no git still running (hosted-repos.ts). */
const STALE_QUARANTINE_MS = 60_000;
/** How long `close` waits for git requests to end once their input is cut. */
const CLOSE_WAIT_MS = 5_000;

export interface GitHttpDeps {
  dataDir: string;
  logger: Logger;
  maxPushBytes: number;
  maxRepoBytes: number;
  /** API token → actor (identity.resolveCredential for `berth_…` tokens; throws TOKEN_* errors). */
  resolveToken(token: string, ip: string): Promise<{ actor: Actor }>;
  /** Throws APP_NOT_FOUND / FORBIDDEN (apps.access.authorize). */
  authorize(actor: Actor, action: 'app.read' | 'source.push', code: string): Promise<void>;
  hooks: PushHooks;
  /** Time one request's git may run, its hooks included; default one hour. */
  requestTimeoutMs?: number;
}

export type GitService = 'git-upload-pack' | 'git-receive-pack';

/** One smart-HTTP request, parsed and authenticated by the routes. */
export interface GitCall extends Omit<CgiRequest, 'pathInfo' | 'remoteUser'> {
  actor: Actor;
  code: string;
  service: GitService;
  /** `info/refs`, `git-upload-pack` or `git-receive-pack`. */
  endpoint: string;
}

export interface GitHosting {
  routes: RouteModule;
  /** Writes the hook programs, opens the hook socket, removes what a crash left. */
  start(): Promise<void>;
  /** Ends git requests still running (their input cut, then terminated), closes the socket. */
  close(): Promise<void>;
  /** The app's repository, created when missing; returns its directory. */
  ensureRepo(code: string): Promise<string>;
  removeRepo(code: string): Promise<void>;
  /** Removes the repositories of apps that no longer exist (deleted while berthd was down). */
  removeMissing(liveApps: ReadonlySet<string>): Promise<void>;
}

export function createGitHosting(deps: GitHttpDeps): GitHosting {
  const paths = gitPaths(deps.dataDir);
  const log = deps.logger.child({ mod: 'git' });
  const limits = { maxPushBytes: deps.maxPushBytes };
  const configEnv = configEnvironment(hardenedConfig(limits, paths.hooks));
  const bridge = createHookBridge({
    socketPath: paths.socket,
    logger: log,
    maxRepoBytes: deps.maxRepoBytes,
    hooks: deps.hooks,
  });
  const running = new Set<{ run: CgiRun; abort: AbortController }>();

  const ensureRepo = (code: string) => ensureHostedRepo(deps.dataDir, code, limits);

  /**
   * Authorizes before anything touches the repository (a refused pusher leaves nothing behind),
   * creates the repository on first use, and runs git with the push registered with the bridge.
   */
  async function serve(call: GitCall, res: ServerResponse, onStart: () => void): Promise<void> {
    await deps.authorize(
      call.actor,
      call.service === 'git-receive-pack' ? 'source.push' : 'app.read',
      call.code,
    );
    const repoDir = await ensureRepo(call.code);
    const abort = new AbortController();
    const push =
      call.service === 'git-receive-pack' && call.method === 'POST'
        ? bridge.register({ actor: call.actor, code: call.code, repoDir, signal: abort.signal })
        : undefined;
    onStart();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort(new Error('the pusher went away'));
    });
    const run = runHttpBackend(
      {
        method: call.method,
        pathInfo: `/${call.code}.git/${call.endpoint}`,
        query: call.query,
        contentType: call.contentType,
        contentEncoding: call.contentEncoding,
        gitProtocol: call.gitProtocol,
        remoteUser: call.actor.username,
        remoteAddr: call.remoteAddr,
        body: call.body,
      },
      res,
      {
        projectRoot: paths.repos,
        env: { ...configEnv, ...push?.env },
        maxBodyBytes: deps.maxPushBytes,
        timeoutMs: deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        logger: log,
      },
    );
    const entry = { run, abort };
    running.add(entry);
    try {
      await run.done;
    } finally {
      running.delete(entry);
      push?.release();
    }
  }

  return {
    routes: gitHttpRoutes({ resolveToken: deps.resolveToken, serve, logger: log }),
    async start() {
      ensureGitDirs(deps.dataDir);
      removeRepoLeftovers(deps.dataDir);
      const stale = await removeStaleQuarantines(deps.dataDir, STALE_QUARANTINE_MS);
      if (stale.length > 0)
        log.info({ removed: stale }, 'removed the quarantines of pushes a killed berthd served');
      writeHookPrograms(paths.hooks);
      await bridge.start();
    },
    async close() {
      for (const { abort } of running) abort.abort(new Error('berthd is closing'));
      await bridge.close();
      const ended = Promise.all([...running].map(({ run }) => run.done));
      const waited = await Promise.race([
        ended.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), CLOSE_WAIT_MS).unref()),
      ]);
      if (!waited) {
        for (const { run } of running) run.terminate();
        await ended;
      }
    },
    ensureRepo,
    removeRepo: (code) => removeHostedRepo(deps.dataDir, code),
    async removeMissing(liveApps) {
      for (const code of hostedRepoCodes(deps.dataDir))
        if (!liveApps.has(code)) await removeHostedRepo(deps.dataDir, code);
    },
  };
}
