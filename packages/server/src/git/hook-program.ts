// The pre-receive and post-receive programs git runs inside a push. Each is a small self-contained
// Node program (its `#!` names the node berthd runs on; no shell script of Berth's making) that
// hands the push's ref updates to berthd over a Unix socket (hook-bridge.ts), prints the lines
// berthd streams back on stderr (git shows them to the pusher as `remote: …`) and exits with
// berthd's verdict. Without berthd, or run outside a push berthd knows, it refuses: fail closed.
import fs from 'node:fs';
import path from 'node:path';

/** The environment variables the CGI gets and the hooks read: the socket and the push's id. */
export const BRIDGE_SOCKET_VAR = 'PUSH_BRIDGE_SOCKET';
export const BRIDGE_ID_VAR = 'PUSH_BRIDGE_ID';

export type HookName = 'pre-receive' | 'post-receive';
export const HOOK_NAMES: readonly HookName[] = ['pre-receive', 'post-receive'];

/** Most bytes of ref update lines a hook reads from git (far beyond MAX_REFS_PER_PUSH lines). */
const MAX_STDIN_BYTES = 4 * 1024 * 1024;

/**
 * The program's text. It uses only Node's built-ins, fetched with `process.getBuiltinModule` so it
 * runs the same whether Node takes it for CommonJS or an ES module, and sends the quarantine
 * variables git set (pre-receive reads the pushed objects through them).
 */
export function hookProgram(hook: HookName, nodePath: string): string {
  const config = JSON.stringify({
    hook,
    socketVar: BRIDGE_SOCKET_VAR,
    idVar: BRIDGE_ID_VAR,
    maxStdin: MAX_STDIN_BYTES,
    unreachable:
      hook === 'pre-receive'
        ? 'Berth: the server is not reachable; the push is refused.'
        : 'Berth: the server went away; the push was stored, but what follows a push did not run.',
  });
  return `#!${nodePath}
// Berth's ${hook} hook, written by berthd at start (src/git/hook-program.ts); changes are overwritten.
'use strict';
const net = process.getBuiltinModule('node:net');
const config = ${config};
const refuse = (why) => {
  process.stderr.write(why + '\\n');
  process.exit(1);
};
const socketPath = process.env[config.socketVar];
const pushId = process.env[config.idVar];
if (!socketPath || !pushId) refuse('Berth: this hook runs only inside a push Berth serves; refused.');
const chunks = [];
let stdinBytes = 0;
process.stdin.on('data', (chunk) => {
  stdinBytes += chunk.length;
  if (stdinBytes > config.maxStdin) refuse('Berth: too many ref updates in one push; refused.');
  chunks.push(chunk);
});
process.stdin.on('end', () => {
  const lines = Buffer.concat(chunks).toString('utf8').split('\\n').filter((l) => l !== '');
  const env = {};
  for (const name of ['GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_QUARANTINE_PATH'])
    if (process.env[name] !== undefined) env[name] = process.env[name];
  let verdict;
  let buffered = '';
  const socket = net.createConnection(socketPath);
  socket.on('connect', () => {
    socket.write(JSON.stringify({ v: 1, pushId, hook: config.hook, cwd: process.cwd(), lines, env }) + '\\n');
  });
  socket.on('data', (data) => {
    buffered += data.toString('utf8');
    let newline;
    while ((newline = buffered.indexOf('\\n')) >= 0) {
      const message = JSON.parse(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      if (typeof message.line === 'string') process.stderr.write(message.line + '\\n');
      if (typeof message.exit === 'number') verdict = message.exit;
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    if (verdict === undefined) refuse(config.unreachable);
    process.exitCode = verdict;
  });
});
`;
}

/**
 * Writes both hook programs into `hooksDir` (root's, 0700 programs in a 0700 directory), replacing
 * whatever is there: written to a temporary name and renamed, so git never runs a half-written one.
 */
export function writeHookPrograms(hooksDir: string, nodePath: string = process.execPath): void {
  for (const hook of HOOK_NAMES) {
    const file = path.join(hooksDir, hook);
    const temp = `${file}.${process.pid}.tmp`;
    fs.rmSync(temp, { force: true });
    fs.writeFileSync(temp, hookProgram(hook, nodePath), { mode: 0o700, flag: 'wx' });
    fs.renameSync(temp, file);
  }
}
