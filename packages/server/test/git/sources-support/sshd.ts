// A real OpenSSH server for the SSH fetch tests: `/usr/sbin/sshd -D` on 127.0.0.1 with a test host
// key and one authorized deploy key, logging in as the user running the tests (root on CI), whose
// shell runs git-upload-pack for the repository paths the client asks for.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const SSHD = '/usr/sbin/sshd';

/** Why the SSH tests cannot run here, or null when they can. */
export function sshdUnavailable(): string | null {
  if (!fs.existsSync(SSHD)) return `${SSHD} is missing (Debian's openssh-server; .ci/run installs it)`;
  if (process.getuid?.() !== 0) return 'sshd needs root to log a user in';
  return null;
}

export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

/** A fresh ed25519 key pair made by ssh-keygen. */
export function keyPair(dir: string, name: string): KeyPair {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  return { privateKey: fs.readFileSync(file, 'utf8'), publicKey: fs.readFileSync(`${file}.pub`, 'utf8') };
}

export interface TestSshd {
  port: number;
  user: string;
  /** The host's public key line ("ssh-ed25519 AAAA... name"). */
  hostKey: string;
  stop(): Promise<void>;
}

export async function startSshd(o: {
  dir: string;
  hostKeyName: string;
  authorizedKey: string;
  port?: number;
}): Promise<TestSshd> {
  const hostKeyFile = path.join(o.dir, o.hostKeyName);
  if (!fs.existsSync(hostKeyFile)) keyPair(o.dir, o.hostKeyName);
  const authorized = path.join(o.dir, 'authorized_keys');
  fs.writeFileSync(authorized, o.authorizedKey, { mode: 0o600 });
  const port = o.port ?? (await freePort());
  const user = os.userInfo().username;
  const config = path.join(o.dir, `sshd_config-${o.hostKeyName}`);
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeyFile}`,
      `AuthorizedKeysFile ${authorized}`,
      'PidFile none',
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      `AllowUsers ${user}`,
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  // sshd refuses to start without its privilege separation directory.
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  await waitForPort(port, child, () => stderr);
  return {
    port,
    user,
    hostKey: fs.readFileSync(`${hostKeyFile}.pub`, 'utf8').trim(),
    stop: () => stop(child),
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`sshd exited: ${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`sshd did not listen on ${port}: ${stderr()}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
