// fetchRemote over SSH against a real OpenSSH server: the deploy key is used (and only it), the
// first fetch pins the server's host key, a pinned key lets later fetches through, and a server
// whose key changed is refused with GIT_HOST_KEY_MISMATCH. Skips, saying why, where sshd cannot
// run; fails instead with BERTH_TEST_SSH=1 (.ci/run installs openssh-server and sets it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FetchRemoteOptions, fetchRemote } from '../../src/git/index.ts';
import { fetchOptions } from './sources-support/fetch-options.ts';
import { refusal } from './sources-support/refusal.ts';
import { type KeyPair, keyPair, sshdUnavailable, startSshd, type TestSshd } from './sources-support/sshd.ts';
import { TestRepo } from './sources-support/test-repo.ts';

const unavailable = sshdUnavailable();
if (unavailable && process.env['BERTH_TEST_SSH'] === '1') {
  throw new Error(`the SSH fetch tests cannot run (BERTH_TEST_SSH=1): ${unavailable}`);
}
if (unavailable) console.warn(`skipping the SSH fetch tests: ${unavailable}`);

describe.skipIf(unavailable !== null)('fetchRemote over SSH', () => {
  let dir: string;
  let repo: TestRepo;
  let deployKey: KeyPair;
  let sshd: TestSshd;
  let head: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sshd-'));
    repo = TestRepo.temp();
    head = repo.commit({ 'a.txt': 'a' });
    repo.tag('v1', head, true);
    deployKey = keyPair(dir, 'deploy');
    sshd = await startSshd({ dir, hostKeyName: 'host-a', authorizedKey: deployKey.publicKey });
  });
  afterAll(async () => {
    await sshd?.stop();
    repo?.cleanup();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const url = () => `ssh://${sshd.user}@127.0.0.1:${sshd.port}${repo.gitDir}`;
  const options = (over: Partial<FetchRemoteOptions> = {}): FetchRemoteOptions =>
    fetchOptions(dir, { url: url(), credentials: { kind: 'ssh', privateKey: deployKey.privateKey } }, over);

  it('fetches with the deploy key and pins the host key on first use', async () => {
    const first = await fetchRemote(options());
    expect(first.commit).toBe(head);
    expect(first.ref).toBe('refs/heads/main');
    const [type, key] = sshd.hostKey.split(' ');
    expect(first.knownHosts).toContain(`[127.0.0.1]:${sshd.port} ${type} ${key}`);
    // With the pinned lines, later fetches (here of a tag) go through.
    const pinned = {
      kind: 'ssh' as const,
      privateKey: deployKey.privateKey,
      knownHosts: first.knownHosts as string,
    };
    const again = await fetchRemote(options({ credentials: pinned, ref: 'v1' }));
    expect(again).toMatchObject({ commit: head, ref: 'refs/tags/v1', knownHosts: first.knownHosts });
  });

  it('GIT_HOST_KEY_MISMATCH when the server shows another key than the pinned one', async () => {
    const first = await fetchRemote(options());
    await sshd.stop();
    sshd = await startSshd({
      dir,
      hostKeyName: 'host-b',
      authorizedKey: deployKey.publicKey,
      port: sshd.port,
    });
    const pinned = {
      kind: 'ssh' as const,
      privateKey: deployKey.privateKey,
      knownHosts: first.knownHosts as string,
    };
    const e = await refusal(fetchRemote(options({ credentials: pinned })));
    expect(e.code).toBe('GIT_HOST_KEY_MISMATCH');
    expect(JSON.stringify(e)).not.toContain(deployKey.privateKey.split('\n')[1]);
    // Pinned lines for another host are no pin for this one: refused too (strict checking).
    const other = `[127.0.0.1]:1 ${sshd.hostKey}`;
    const e2 = await refusal(fetchRemote(options({ credentials: { ...pinned, knownHosts: other } })));
    expect(e2.code).toBe('GIT_HOST_KEY_MISMATCH');
  });

  it('GIT_FETCH_FAILED for a key the server does not accept, without the key in the error', async () => {
    const stranger = keyPair(dir, 'stranger');
    const e = await refusal(
      fetchRemote(options({ credentials: { kind: 'ssh', privateKey: stranger.privateKey } })),
    );
    expect(e.code).toBe('GIT_FETCH_FAILED');
    expect(JSON.stringify(e)).toMatch(/Permission denied/);
    expect(JSON.stringify(e)).not.toContain(stranger.privateKey.split('\n')[1]);
  });

  it('leaves no key file behind and refuses a key that is not one', async () => {
    const before = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('berth-ssh-'));
    await fetchRemote(options());
    const after = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('berth-ssh-'));
    expect(after.filter((n) => !before.includes(n))).toEqual([]);
    const e = await refusal(fetchRemote(options({ credentials: { kind: 'ssh', privateKey: 'not a key' } })));
    expect(e.code).toBe('VALIDATION_FAILED');
  });
});
