// The size limits of hosted repositories, and pushes cut off mid-transfer: what a refused or broken
// push leaves is nothing (no object, no quarantine, refs unchanged) and the repository passes fsck.
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hostedRepoDir } from '../../src/git/index.ts';
import { systemDialects } from '../support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../support/harness.ts';
import {
  createGitClient,
  type GitClient,
  objectFiles,
  refsOf,
  remoteWithCredentials,
  writeRandomFile,
} from './git-client.ts';

const KB = 1024;

describe.each(systemDialects())('git push limits on %s', (dialect) => {
  let t: TestBerthd;
  let client: GitClient;
  let token: string;
  let work: string;

  beforeAll(async () => {
    t = await startTestBerthd({
      dialect,
      env: { BERTH_GIT_MAX_PUSH_SIZE: '1M', BERTH_GIT_MAX_REPO_SIZE: '1500k' },
    });
    client = createGitClient();
    const admin = await t.login('admin', ADMIN_PASSWORD);
    expect(
      (await t.api('POST', '/api/v1/apps', { cookie: admin, body: { code: 'big', name: 'Big' } })).status,
    ).toBe(201);
    token = (await t.api('POST', '/api/v1/me/tokens', { cookie: admin, body: { name: 'git' } })).body.secret;
    work = path.join(client.dir, 'work');
    await client.ok(['clone', '-q', remoteWithCredentials(t.url, 'big', 'admin', token), work]);
    await client.ok(['checkout', '-q', '-b', 'main'], { cwd: work });
    await commitRandom('small', 10 * KB);
    await client.ok(['push', '-q', 'origin', 'main'], { cwd: work });
  });
  afterAll(async () => {
    client?.remove();
    await t?.stop();
  });

  const repoDir = () => hostedRepoDir(t.dataDir, 'big');

  async function commitRandom(name: string, bytes: number): Promise<void> {
    writeRandomFile(path.join(work, name), bytes);
    await client.ok(['add', name], { cwd: work });
    await client.ok(['commit', '-q', '-m', name], { cwd: work });
  }

  async function unchanged(objects: string[], refs: string): Promise<void> {
    // git finishes on its own once its input ended: wait for the quarantine to go.
    await vi.waitFor(() => expect(objectFiles(repoDir())).toEqual(objects), {
      timeout: 15_000,
      interval: 100,
    });
    expect(await refsOf(client, repoDir())).toBe(refs);
    await client.ok(['--git-dir', repoDir(), 'fsck', '--full', '--strict']);
  }

  it('refuses a push larger than BERTH_GIT_MAX_PUSH_SIZE and keeps nothing of it', async () => {
    const objects = objectFiles(repoDir());
    const refs = await refsOf(client, repoDir());
    await commitRandom('huge', 2048 * KB);
    const pushed = await client.git(['push', 'origin', 'main'], { cwd: work });
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toMatch(/413|PAYLOAD_TOO_LARGE|unexpected disconnect|the remote end hung up/);
    await unchanged(objects, refs);
    await client.ok(['reset', '-q', '--hard', 'HEAD~1'], { cwd: work });
  });

  it('refuses a push that would grow the repository beyond BERTH_GIT_MAX_REPO_SIZE', async () => {
    await commitRandom('first', 700 * KB);
    const ok = await client.git(['push', 'origin', 'main'], { cwd: work });
    expect(ok.code, ok.stderr).toBe(0);
    const objects = objectFiles(repoDir());
    const refs = await refsOf(client, repoDir());
    await commitRandom('second', 900 * KB);
    const pushed = await client.git(['push', 'origin', 'main'], { cwd: work });
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toContain(
      'remote: GIT_REPO_TOO_LARGE: The repository would grow beyond its size limit',
    );
    await unchanged(objects, refs);
    await client.ok(['reset', '-q', '--hard', 'HEAD~1'], { cwd: work });
  });

  it('keeps the repository consistent when the pusher is killed mid-transfer', async () => {
    // A slow link between git and berthd (64 KiB every 50 ms), so the kill lands mid-transfer.
    const proxy = await slowProxy(new URL(t.url).port);
    try {
      const objects = objectFiles(repoDir());
      const refs = await refsOf(client, repoDir());
      await commitRandom('slow', 600 * KB);
      const url = remoteWithCredentials(`http://127.0.0.1:${proxy.port}`, 'big', 'admin', token);
      const child = client.start(['push', url, 'main'], work);
      await vi.waitFor(() => expect(proxy.bytes()).toBeGreaterThan(200 * KB), {
        timeout: 20_000,
        interval: 20,
      });
      process.kill(-child.pid!, 'SIGKILL');
      await unchanged(objects, refs);
    } finally {
      await proxy.close();
    }
    // And the next push goes through.
    const pushed = await client.git(['push', 'origin', 'main'], { cwd: work });
    expect(pushed.code, pushed.stderr).toBe(0);
  });
});

/** A TCP proxy to 127.0.0.1:`port` that forwards the client's bytes slowly and counts them. */
async function slowProxy(port: string) {
  let bytes = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      client.pause();
      let offset = 0;
      const next = () => {
        if (offset >= chunk.length) return client.resume();
        const part = chunk.subarray(offset, offset + 64 * KB);
        offset += part.length;
        bytes += part.length;
        upstream.write(part);
        setTimeout(next, 50);
      };
      next();
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    bytes: () => bytes,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
