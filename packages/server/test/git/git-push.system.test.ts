// Hosted repositories against the real git client and a real berthd: clone, push, tags, force-push,
// deletes; and the push hook bridge with the test's own handlers (a refusing pre-receive, a
// post-receive streaming lines, handlers reading the quarantined objects).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostedRepoDir, type PushHooks, type RefUpdate, runGit } from '../../src/git/index.ts';
import { systemDialects } from '../support/databases.ts';
import { ADMIN_PASSWORD, createUsers, startTestBerthd, type TestBerthd } from '../support/harness.ts';
import {
  createGitClient,
  type GitClient,
  objectFiles,
  processesIn,
  refsOf,
  remoteWithCredentials,
} from './git-client.ts';

const PASSWORD = 'correct-horse-battery';

/** What the test's hooks saw, and what they are told to do next. */
interface HookScript {
  refuse?: string;
  /** Set: pre-receive records the environments of the processes serving the push. */
  environs?: string[];
  lines?: string[];
  seen: Array<{ hook: string; code: string; user: string; updates: RefUpdate[]; readme?: string }>;
}

describe.each(systemDialects())('git push over HTTP on %s', (dialect) => {
  let t: TestBerthd;
  let client: GitClient;
  const tokens: Record<string, string> = {};
  const script: HookScript = { seen: [] };
  const hooks: PushHooks = {
    async preReceive(push, updates, out) {
      // The pushed objects are readable through objectEnv before they are the repository's.
      const tip = updates.find((u) => u.ref === 'refs/heads/main' && !/^0+$/.test(u.newCommit));
      let readme: string | undefined;
      if (tip) {
        const shown = await runGit(['show', `${tip.newCommit}:README`], {
          env: { GIT_DIR: push.repoDir, ...push.objectEnv },
          okCodes: [128],
        });
        readme = shown.code === 0 ? shown.stdout.toString() : undefined;
      }
      script.seen.push({
        hook: 'pre',
        code: push.code,
        user: push.actor.username,
        updates,
        ...(readme ? { readme } : {}),
      });
      if (script.environs) script.environs.push(...processesIn(push.repoDir).map((p) => p.environ));
      if (script.refuse) {
        out.line('checking the push');
        throw new Error(script.refuse);
      }
    },
    async postReceive(push, updates, out) {
      script.seen.push({ hook: 'post', code: push.code, user: push.actor.username, updates });
      for (const line of script.lines ?? []) {
        out.line(line);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };

  beforeAll(async () => {
    t = await startTestBerthd({ dialect, berthd: { pushHooks: hooks } });
    client = createGitClient();
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const cookies = await createUsers(
      t,
      admin,
      [
        ['dev', 'developer'],
        ['dev2', 'developer'],
        ['stranger', 'developer'],
        ['aud', 'auditor'],
      ],
      PASSWORD,
    );
    cookies['admin'] = admin;
    expect(
      (await t.api('POST', '/api/v1/apps', { cookie: cookies['dev'], body: { code: 'shop', name: 'Shop' } }))
        .status,
    ).toBe(201);
    expect(
      (
        await t.api('POST', '/api/v1/apps/shop/members', {
          cookie: cookies['dev'],
          body: { username: 'dev2' },
        })
      ).status,
    ).toBe(204);
    for (const who of ['dev', 'dev2', 'stranger', 'aud', 'admin']) {
      const res = await t.api('POST', '/api/v1/me/tokens', { cookie: cookies[who], body: { name: 'git' } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      tokens[who] = res.body.secret;
    }
  });
  afterAll(async () => {
    client?.remove();
    await t?.stop();
  });

  const remote = (who = 'dev', code = 'shop') => remoteWithCredentials(t.url, code, who, tokens[who]!);
  const repoDir = () => hostedRepoDir(t.dataDir, 'shop');

  async function commit(cwd: string, file: string, content: string, message: string): Promise<string> {
    fs.writeFileSync(path.join(cwd, file), content);
    await client.ok(['add', file], { cwd });
    await client.ok(['commit', '-q', '-m', message], { cwd });
    return (await client.ok(['rev-parse', 'HEAD'], { cwd })).stdout.trim();
  }

  it('clones the empty repository, pushes main, and a second clone sees the commit', async () => {
    const empty = await client.git(['clone', remote(), 'work']);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stderr).toContain('You appear to have cloned an empty repository');
    const work = path.join(client.dir, 'work');
    await client.ok(['checkout', '-q', '-b', 'main'], { cwd: work });
    const sha = await commit(work, 'README', 'hello\n', 'first');
    const pushed = await client.git(['push', 'origin', 'main'], { cwd: work });
    expect(pushed.code, pushed.stderr).toBe(0);

    const again = await client.ok(['clone', remote('dev2'), 'again']);
    expect(again.code).toBe(0);
    expect(fs.readFileSync(path.join(client.dir, 'again', 'README'), 'utf8')).toBe('hello\n');
    expect(
      (await client.ok(['rev-parse', 'HEAD'], { cwd: path.join(client.dir, 'again') })).stdout.trim(),
    ).toBe(sha);

    // The handlers saw the push with its actor, and pre-receive read the quarantined README.
    const pre = script.seen.find((s) => s.hook === 'pre');
    expect(pre).toMatchObject({ code: 'shop', user: 'dev', readme: 'hello\n' });
    expect(pre!.updates).toEqual([{ ref: 'refs/heads/main', oldCommit: '0'.repeat(40), newCommit: sha }]);
    expect(script.seen.find((s) => s.hook === 'post')?.updates[0]?.newCommit).toBe(sha);

    // The repository is root's, closed, and served with Berth's hooks only.
    expect(fs.statSync(repoDir()).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(t.dataDir, 'git')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(t.dataDir, 'git', 'hooks.sock')).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(repoDir(), 'hooks'))).toBe(false);
  });

  it('pushes a tag, force-pushes, and deletes a branch', async () => {
    const work = path.join(client.dir, 'work');
    await client.ok(['tag', 'v1.0.0'], { cwd: work });
    expect((await client.git(['push', 'origin', 'v1.0.0'], { cwd: work })).code).toBe(0);

    const before = (await client.ok(['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
    await commit(work, 'README', 'second\n', 'second');
    expect((await client.git(['push', 'origin', 'main'], { cwd: work })).code).toBe(0);
    await client.ok(['reset', '-q', '--hard', before], { cwd: work });
    const rewritten = await commit(work, 'README', 'rewritten\n', 'rewritten');
    const plain = await client.git(['push', 'origin', 'main'], { cwd: work });
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/rejected|non-fast-forward|fetch first/);
    const forced = await client.git(['push', '--force', 'origin', 'main'], { cwd: work });
    expect(forced.code, forced.stderr).toBe(0);

    await client.ok(['push', 'origin', 'main:refs/heads/feature'], { cwd: work });
    expect(await refsOf(client, repoDir())).toContain('refs/heads/feature');
    const deleted = await client.git(['push', 'origin', '--delete', 'feature'], { cwd: work });
    expect(deleted.code, deleted.stderr).toBe(0);
    const refs = await refsOf(client, repoDir());
    expect(refs).not.toContain('refs/heads/feature');
    expect(refs).toContain(`${rewritten} refs/heads/main`);
    expect(refs).toContain('refs/tags/v1.0.0');
  });

  it('shows a refusing pre-receive message to the pusher and leaves the ref alone', async () => {
    const work = path.join(client.dir, 'work');
    const refsBefore = await refsOf(client, repoDir());
    await commit(work, 'README', 'refused\n', 'refused');
    script.refuse = 'the manifest is pinned: no';
    try {
      const pushed = await client.git(['push', 'origin', 'main'], { cwd: work });
      expect(pushed.code).not.toBe(0);
      expect(pushed.stderr).toContain('remote: checking the push');
      expect(pushed.stderr).toContain('remote: the manifest is pinned: no');
      expect(pushed.stderr).toContain('pre-receive hook declined');
    } finally {
      delete script.refuse;
    }
    expect(await refsOf(client, repoDir())).toBe(refsBefore);
    // The quarantine went with the refusal.
    expect(objectFiles(repoDir()).filter((f) => f.includes('incoming-'))).toEqual([]);
  });

  it('streams post-receive lines to the pusher in order, control characters removed', async () => {
    const work = path.join(client.dir, 'work');
    script.lines = ['building…', 'step \u001b[31mred\u001b[0m', 'deployed: http://shop.example'];
    try {
      const pushed = await client.git(['push', 'origin', 'main'], { cwd: work });
      expect(pushed.code, pushed.stderr).toBe(0);
      const remoteLines = pushed.stderr
        .split('\n')
        .filter((l) => l.startsWith('remote: '))
        .map((l) => l.trimEnd());
      expect(remoteLines).toEqual([
        'remote: building…',
        'remote: step [31mred[0m',
        'remote: deployed: http://shop.example',
      ]);
    } finally {
      delete script.lines;
    }
  });

  it('refuses refs other than branches and tags, and names git itself refuses', async () => {
    const work = path.join(client.dir, 'work');
    const refsBefore = await refsOf(client, repoDir());
    const remoteRef = await client.git(['push', 'origin', 'main:refs/remotes/origin/x'], { cwd: work });
    expect(remoteRef.code).not.toBe(0);
    expect(remoteRef.stderr).toContain('GIT_REF_INVALID');
    const notes = await client.git(['push', 'origin', 'main:refs/notes/x'], { cwd: work });
    expect(notes.code).not.toBe(0);
    const long = await client.git(['push', 'origin', `main:refs/heads/${'x'.repeat(300)}`], { cwd: work });
    expect(long.code).not.toBe(0);
    expect(long.stderr).toMatch(/GIT_REF_INVALID|File name too long/);
    for (const bad of [
      'refs/heads/../x',
      'refs/heads/a..b',
      'refs/heads/x.lock',
      'refs/heads/a b',
      'refs/heads/x~1',
    ]) {
      const run = await client.git(['push', 'origin', `main:${bad}`], { cwd: work });
      expect(run.code, bad).not.toBe(0);
    }
    // Names that pass git's own check but that Berth refuses: an option-like name, a branch HEAD.
    for (const odd of ['refs/heads/-x', 'refs/tags/-x', 'HEAD', 'refs/heads/HEAD', 'refs/heads/a/HEAD']) {
      const run = await client.git(['push', 'origin', `main:${odd}`], { cwd: work });
      expect(run.code, odd).not.toBe(0);
      expect(run.stderr, odd).toContain('remote: GIT_REF_INVALID');
    }
    expect(fs.readFileSync(path.join(repoDir(), 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
    expect(await refsOf(client, repoDir())).toBe(refsBefore);
  });

  it('lets an auditor fetch and refuses their push before git runs', async () => {
    const clone = await client.git(['clone', '-q', remote('aud'), 'aud']);
    expect(clone.code, clone.stderr).toBe(0);
    const work = path.join(client.dir, 'aud');
    await commit(work, 'README', 'auditor\n', 'auditor');
    const objects = objectFiles(repoDir());
    const refs = await refsOf(client, repoDir());
    const pushed = await client.git(['push', 'origin', 'HEAD:main'], { cwd: work });
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toContain('FORBIDDEN');
    expect(objectFiles(repoDir())).toEqual(objects);
    expect(await refsOf(client, repoDir())).toBe(refs);
  });

  it('refuses bad credentials with 401 and the realm, storing nothing', async () => {
    const work = path.join(client.dir, 'work');
    await commit(work, 'README', 'intruder\n', 'intruder');
    const objects = objectFiles(repoDir());
    const refs = await refsOf(client, repoDir());

    // A revoked token.
    const revokedToken = tokens['dev2']!;
    const list = await t.api('GET', '/api/v1/me/tokens', { token: revokedToken });
    expect(
      (await t.api('DELETE', `/api/v1/me/tokens/${list.body.tokens[0].id}`, { token: revokedToken })).status,
    ).toBe(204);

    const attempts: Array<[string, string]> = [
      ['wrong token', remoteWithCredentials(t.url, 'shop', 'dev', 'berth_not-a-real-token')],
      ['revoked token', remoteWithCredentials(t.url, 'shop', 'dev2', revokedToken)],
      ["another user's name", remoteWithCredentials(t.url, 'shop', 'stranger', tokens['dev']!)],
      ['no credentials', `${t.url}/git/shop.git`],
      ['a password, not a token', remoteWithCredentials(t.url, 'shop', 'dev', PASSWORD)],
    ];
    for (const [what, url] of attempts) {
      const pushed = await client.git(['push', url, 'HEAD:main'], { cwd: work });
      expect(pushed.code, what).not.toBe(0);
      expect(pushed.stderr, what).toMatch(
        /Authentication failed|could not read Username|terminal prompts disabled/,
      );
    }
    // A developer who is not a member: the app does not exist for them.
    const stranger = await client.git(['push', remote('stranger'), 'HEAD:main'], { cwd: work });
    expect(stranger.code).not.toBe(0);
    expect(stranger.stderr).toMatch(/APP_NOT_FOUND|not found/);
    expect(objectFiles(repoDir())).toEqual(objects);
    expect(await refsOf(client, repoDir())).toBe(refs);

    // On the wire: 401 with the realm; a session cookie alone is no credential.
    const bare = await fetch(`${t.url}/git/shop.git/info/refs?service=git-receive-pack`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toContain('Basic realm="Berth git"');
    expect(await bare.text()).toContain('UNAUTHENTICATED');
    const cookie = await t.login('dev', PASSWORD);
    const withCookie = await fetch(`${t.url}/git/shop.git/info/refs?service=git-upload-pack`, {
      headers: { cookie: `${t.cookieName}=${cookie}` },
    });
    expect(withCookie.status).toBe(401);
    const cookiePost = await fetch(`${t.url}/git/shop.git/git-receive-pack`, {
      method: 'POST',
      headers: {
        cookie: `${t.cookieName}=${cookie}`,
        'content-type': 'application/x-git-receive-pack-request',
      },
      body: '0000',
    });
    expect([401, 403]).toContain(cookiePost.status);
    const bearer = await fetch(`${t.url}/git/shop.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Bearer ${tokens['dev']}` },
    });
    expect(bearer.status).toBe(401);
    // Dumb protocol and other paths are not served.
    const auth = `Basic ${Buffer.from(`dev:${tokens['dev']}`).toString('base64')}`;
    const dumb = await fetch(`${t.url}/git/shop.git/info/refs`, { headers: { authorization: auth } });
    expect(dumb.status).toBe(400);
    const head = await fetch(`${t.url}/git/shop.git/HEAD`, { headers: { authorization: auth } });
    expect(head.status).toBe(404);
    const odd = await fetch(`${t.url}/git/..%2Fshop.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: auth },
    });
    expect(odd.status).toBe(404);
  });

  it('fetches with a gzipped request (many wants) and protocol v2', async () => {
    const mine = path.join(client.dir, 'gzip-a');
    const theirs = path.join(client.dir, 'gzip-b');
    await client.ok(['clone', '-q', remote(), mine]);
    await client.ok(['checkout', '-q', '-B', 'main'], { cwd: mine });
    await commit(mine, 'BASE', 'base\n', 'base');
    await client.ok(['push', '-q', 'origin', 'main'], { cwd: mine });
    await client.ok(['clone', '-q', remote(), theirs]);
    // 40 commits with a tag each, made in one fast-import: the fetch wants each of them.
    const stream = Array.from(
      { length: 40 },
      (_, i) =>
        `commit refs/heads/main\nmark :${i + 1}\ncommitter Dev <dev@example.com> ${1700000000 + i} +0000\n` +
        `data 8\ntag t${String(i).padStart(3, '0')}\n${i === 0 ? 'from refs/heads/main^0\n' : ''}\n` +
        `reset refs/tags/t${i}\nfrom :${i + 1}\n\n`,
    ).join('');
    await client.ok(['fast-import', '--quiet'], { cwd: theirs, input: stream });
    await client.ok(['push', '-q', 'origin', 'main', '--tags'], { cwd: theirs });
    const fetched = await client.git(['-c', 'protocol.version=2', 'fetch', '--tags', 'origin'], {
      cwd: mine,
      env: { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' },
    });
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(fetched.stderr).toMatch(/Content-Encoding: gzip/i);
    expect(fetched.stderr).toMatch(/Git-Protocol: version=2/i);
    const tip = (await client.ok(['rev-parse', 'HEAD'], { cwd: theirs })).stdout.trim();
    expect((await client.ok(['rev-parse', 'origin/main'], { cwd: mine })).stdout.trim()).toBe(tip);
    // (The tag pushed by an earlier test comes along too.)
    const tags = (await client.ok(['tag', '--list', 't*'], { cwd: mine })).stdout.split('\n').filter(Boolean);
    expect(tags).toHaveLength(40);
  });

  it('gives git and the hooks no setting or secret of berthd and no credential of the pusher', async () => {
    const work = path.join(client.dir, 'work');
    await commit(work, 'ENV', 'env\n', 'env');
    script.environs = [];
    try {
      const pushed = await client.git(['push', 'origin', 'HEAD:refs/heads/env'], { cwd: work });
      expect(pushed.code, pushed.stderr).toBe(0);
      // receive-pack and the pre-receive hook program, at least.
      expect(script.environs.length).toBeGreaterThanOrEqual(2);
      for (const environ of script.environs) {
        const names = environ.split('\0').map((entry) => entry.split('=')[0]);
        expect(names.filter((n) => n?.startsWith('BERTH_'))).toEqual([]);
        expect(environ).not.toContain(tokens['dev']!);
        expect(environ).not.toContain(ADMIN_PASSWORD);
        expect(names).not.toContain('HTTP_AUTHORIZATION');
        expect(environ).toContain('REMOTE_USER=dev');
        expect(environ).toContain('GIT_CONFIG_GLOBAL=/dev/null');
      }
    } finally {
      delete script.environs;
    }
  });

  it('accepts the repository name without .git', async () => {
    const cloned = await client.git([
      'clone',
      '-q',
      remoteWithCredentials(t.url, 'shop', 'dev', tokens['dev']!).replace(/\.git$/, ''),
      'nodotgit',
    ]);
    expect(cloned.code, cloned.stderr).toBe(0);
  });

  it('refuses a hook program run outside a push (fail closed)', async () => {
    const hook = path.join(t.dataDir, 'git', 'hooks', 'pre-receive');
    const zero = '0'.repeat(40);
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(hook, [], { cwd: repoDir(), env: { PATH: process.env['PATH'] ?? '', ...env } });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => {
          stderr += c.toString();
        });
        child.stdin.end(`${zero} ${'1'.repeat(40)} refs/heads/main\n`);
        child.once('close', (code) => resolve({ code, stderr }));
      });
    const noId = await run({});
    expect(noId.code).toBe(1);
    const guessed = await run({
      PUSH_BRIDGE_SOCKET: path.join(t.dataDir, 'git', 'hooks.sock'),
      PUSH_BRIDGE_ID: 'guessed-id',
    });
    expect(guessed.code).toBe(1);
    expect(guessed.stderr).toContain('only inside a push');
    const noServer = await run({
      PUSH_BRIDGE_SOCKET: path.join(client.dir, 'nothing.sock'),
      PUSH_BRIDGE_ID: 'x',
    });
    expect(noServer.code).toBe(1);
  });

  it('keeps the repository consistent under concurrent pushes to one branch', async () => {
    const a = path.join(client.dir, 'race-a');
    const b = path.join(client.dir, 'race-b');
    await client.ok(['clone', '-q', remote(), a]);
    await client.ok(['clone', '-q', remote('admin'), b]);
    for (let round = 0; round < 3; round++) {
      await client.ok(['pull', '-q', '--rebase'], { cwd: a });
      await client.ok(['fetch', '-q'], { cwd: b });
      await client.ok(['reset', '-q', '--hard', 'origin/main'], { cwd: b });
      const shaA = await commit(a, 'A', `a${round}\n`, `a${round}`);
      const shaB = await commit(b, 'B', `b${round}\n`, `b${round}`);
      const [ra, rb] = await Promise.all([
        client.git(['push', 'origin', 'main'], { cwd: a }),
        client.git(['push', 'origin', 'main'], { cwd: b }),
      ]);
      const winners = [ra, rb].filter((r) => r.code === 0);
      expect(winners.length, `${ra.stderr}\n${rb.stderr}`).toBeGreaterThanOrEqual(1);
      expect(winners.length).toBeLessThanOrEqual(1);
      const loser = ra.code === 0 ? rb : ra;
      expect(loser.stderr).toMatch(
        /rejected|non-fast-forward|fetch first|cannot lock ref|failed to update ref/,
      );
      const main = (await refsOf(client, repoDir())).match(/^(\w+) refs\/heads\/main$/m)?.[1];
      expect([shaA, shaB]).toContain(main);
    }
    await client.ok(['--git-dir', repoDir(), 'fsck', '--full', '--strict']);
  });

  it('refuses to delete the branch HEAD names, and deletes others', async () => {
    const work = path.join(client.dir, 'race-a');
    const refs = await refsOf(client, repoDir());
    const deleted = await client.git(['push', 'origin', '--delete', 'main'], { cwd: work });
    expect(deleted.code).not.toBe(0);
    expect(deleted.stderr).toContain('refusing to delete the current branch');
    expect(await refsOf(client, repoDir())).toBe(refs);
  });

  it('deletes the repository with its app; the address then answers like any missing app', async () => {
    expect(fs.existsSync(repoDir())).toBe(true);
    expect((await t.api('DELETE', '/api/v1/apps/shop', { token: tokens['dev'] })).status).toBe(204);
    expect(fs.existsSync(repoDir())).toBe(false);
    const res = await fetch(`${t.url}/git/shop.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${tokens['admin']}`).toString('base64')}` },
    });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('APP_NOT_FOUND');
    expect(fs.existsSync(repoDir())).toBe(false);
  });
});
