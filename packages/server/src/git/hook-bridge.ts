// berthd's side of the push hooks: a Unix socket (root's, 0600, in the 0700 git directory) the hook
// programs (hook-program.ts) connect to. Each git-receive-pack request registers a random push id
// for as long as it runs; a hook presents it and gets that push's actor and app, so a hook run by
// anything else (no id, an old one, another repository's) is refused. Before Berth's pre-receive
// handler runs, the bridge applies the checks every push passes: only branches and tags, the ref
// limits, and the repository's size with the quarantined objects counted.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BerthError, ERRORS, isBerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import type { Logger } from '../logger.ts';
import { BRIDGE_ID_VAR, BRIDGE_SOCKET_VAR, HOOK_NAMES, type HookName } from './hook-program.ts';
import { isQuarantineName, treeBytes } from './hosted-repos.ts';
import type { PushContext, PushHooks, PushOutput } from './push-hooks.ts';
import { checkRefUpdates, parseRefUpdates, terminalLines } from './push-policy.ts';

/** Most bytes of one hook's message (its ref update lines). */
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

export interface HookBridgeDeps {
  socketPath: string;
  logger: Logger;
  maxRepoBytes: number;
  hooks: PushHooks;
}

export interface PushRegistration {
  id: string;
  /** The variables the CGI (and so the hooks) get: the socket and the push's id. */
  env: Record<string, string>;
  /** Forgets the push: hooks presenting its id are refused from now on. */
  release(): void;
}

export interface HookBridge {
  /** Opens the socket (a stale one of a killed berthd is replaced). */
  start(): Promise<void>;
  /** Closes the socket, aborts the hooks running. */
  close(): Promise<void>;
  register(push: { actor: Actor; code: string; repoDir: string; signal: AbortSignal }): PushRegistration;
}

interface Registered {
  id: string;
  actor: Actor;
  code: string;
  repoDir: string;
  /** The repository's real path (hooks report theirs resolved). */
  realRepoDir: string;
  signal: AbortSignal;
  ran: Set<HookName>;
}

interface HookMessage {
  pushId: string;
  hook: HookName;
  cwd: string;
  lines: string[];
  env: Record<string, string>;
}

export function createHookBridge(deps: HookBridgeDeps): HookBridge {
  const log = deps.logger;
  const pushes = new Map<string, Registered>();
  const sockets = new Set<net.Socket>();
  const closing = new AbortController();
  let server: net.Server | undefined;

  function onConnection(socket: net.Socket): void {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', (err) => log.debug({ err: err.message }, 'push hook connection failed'));
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const newline = buffered.indexOf(0x0a);
      if (newline < 0) {
        if (buffered.length > MAX_MESSAGE_BYTES) socket.destroy();
        return;
      }
      socket.off('data', onData);
      const text = buffered.subarray(0, newline).toString('utf8');
      serve(socket, text).catch((err: unknown) => {
        log.error({ err }, 'push hook failed');
        finish(socket, 1);
      });
    };
    socket.on('data', onData);
  }

  async function serve(socket: net.Socket, text: string): Promise<void> {
    const message = parseMessage(text);
    const push = message ? pushes.get(message.pushId) : undefined;
    if (!message || !push || push.ran.has(message.hook) || path.resolve(message.cwd) !== push.realRepoDir) {
      log.warn({ hook: message?.hook }, 'a push hook ran outside a push berthd serves: refused');
      say(socket, 'Berth: this hook runs only inside a push Berth serves; refused.');
      finish(socket, 1);
      return;
    }
    push.ran.add(message.hook);
    // The hook's end (git killed, the pusher gone) or berthd closing aborts the handler's work.
    const gone = new AbortController();
    socket.once('close', () => gone.abort(new Error('the push hook ended')));
    const signal = AbortSignal.any([push.signal, gone.signal, closing.signal]);
    const out: PushOutput = { line: (line) => say(socket, line) };
    if (message.hook === 'pre-receive') {
      try {
        const updates = parseRefUpdates(message.lines);
        const context = contextOf(push, quarantineEnv(message.env, push.realRepoDir), signal);
        checkRefUpdates(updates);
        await checkSize(push.repoDir, context.objectEnv['GIT_QUARANTINE_PATH']);
        await deps.hooks.preReceive(context, updates, out);
      } catch (err) {
        refusal(err, push, out);
        finish(socket, 1);
        return;
      }
      finish(socket, 0);
      return;
    }
    try {
      await deps.hooks.postReceive(contextOf(push, {}, signal), parseRefUpdates(message.lines), out);
    } catch (err) {
      refusal(err, push, out);
    }
    finish(socket, 0);
  }

  function contextOf(push: Registered, objectEnv: Record<string, string>, signal: AbortSignal): PushContext {
    return { id: push.id, actor: push.actor, code: push.code, repoDir: push.repoDir, objectEnv, signal };
  }

  async function checkSize(repoDir: string, quarantine: string | undefined): Promise<void> {
    // The repository's files with this push's quarantine: what it would hold if the push went in
    // (another push's quarantine, or one a killed berthd left, is not the repository's).
    const objects = path.join(repoDir, 'objects');
    const bytes = await treeBytes(
      repoDir,
      (dir) =>
        path.dirname(dir) === objects &&
        isQuarantineName(path.basename(dir)) &&
        (quarantine === undefined || path.basename(dir) !== path.basename(quarantine)),
    );
    if (bytes > deps.maxRepoBytes) {
      throw new BerthError(
        'GIT_REPO_TOO_LARGE',
        `${ERRORS.GIT_REPO_TOO_LARGE.message}: with this push it would hold ${bytes} bytes, the limit is ${deps.maxRepoBytes}`,
        { bytes, limit: deps.maxRepoBytes },
      );
    }
  }

  function refusal(err: unknown, push: Registered, out: PushOutput): void {
    if (isBerthError(err)) {
      out.line(`${err.code}: ${err.message}`);
      return;
    }
    log.error({ err, app: push.code, push: push.id }, 'a push hook handler failed');
    out.line(err instanceof Error ? err.message : String(err));
  }

  return {
    async start() {
      fs.rmSync(deps.socketPath, { force: true });
      const listening = net.createServer(onConnection);
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(deps.socketPath, () => {
          listening.off('error', reject);
          resolve();
        });
      });
      fs.chmodSync(deps.socketPath, 0o600);
      server = listening;
    },

    async close() {
      closing.abort(new Error('berthd is closing'));
      const listening = server;
      server = undefined;
      if (listening) {
        const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await closed;
      }
      fs.rmSync(deps.socketPath, { force: true });
    },

    register({ actor, code, repoDir, signal }) {
      const id = crypto.randomBytes(24).toString('base64url');
      pushes.set(id, {
        id,
        actor,
        code,
        repoDir,
        realRepoDir: fs.realpathSync(repoDir),
        signal,
        ran: new Set(),
      });
      return {
        id,
        env: { [BRIDGE_SOCKET_VAR]: deps.socketPath, [BRIDGE_ID_VAR]: id },
        release: () => pushes.delete(id),
      };
    },
  };
}

function say(socket: net.Socket, text: string): void {
  if (socket.destroyed || socket.writableEnded) return;
  for (const line of terminalLines(text)) socket.write(`${JSON.stringify({ line })}\n`);
}

function finish(socket: net.Socket, exit: number): void {
  if (socket.destroyed || socket.writableEnded) return;
  socket.end(`${JSON.stringify({ exit })}\n`);
}

function parseMessage(text: string): HookMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  const env = m['env'];
  if (
    typeof m['pushId'] !== 'string' ||
    !(HOOK_NAMES as readonly unknown[]).includes(m['hook']) ||
    typeof m['cwd'] !== 'string' ||
    !Array.isArray(m['lines']) ||
    !m['lines'].every((l) => typeof l === 'string') ||
    typeof env !== 'object' ||
    env === null ||
    !Object.values(env).every((v) => typeof v === 'string')
  ) {
    return undefined;
  }
  return value as HookMessage;
}

/**
 * The quarantine variables the hook reported, when they are what git sets in this repository (the
 * quarantine an `incoming-*` directory of its objects directory, the objects directory its
 * alternate): only then are they handed to Berth's handler. A push that only deletes refs has none.
 */
function quarantineEnv(env: Record<string, string>, realRepoDir: string): Record<string, string> {
  const quarantine = env['GIT_QUARANTINE_PATH'];
  if (quarantine === undefined) return {};
  const objects = path.join(realRepoDir, 'objects');
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return undefined;
    }
  };
  const realQuarantine = real(quarantine);
  const ok =
    realQuarantine !== undefined &&
    path.dirname(realQuarantine) === objects &&
    isQuarantineName(path.basename(realQuarantine)) &&
    env['GIT_OBJECT_DIRECTORY'] !== undefined &&
    real(env['GIT_OBJECT_DIRECTORY']) === realQuarantine &&
    env['GIT_ALTERNATE_OBJECT_DIRECTORIES'] !== undefined &&
    real(env['GIT_ALTERNATE_OBJECT_DIRECTORIES']) === objects;
  if (!ok) throw new BerthError('GIT_FETCH_FAILED', 'The push hook reported an unexpected object directory');
  return {
    GIT_OBJECT_DIRECTORY: realQuarantine,
    GIT_ALTERNATE_OBJECT_DIRECTORIES: objects,
    GIT_QUARANTINE_PATH: realQuarantine,
  };
}
