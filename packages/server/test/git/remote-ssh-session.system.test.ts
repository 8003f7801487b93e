// The SSH session git runs through: Berth's wrapper (bin/berth-ssh.mjs) gives ssh the session's
// configuration and nothing else (`ssh -G` prints what ssh would use), refuses to run without it,
// and the key and configuration are gone once the session is closed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSshSession } from '../../src/git/ssh.ts';
import { refusal } from './sources-support/refusal.ts';
import { keyPair } from './sources-support/sshd.ts';

let dir: string;
let privateKey: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ssh-session-'));
  privateKey = keyPair(dir, 'deploy').privateKey;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function runWrapper(env: Record<string, string>, args: string[]) {
  const wrapper = env['GIT_SSH'] ?? path.resolve('packages/server/bin/berth-ssh.mjs');
  return spawnSync(wrapper, args, {
    env: { PATH: env['PATH'] ?? `${path.dirname(process.execPath)}:${process.env['PATH']}`, ...env },
    encoding: 'utf8',
  });
}

describe('the SSH session', () => {
  it('makes ssh use only the deploy key, the session known_hosts, batch mode and no agent or proxy', async () => {
    const session = await openSshSession({ privateKey });
    try {
      const config = session.env['BERTH_SSH_CONFIG'] as string;
      const sessionDir = path.dirname(config);
      expect(fs.statSync(sessionDir).mode & 0o777).toBe(0o700);
      expect(fs.statSync(path.join(sessionDir, 'id')).mode & 0o777).toBe(0o600);
      const shown = runWrapper(session.env, ['-G', '-p', '2222', 'git@example.com']);
      expect(shown.status).toBe(0);
      const lines = new Set(shown.stdout.split('\n'));
      for (const line of [
        `identityfile ${path.join(sessionDir, 'id')}`,
        'identitiesonly yes',
        'identityagent none',
        `userknownhostsfile ${path.join(sessionDir, 'known_hosts')}`,
        'globalknownhostsfile /dev/null',
        'stricthostkeychecking accept-new',
        'batchmode yes',
        'forwardagent no',
        'forwardx11 no',
        'passwordauthentication no',
        'permitlocalcommand no',
        'port 2222',
        'user git',
      ]) {
        expect(lines, line).toContain(line);
      }
      expect([...lines].some((l) => l.startsWith('proxycommand '))).toBe(false);
    } finally {
      await session.close();
    }
    expect(fs.existsSync(session.env['BERTH_SSH_CONFIG'] as string)).toBe(false);
  });

  it('checks host keys strictly when they are pinned', async () => {
    const session = await openSshSession({
      privateKey,
      knownHosts: 'example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE',
    });
    try {
      const shown = runWrapper(session.env, ['-G', 'example.com']);
      expect(shown.stdout.split('\n')).toContain('stricthostkeychecking true');
    } finally {
      await session.close();
    }
  });

  it('the wrapper refuses to run ssh without the session configuration', () => {
    const run = runWrapper({}, ['-G', 'example.com']);
    expect(run.status).toBe(255);
    expect(run.stderr).toMatch(/BERTH_SSH_CONFIG is not set/);
    expect(run.stdout).toBe('');
  });

  it('refuses a key that is not a private key and known_hosts lines that are not host keys', async () => {
    const publicKey = fs.readFileSync(path.join(dir, 'deploy.pub'), 'utf8');
    for (const bad of ['', 'not a key', publicKey, `${privateKey}\0`]) {
      const e = await refusal(openSshSession({ privateKey: bad }));
      expect(e.code).toBe('VALIDATION_FAILED');
      expect(e.message).not.toContain(publicKey.split(' ')[1]);
    }
    for (const bad of ['', 'just-a-host', 'host ssh-ed25519 AAAA\u0007x']) {
      expect((await refusal(openSshSession({ privateKey, knownHosts: bad }))).code).toBe('VALIDATION_FAILED');
    }
  });
});
