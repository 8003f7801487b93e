// berthd killed (SIGKILL) in the middle of a push, in its pre-receive and in its post-receive: the
// pusher gets an error, the repository passes `git fsck --full` with its refs where git's own
// guarantees put them (unchanged before the refs moved, moved after), no quarantine is left, and
// the next berthd on the same data dir serves pushes again.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { hostedRepoDir } from '../../src/git/index.ts';
import { killableSurroundings } from '../engine/killable.ts';
import { type Fixture, startNode } from '../jobs/processes.ts';
import { systemDialects } from '../support/databases.ts';
import { ADMIN_PASSWORD, loginCookieHeader } from '../support/harness.ts';
import { createGitClient, objectFiles, processesIn, refsOf, remoteWithCredentials } from './git-client.ts';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'berthd-push-hooks.ts');

describe.each(systemDialects())('berthd killed mid-push on %s', (dialect) => {
  const around = killableSurroundings(dialect, 'berth-git-kill-');
  const client = createGitClient();
  afterAll(() => client.remove());

  async function start(env: Record<string, string>, hold?: string): Promise<{ p: Fixture; url: string }> {
    const p = startNode(['--import', 'tsx', FIXTURE], { ...env, ...(hold ? { HOOK_HOLD: hold } : {}) });
    around.running.push(p);
    const url = (await p.line('ready ', 60_000)).split(' ')[1]!;
    return { p, url };
  }

  async function killed(p: Fixture): Promise<void> {
    p.child.kill('SIGKILL');
    await p.exited;
  }

  it('leaves a consistent repository and serves again after a restart', async () => {
    const env = await around.env();
    const dataDir = env['BERTH_DATA_DIR']!;
    const repoDir = hostedRepoDir(dataDir, 'kept');
    const work = path.join(client.dir, 'work');

    // Killed while pre-receive runs: nothing of the push is kept.
    let b = await start(env, 'pre-receive');
    const cookie = await loginCookieHeader(b.url, 'admin', ADMIN_PASSWORD);
    const post = (p: string, body: unknown) =>
      fetch(b.url + p, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/api/v1/apps', { code: 'kept', name: 'Kept' })).status).toBe(201);
    const token = ((await (await post('/api/v1/me/tokens', { name: 'git' })).json()) as { secret: string })
      .secret;
    const remote = () => remoteWithCredentials(b.url, 'kept', 'admin', token);
    await client.ok(['clone', '-q', remote(), work]);
    await client.ok(['checkout', '-q', '-b', 'main'], { cwd: work });
    await client.ok(['commit', '-q', '--allow-empty', '-m', 'one'], { cwd: work });
    const pushing = client.git(['push', remote(), 'main'], { cwd: work });
    await b.p.line('pre-receive kept');
    const objectsBefore = objectFiles(repoDir).filter((f) => !f.includes('incoming-'));
    await killed(b.p);
    expect((await pushing).code).not.toBe(0);
    // git dies of the broken pipe to berthd, which leaves its quarantine (never part of the
    // repository); the next berthd removes it once it has not changed for a minute.
    await vi.waitFor(() => expect(processesIn(repoDir)).toEqual([]), { timeout: 15_000, interval: 100 });
    const outside = (files: string[]) => files.filter((f) => !f.includes('incoming-'));
    expect(outside(objectFiles(repoDir))).toEqual(objectsBefore);
    expect(await refsOf(client, repoDir)).toBe('');
    await client.ok(['--git-dir', repoDir, 'fsck', '--full', '--strict']);
    const left = fs.readdirSync(path.join(repoDir, 'objects')).filter((e) => e.includes('incoming-'));
    const longAgo = new Date(Date.now() - 5 * 60_000);
    for (const entry of left) {
      const dir = path.join(repoDir, 'objects', entry);
      for (const file of [
        dir,
        ...(fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f)),
      ])
        fs.utimesSync(file, longAgo, longAgo);
    }

    // Killed while post-receive runs: the refs had moved and stay moved.
    b = await start(env, 'post-receive');
    expect(objectFiles(repoDir).filter((f) => f.includes('incoming-'))).toEqual([]);
    const sha = (await client.ok(['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
    const second = client.git(['push', remote(), 'main'], { cwd: work });
    await b.p.line('post-receive kept');
    await killed(b.p);
    await second;
    await vi.waitFor(() => expect(processesIn(repoDir)).toEqual([]), { timeout: 15_000, interval: 100 });
    expect(await refsOf(client, repoDir)).toBe(`${sha} refs/heads/main\n`);
    await client.ok(['--git-dir', repoDir, 'fsck', '--full', '--strict']);

    // A new berthd (the stale socket replaced) takes pushes again.
    b = await start(env);
    await client.ok(['commit', '-q', '--allow-empty', '-m', 'two'], { cwd: work });
    const third = await client.git(['push', remote(), 'main'], { cwd: work });
    expect(third.code, third.stderr).toBe(0);
    const head = (await client.ok(['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
    expect(await refsOf(client, repoDir)).toBe(`${head} refs/heads/main\n`);
    b.p.child.kill('SIGTERM');
    await b.p.exited;
  });
});
