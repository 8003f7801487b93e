// An app's source settings through the API: defaults, the external repository (credentials are
// write-only and sealed), triggers, and the manifest pin, with who may change what.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDialects } from '../support/databases.ts';
import { ADMIN_PASSWORD, createUsers, startTestBerthd, type TestBerthd } from '../support/harness.ts';

const PASSWORD = 'source-settings-pw-1';

describe.each(systemDialects())('source settings (%s)', (dialect) => {
  let t: TestBerthd;
  let admin: string;
  let users: Record<string, string>;
  const as = (cookie: string, method: string, p: string, body?: unknown) =>
    t.api(method, p, { cookie, ...(body === undefined ? {} : { body }) });

  beforeAll(async () => {
    t = await startTestBerthd({ dialect });
    admin = await t.login('admin', ADMIN_PASSWORD);
    users = await createUsers(
      t,
      admin,
      [
        ['dev', 'developer'],
        ['ops', 'operator'],
        ['aud', 'auditor'],
        ['stranger', 'developer'],
      ],
      PASSWORD,
    );
    expect((await as(admin, 'POST', '/api/v1/apps', { code: 'src', name: 'src' })).status).toBe(201);
    expect((await as(admin, 'POST', '/api/v1/apps/src/members', { username: 'dev' })).status).toBeLessThan(
      300,
    );
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('starts with the hosted repository, main deploying to stag and tags only stored', async () => {
    const res = await as(users['dev']!, 'GET', '/api/v1/apps/src/source');
    expect(res.status).toBe(200);
    expect(res.body.source).toEqual({
      repository: 'hosted',
      hosted: { remote: `${t.url}/git/src.git` },
      branch: 'main',
      branchEnv: 'stag',
      tagEnv: null,
    });
    const git = await as(users['dev']!, 'GET', '/api/v1/apps/src/git');
    expect(git.body).toEqual({ remote: `${t.url}/git/src.git`, username: 'dev' });
    expect((await as(users['stranger']!, 'GET', '/api/v1/apps/src/source')).status).toBe(404);
  });

  it('stores an external repository with a token it never shows, and audits without it', async () => {
    const put = await as(users['dev']!, 'PUT', '/api/v1/apps/src/source', {
      external: { url: 'https://git.example.com/team/src.git', token: 'glpat-secret-token-123' },
      repository: 'external',
      branch: 'release',
      tagEnv: 'prod',
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.source).toMatchObject({
      repository: 'external',
      external: { url: 'https://git.example.com/team/src.git', auth: 'token' },
      branch: 'release',
      branchEnv: 'stag',
      tagEnv: 'prod',
    });
    expect(JSON.stringify(put.body)).not.toContain('glpat-secret-token-123');
    const audit = await as(admin, 'GET', '/api/v1/audit?action=source.update');
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.body)).not.toContain('glpat-secret-token-123');
    expect(JSON.stringify(audit.body)).toContain('git.example.com');
    const stored = await t.berthd.store.db.selectFrom('app_sources').selectAll().executeTakeFirstOrThrow();
    expect(stored.external_secret).not.toContain('glpat-secret-token-123');

    // Changing only the branch keeps the credentials; a new URL without credentials drops them.
    const branch = await as(users['dev']!, 'PUT', '/api/v1/apps/src/source', { branch: 'main' });
    expect(branch.body.source.external.auth).toBe('token');
    const moved = await as(users['dev']!, 'PUT', '/api/v1/apps/src/source', {
      external: { url: 'https://other.example.com/src.git' },
    });
    expect(moved.body.source.external.auth).toBe('none');
  });

  it('refuses URLs that are not remote repositories, and odd branch names', async () => {
    for (const url of [
      'file:///etc',
      '/srv/repo.git',
      'ext::sh -c id',
      '--upload-pack=id',
      'https://user:pw@host/x.git',
    ]) {
      const res = await as(users['dev']!, 'PUT', '/api/v1/apps/src/source', { external: { url } });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code, url).toBe('VALIDATION_FAILED');
    }
    for (const branch of ['-x', 'a..b', 'a b', 'refs/heads/']) {
      const res = await as(users['dev']!, 'PUT', '/api/v1/apps/src/source', { branch });
      expect(res.status, branch).toBe(400);
      expect(res.body.error.code, branch).toBe('GIT_REF_INVALID');
    }
    const ssh = await as(users['dev']!, 'PUT', '/api/v1/apps/src/source', {
      external: { url: 'git@git.example.com:team/src.git', token: 't' },
    });
    expect(ssh.status).toBe(400);
    const noExternal = await as(users['dev']!, 'PUT', '/api/v1/apps/src/source', {
      external: null,
      repository: 'external',
    });
    expect(noExternal.status).toBe(409);
    expect(noExternal.body.error.code).toBe('SOURCE_NOT_CONFIGURED');
  });

  it('lets operators pin the manifest, not developers, and checks what is pinned', async () => {
    const manifest = 'processes:\n  web:\n    command: node server.js\nresources:\n  memory: 256M\n';
    const dev = await as(users['dev']!, 'PUT', '/api/v1/apps/src/source/pin', { manifest });
    expect(dev.status).toBe(403);
    const bad = await as(users['ops']!, 'PUT', '/api/v1/apps/src/source/pin', { manifest: 'processes: [1' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('MANIFEST_INVALID');
    const ok = await as(users['ops']!, 'PUT', '/api/v1/apps/src/source/pin', { manifest });
    expect(ok.status).toBe(200);
    expect(ok.body.source.pin).toMatchObject({
      fields: ['processes', 'resources'],
      manifest,
      pinnedBy: 'ops',
    });
    expect((await as(users['aud']!, 'GET', '/api/v1/apps/src/source')).body.source.pin.fields).toEqual([
      'processes',
      'resources',
    ]);
    expect((await as(users['dev']!, 'DELETE', '/api/v1/apps/src/source/pin')).status).toBe(403);
    const off = await as(users['ops']!, 'DELETE', '/api/v1/apps/src/source/pin');
    expect(off.status).toBe(200);
    expect(off.body.source.pin).toBeUndefined();
  });

  it('forgets the settings with the app', async () => {
    expect((await as(admin, 'DELETE', '/api/v1/apps/src')).status).toBeLessThan(300);
    const rows = await t.berthd.store.db
      .selectFrom('app_sources')
      .selectAll()
      .where('app_code', '=', 'src')
      .execute();
    expect(rows).toEqual([]);
  });
});
