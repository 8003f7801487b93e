// One SSH session's setup for git: the deploy key and the pinned host keys in files of a private
// temporary directory, an ssh configuration that uses only them, and the environment that makes git
// run ssh through Berth's wrapper (bin/berth-ssh.mjs) with that configuration. Nothing goes through
// a shell, the key never appears in argv, and root's own ssh setup (agent, ~/.ssh, /etc/ssh) takes
// no part.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BerthError } from '../errors.ts';
import { gitEnvironment } from './run-git.ts';
import { CONTROL_CHAR } from './text-checks.ts';

/** bin/berth-ssh.mjs, from the sources (src/git/) or from the bundle (dist/). */
const WRAPPER = fileURLToPath(
  import.meta.url.endsWith('.ts')
    ? new URL('../../bin/berth-ssh.mjs', import.meta.url)
    : new URL('../bin/berth-ssh.mjs', import.meta.url),
);

export interface SshSession {
  /** Variables for git's environment. */
  env: Record<string, string>;
  /** The known_hosts lines after the session: the pinned ones, or the host key learnt on first use. */
  knownHosts(): Promise<string>;
  /** Removes the key and the configuration. */
  close(): Promise<void>;
}

export interface SshCredentials {
  /** An OpenSSH or PEM private key without a passphrase. */
  privateKey: string;
  /** known_hosts lines to hold the server to; absent, the first key seen is accepted and returned. */
  knownHosts?: string;
}

export async function openSshSession(
  credentials: SshCredentials,
  tmpRoot = os.tmpdir(),
): Promise<SshSession> {
  const key = checkPrivateKey(credentials.privateKey);
  const pinned = credentials.knownHosts === undefined ? undefined : checkKnownHosts(credentials.knownHosts);
  // mkdtemp creates the directory 0700 with a fresh name: nobody else can place a file in it.
  const dir = await fs.mkdtemp(path.join(tmpRoot, 'berth-ssh-'));
  try {
    // ssh expands '%' and '~' in these paths and splits on spaces: a temporary directory with any
    // of them would not be the file meant.
    if (!/^[A-Za-z0-9/._-]+$/.test(dir)) {
      throw new BerthError('INTERNAL', `the temporary directory ${dir} has characters ssh would expand`);
    }
    const keyFile = path.join(dir, 'id');
    const knownHostsFile = path.join(dir, 'known_hosts');
    const configFile = path.join(dir, 'config');
    await fs.writeFile(keyFile, key, { mode: 0o600, flag: 'wx' });
    await fs.writeFile(knownHostsFile, pinned ?? '', { mode: 0o600, flag: 'wx' });
    await fs.writeFile(configFile, sshConfig(keyFile, knownHostsFile, pinned !== undefined), {
      mode: 0o600,
      flag: 'wx',
    });
    return {
      env: {
        GIT_SSH: WRAPPER,
        GIT_SSH_VARIANT: 'ssh',
        BERTH_SSH_CONFIG: configFile,
        // The wrapper's `#!/usr/bin/env node` finds the node berthd runs on.
        PATH: `${path.dirname(process.execPath)}:${gitEnvironment()['PATH']}`,
      },
      knownHosts: () => fs.readFile(knownHostsFile, 'utf8'),
      close: () => fs.rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Everything the session's ssh does, and nothing from elsewhere. `accept-new` takes an unknown
 *  host's key (trust on first use) but still refuses a host whose key changed. */
function sshConfig(keyFile: string, knownHostsFile: string, pinned: boolean): string {
  return `${[
    'Host *',
    `IdentityFile ${keyFile}`,
    'IdentitiesOnly yes',
    'IdentityAgent none',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'HostbasedAuthentication no',
    'BatchMode yes',
    `UserKnownHostsFile ${knownHostsFile}`,
    'GlobalKnownHostsFile /dev/null',
    `StrictHostKeyChecking ${pinned ? 'yes' : 'accept-new'}`,
    'HashKnownHosts no',
    'CheckHostIP no',
    'UpdateHostKeys no',
    'VerifyHostKeyDNS no',
    'ForwardAgent no',
    'ForwardX11 no',
    'ClearAllForwardings yes',
    'PermitLocalCommand no',
    'ProxyCommand none',
    'ProxyJump none',
    'ControlMaster no',
    'ControlPath none',
    'RequestTTY no',
    'ConnectTimeout 30',
    'ServerAliveInterval 15',
    'ServerAliveCountMax 4',
    'LogLevel ERROR',
  ].join('\n  ')}\n`;
}

function checkPrivateKey(key: string): string {
  const ok =
    typeof key === 'string' &&
    !key.includes('\0') &&
    /^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----\r?\n/.test(key.trim() + '\n') &&
    /\n-----END [A-Z0-9 ]*PRIVATE KEY-----$/.test(key.trim());
  // The message never quotes the key.
  if (!ok)
    throw new BerthError('VALIDATION_FAILED', 'The SSH deploy key is not an OpenSSH or PEM private key');
  // OpenSSH refuses a key file without its final newline.
  return `${key.trim().replace(/\r\n/g, '\n')}\n`;
}

function checkKnownHosts(text: string): string {
  const lines = String(text)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const bad = lines.findIndex((l) => CONTROL_CHAR.test(l.replace(/\t/g, ' ')) || l.split(/\s+/).length < 3);
  if (bad >= 0 || lines.length === 0) {
    throw new BerthError(
      'VALIDATION_FAILED',
      lines.length === 0
        ? 'The pinned SSH host keys are empty'
        : `Line ${bad + 1} of the pinned SSH host keys is not "host key-type key"`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Whether ssh's last lines say the server's host key is not the pinned one (changed, or unknown
 *  while keys are pinned). */
export function isHostKeyFailure(tail: readonly string[]): boolean {
  return tail.some((l) =>
    /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed|host key is known for .* requested strict checking/i.test(
      l,
    ),
  );
}
