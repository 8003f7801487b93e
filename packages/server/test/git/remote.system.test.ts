// fetchRemote over HTTP against a real git smart-HTTP server (git http-backend behind a small
// node:http server that requires basic auth): branches, tags and commit ids, incremental fetches,
// wrong tokens (never shown), redirects (the token never follows one), the size limit (the mirror
// is deleted), the time limit and aborts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  archiveCommit,
  checkTree,
  type FetchRemoteOptions,
  fetchRemote,
  mirrorDirFor,
  repoBytes,
} from '../../src/git/index.ts';
import { unpackPackage } from '../../src/sources/index.ts';
import { fetchOptions } from './sources-support/fetch-options.ts';
import { type GitHttpServer, startGitHttpServer } from './sources-support/git-http-server.ts';
import { refusal } from './sources-support/refusal.ts';
import { git, TestRepo } from './sources-support/test-repo.ts';

const TOKEN = 'glpat-TEST-token-0123456789';
const BASIC = Buffer.from(`git:${TOKEN}`).toString('base64');

let repo: TestRepo;
let server: GitHttpServer;
let data: string;
let first: string;
let second: string;
let onFeature: string;

beforeAll(async () => {
  repo = TestRepo.temp();
  first = repo.commit({ 'package.json': '{"v":1}', 'bin/run': { content: '#!/bin/sh\n', mode: 0o755 } });
  second = repo.commit({ 'package.json': '{"v":2}' });
  onFeature = repo.commit({ 'feature.txt': 'x' }, 'feature/x');
  repo.tag('v1.0.0', first, true);
  repo.tag('light', second);
  server = await startGitHttpServer({ projectRoot: repo.root, username: 'git', token: TOKEN });
  data = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-mirrors-'));
});
afterAll(async () => {
  await server.close();
  repo.cleanup();
  fs.rmSync(data, { recursive: true, force: true });
});

const options = (over: Partial<FetchRemoteOptions> = {}): FetchRemoteOptions =>
  fetchOptions(data, { url: `${server.url}/repo.git`, credentials: { kind: 'token', token: TOKEN } }, over);

const commitsIn = (gitDir: string) =>
  git([`--git-dir=${gitDir}`, 'rev-list', '--all'])
    .split('\n')
    .filter(Boolean);

describe('fetchRemote over HTTP with a token', () => {
  it('fetches a branch shallowly into a new 0700 mirror, sending the token as basic auth', async () => {
    const o = options();
    const lines: string[] = [];
    server.requests.length = 0;
    const result = await fetchRemote({ ...o, log: (l) => lines.push(l) });
    expect(result).toEqual({ commit: second, ref: 'refs/heads/main' });
    expect(fs.statSync(o.mirrorDir).mode & 0o777).toBe(0o700);
    expect(commitsIn(o.mirrorDir)).toEqual([second]);
    expect(server.requests.length).toBeGreaterThan(0);
    expect(server.requests.every((r) => r.authorized)).toBe(true);
    expect(lines.join('\n')).toContain(`Fetching main from ${server.url}/repo.git`);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('fetches a branch with a slash, an annotated tag (peeled) and a light tag', async () => {
    expect(await fetchRemote(options({ ref: 'feature/x' }))).toEqual({
      commit: onFeature,
      ref: 'refs/heads/feature/x',
    });
    expect(await fetchRemote(options({ ref: 'v1.0.0' }))).toEqual({ commit: first, ref: 'refs/tags/v1.0.0' });
    expect(await fetchRemote(options({ ref: 'refs/tags/light' }))).toEqual({
      commit: second,
      ref: 'refs/tags/light',
    });
  });

  it('fetches a commit that no branch points at, by full and by abbreviated id', async () => {
    const full = options({ ref: first });
    const lines: string[] = [];
    expect(await fetchRemote({ ...full, log: (l) => lines.push(l) })).toEqual({ commit: first, ref: null });
    // git's protocol v2 serves a commit by id: no need for the whole history.
    expect(lines.join('\n')).not.toContain('every branch');
    expect(commitsIn(full.mirrorDir)).toEqual([first]);
    expect(await fetchRemote(options({ ref: first.slice(0, 9) }))).toEqual({ commit: first, ref: null });
    // Fetched once, a full id is answered from the mirror: the server is only asked for its refs
    // (protocol v2: one ls-refs request), no fetch follows.
    server.requests.length = 0;
    expect(await fetchRemote({ ...full, ref: first })).toEqual({ commit: first, ref: null });
    expect(server.requests.filter((r) => r.method === 'POST').length).toBe(1);
  });

  it('fetches again into the same mirror: new commits arrive, the mirror stays consistent', async () => {
    const other = TestRepo.temp();
    const otherServer = await startGitHttpServer({ projectRoot: other.root, username: 'git', token: TOKEN });
    try {
      const o = options({ url: `${otherServer.url}/repo.git` });
      const c1 = other.commit({ 'a.txt': '1' });
      expect((await fetchRemote(o)).commit).toBe(c1);
      const c2 = other.commit({ 'a.txt': '2' });
      expect((await fetchRemote(o)).commit).toBe(c2);
      // A force-push replaces the branch: the next fetch follows it.
      other.git(['update-ref', 'refs/heads/main', c1]);
      expect((await fetchRemote(o)).commit).toBe(c1);
      git([`--git-dir=${o.mirrorDir}`, 'fsck', '--no-dangling']);
      // What was fetched archives and unpacks like a hosted repository's commit.
      await checkTree(o.mirrorDir, c1);
      const dest = path.join(data, `tree-${crypto.randomUUID()}`);
      await unpackPackage(
        archiveCommit(o.mirrorDir, c1, { signal: AbortSignal.timeout(30_000), timeoutMs: 30_000 }),
        dest,
      );
      expect(fs.readFileSync(path.join(dest, 'a.txt'), 'utf8')).toBe('1');
    } finally {
      await otherServer.close();
      other.cleanup();
    }
  });

  it('fetches into one mirror at the same time take turns and all succeed', async () => {
    const o = options();
    const results = await Promise.all(
      ['main', 'v1.0.0', 'feature/x', first, 'main'].map((ref) => fetchRemote({ ...o, ref })),
    );
    expect(results.map((r) => r.commit)).toEqual([second, first, onFeature, first, second]);
  });

  it('GIT_REF_NOT_FOUND for a ref the server does not have', async () => {
    for (const ref of ['nope', 'refs/heads/nope', 'v9', 'deadbeefcafe']) {
      const e = await refusal(fetchRemote(options({ ref })));
      expect(e.code, ref).toBe('GIT_REF_NOT_FOUND');
      expect(e.details).toMatchObject({ ref });
    }
  });

  it('GIT_FETCH_FAILED for a wrong token, with no trace of either token', async () => {
    const wrong = 'glpat-WRONG-token-987654321';
    const e = await refusal(fetchRemote(options({ credentials: { kind: 'token', token: wrong } })));
    expect(e.code).toBe('GIT_FETCH_FAILED');
    const shown = JSON.stringify(e);
    for (const secret of [wrong, TOKEN, BASIC, Buffer.from(`git:${wrong}`).toString('base64')]) {
      expect(shown).not.toContain(secret);
    }
    expect((e.details as { tail: string[] }).tail.length).toBeGreaterThan(0);
  });

  it('GIT_FETCH_FAILED without a token for a server that wants one, and for a missing repository', async () => {
    expect((await refusal(fetchRemote(options({ credentials: { kind: 'none' } })))).code).toBe(
      'GIT_FETCH_FAILED',
    );
    expect((await refusal(fetchRemote(options({ url: `${server.url}/missing.git` })))).code).toBe(
      'GIT_FETCH_FAILED',
    );
  });

  it('does not follow a redirect with the token: the other server never sees it', async () => {
    const elsewhere = await startGitHttpServer({ projectRoot: repo.root, username: 'git', token: TOKEN });
    try {
      server.redirects.set('/moved.git/info/refs', `${elsewhere.url}/repo.git/info/refs`);
      const e = await refusal(fetchRemote(options({ url: `${server.url}/moved.git` })));
      expect(e.code).toBe('GIT_FETCH_FAILED');
      expect(elsewhere.requests.filter((r) => r.authorization !== undefined)).toEqual([]);
    } finally {
      server.redirects.clear();
      await elsewhere.close();
    }
  });

  it('GIT_REPO_TOO_LARGE when the mirror outgrows the limit; the mirror is deleted', async () => {
    const big = TestRepo.temp();
    const bigServer = await startGitHttpServer({ projectRoot: big.root, username: 'git', token: TOKEN });
    try {
      big.commit({ 'blob.bin': crypto.randomBytes(3 * 1024 * 1024) });
      const o = options({ url: `${bigServer.url}/repo.git`, maxRepoBytes: 1024 * 1024 });
      const e = await refusal(fetchRemote(o));
      expect(e.code).toBe('GIT_REPO_TOO_LARGE');
      expect(fs.existsSync(o.mirrorDir)).toBe(false);
      // Under the limit, the same fetch works and the mirror is measured.
      const ok = options({ url: `${bigServer.url}/repo.git`, maxRepoBytes: 8 * 1024 * 1024 });
      await fetchRemote(ok);
      expect(await repoBytes(ok.mirrorDir)).toBeGreaterThan(3 * 1024 * 1024);
    } finally {
      await bigServer.close();
      big.cleanup();
    }
  });

  it('GIT_FETCH_FAILED after the time limit for a server that never answers; an abort throws its reason', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/repo.git`;
    try {
      const started = Date.now();
      const timed = options({ url, timeoutMs: 1500 });
      const e = await refusal(fetchRemote(timed));
      expect(e.code).toBe('GIT_FETCH_FAILED');
      expect(e.message).toMatch(/took longer than 1500 ms/);
      // A killed fetch may leave lock files: the mirror (a cache) is removed, the next fetch starts afresh.
      expect(fs.existsSync(timed.mirrorDir)).toBe(false);
      expect((await fetchRemote({ ...timed, url: `${server.url}/repo.git`, timeoutMs: 60_000 })).commit).toBe(
        second,
      );
      expect(Date.now() - started).toBeLessThan(10_000);
      const controller = new AbortController();
      const reason = new Error('deploy cancelled');
      setTimeout(() => controller.abort(reason), 300);
      await expect(fetchRemote(options({ url, signal: controller.signal }))).rejects.toBe(reason);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('keeps the token out of every process argv while git runs', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/repo.git`;
    const controller = new AbortController();
    const fetching = fetchRemote(options({ url, signal: controller.signal })).catch(() => {});
    try {
      // Wait until git is connected (and so started with its full argv and environment).
      await vi.waitFor(() => expect(sockets.size).toBeGreaterThan(0), { timeout: 10_000 });
      let gitSeen = false;
      for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
        let cmdline: string;
        try {
          cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        } catch {
          continue; // gone meanwhile
        }
        expect(cmdline).not.toContain(TOKEN);
        expect(cmdline).not.toContain(BASIC);
        if (cmdline.includes(url)) gitSeen = true;
      }
      expect(gitSeen).toBe(true);
    } finally {
      controller.abort();
      await fetching;
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('refuses credentials that do not fit the URL before any connection', async () => {
    server.requests.length = 0;
    const cases: [Partial<FetchRemoteOptions>, RegExp][] = [
      [{ url: 'ssh://git@127.0.0.1:1/x.git', credentials: { kind: 'token', token: TOKEN } }, /deploy key/],
      [{ url: 'http://example.com/x.git', credentials: { kind: 'token', token: TOKEN } }, /only over https/],
      [{ credentials: { kind: 'ssh', privateKey: 'x' } }, /deploy key works with ssh/],
      [{ url: 'ssh://git@127.0.0.1:1/x.git', credentials: { kind: 'none' } }, /needs a deploy key/],
      [{ credentials: { kind: 'token', token: 'two words' } }, /token/],
      [{ url: 'file:///etc' }, /file:\/\/ is not allowed/],
      [{ ref: '--upload-pack=touch /tmp/x' }, /not valid/],
    ];
    for (const [over, message] of cases) {
      const e = await refusal(fetchRemote(options(over)));
      expect(['VALIDATION_FAILED', 'GIT_REF_INVALID'], JSON.stringify(over)).toContain(e.code);
      expect(e.message).toMatch(message);
    }
    expect(server.requests).toEqual([]);
  });
});

describe('mirrorDirFor', () => {
  it('one directory per app and URL under the data dir', () => {
    const a = mirrorDirFor('/data', 'shop', 'https://example.com/a.git');
    expect(a).toMatch(/^\/data\/git\/mirrors\/shop\/[0-9a-f]{16}\.git$/);
    expect(mirrorDirFor('/data', 'shop', 'https://example.com/b.git')).not.toBe(a);
    expect(mirrorDirFor('/data', 'blog', 'https://example.com/a.git')).not.toBe(a);
    expect(mirrorDirFor('/data', 'my_app-2', 'https://example.com/a.git')).toMatch(/\/mirrors\/my_app-2\//);
    expect(() => mirrorDirFor('/data', '../x', 'https://example.com/a.git')).toThrow();
  });
});
