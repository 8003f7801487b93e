import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../support/harness.ts';

const PW = 'developer-password-1';

describe('identity API: sessions and tokens', () => {
  let t: TestBerthd;
  let admin: string;

  beforeAll(async () => {
    t = await startTestBerthd();
    admin = await t.login('admin', ADMIN_PASSWORD);
    const res = await t.api('POST', '/api/v1/users', {
      cookie: admin,
      body: { username: 'dev', password: PW, role: 'developer', displayName: 'Dev Eloper' },
    });
    expect(res.status).toBe(201);
  });
  afterAll(async () => t?.stop());

  it('login sets a __Host- session cookie (HttpOnly, Secure, SameSite=Strict, no Domain) and returns the user', async () => {
    const before = Date.now();
    const res = await t.api('POST', '/api/v1/auth/login', { body: { username: 'dev', password: PW } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      user: {
        id: expect.stringMatching(/^usr_/),
        username: 'dev',
        displayName: 'Dev Eloper',
        role: 'developer',
        disabled: false,
        createdAt: expect.any(Number),
        updatedAt: expect.any(Number),
      },
      expiresAt: expect.any(Number),
      passwordChangeRequired: false,
    });
    expect(res.body.expiresAt).toBeGreaterThanOrEqual(before + 12 * 3_600_000);
    const cookie = res.headers.get('set-cookie')!;
    // The console is http://127.0.0.1:…: browsers keep Secure cookies from loopback names.
    expect(cookie).toMatch(/^__Host-berth_session=[A-Za-z0-9_-]{43}; /);
    const attrs = cookie.split('; ').slice(1);
    expect(attrs).toEqual(
      expect.arrayContaining(['Path=/', 'Max-Age=43200', 'HttpOnly', 'Secure', 'SameSite=Strict']),
    );
    expect(attrs.filter((a) => /^domain=/i.test(a))).toEqual([]);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('whoami by cookie and by API token', async () => {
    const cookie = await t.login('dev', PW);
    const me = await t.api('GET', '/api/v1/me', { cookie });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { username: 'dev', role: 'developer' }, via: 'session' });

    const created = await t.api('POST', '/api/v1/me/tokens', {
      cookie,
      body: { name: 'cli', expiresInDays: 7 },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^berth_/);
    expect(created.body.token).toMatchObject({
      name: 'cli',
      username: 'dev',
      prefix: created.body.secret.slice(0, 12),
    });
    const viaToken = await t.api('GET', '/api/v1/me', { token: created.body.secret });
    expect(viaToken.body).toMatchObject({ user: { username: 'dev' }, via: 'token' });

    const listed = await t.api('GET', '/api/v1/me/tokens', { token: created.body.secret });
    expect(listed.status).toBe(200);
    expect(listed.body.tokens).toEqual([{ ...created.body.token, lastUsedAt: expect.any(Number) }]);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
  });

  it('no credential, unknown, expired and revoked credentials get their codes', async () => {
    const none = await t.api('GET', '/api/v1/me');
    expect([none.status, none.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const unknown = await t.api('GET', '/api/v1/me', { token: 'berth_not-a-real-token' });
    expect([unknown.status, unknown.body.error.code]).toEqual([401, 'TOKEN_INVALID']);
    const unknownCookie = await t.api('GET', '/api/v1/me', { cookie: 'nope' });
    expect(unknownCookie.body.error.code).toBe('TOKEN_INVALID');

    const cookie = await t.login('dev', PW);
    const { body } = await t.api('POST', '/api/v1/me/tokens', {
      cookie,
      body: { name: 'expiring', expiresInDays: 1 },
    });
    const db = t.berthd.store.db;
    await db
      .updateTable('api_tokens')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', body.token.id)
      .execute();
    const expired = await t.api('GET', '/api/v1/me', { token: body.secret });
    expect([expired.status, expired.body.error.code]).toEqual([401, 'TOKEN_EXPIRED']);

    const sessionCookie = await t.login('dev', PW);
    await db
      .updateTable('sessions')
      .set({ expires_at: Date.now() - 1 })
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', Date.now())
      .where('created_at', '>=', Date.now() - 5000)
      .where(
        'user_id',
        '=',
        (await db.selectFrom('users').select('id').where('username', '=', 'dev').executeTakeFirstOrThrow())
          .id,
      )
      .execute();
    const expiredSession = await t.api('GET', '/api/v1/me', { cookie: sessionCookie });
    expect(expiredSession.body.error.code).toBe('TOKEN_EXPIRED');

    const other = await t.api('POST', '/api/v1/me/tokens', { cookie: admin, body: { name: 'revoke-me' } });
    const revoke = await t.api('DELETE', `/api/v1/me/tokens/${other.body.token.id}`, { cookie: admin });
    expect(revoke.status).toBe(204);
    const revoked = await t.api('GET', '/api/v1/me', { token: other.body.secret });
    expect([revoked.status, revoked.body.error.code]).toEqual([401, 'TOKEN_REVOKED']);
  });

  it('wrong passwords and unknown users get INVALID_CREDENTIALS alike', async () => {
    const wrong = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'dev', password: 'wrong-password' },
    });
    const ghost = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'ghost', password: 'wrong-password' },
    });
    for (const res of [wrong, ghost]) {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('INVALID_CREDENTIALS');
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect(wrong.body.error.message).toBe(ghost.body.error.message);
  });

  it('logout revokes the session in use and clears the cookie', async () => {
    const cookie = await t.login('dev', PW);
    const keep = await t.login('dev', PW);
    const res = await t.api('POST', '/api/v1/auth/logout', { cookie });
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toMatch(/^__Host-berth_session=; Max-Age=0; Path=\/; Expires=/);
    expect((await t.api('GET', '/api/v1/me', { cookie })).body.error.code).toBe('TOKEN_REVOKED');
    expect((await t.api('GET', '/api/v1/me', { cookie: keep })).status).toBe(200);
    // logging out again, or without a credential, still clears the cookie
    const again = await t.api('POST', '/api/v1/auth/logout', { cookie });
    expect(again.status).toBe(204);
    expect(again.headers.get('set-cookie')).toMatch(/Max-Age=0/);
  });

  it('logout with an API token revokes that token', async () => {
    const cookie = await t.login('dev', PW);
    const { body } = await t.api('POST', '/api/v1/me/tokens', { cookie, body: { name: 'bye' } });
    expect((await t.api('POST', '/api/v1/auth/logout', { token: body.secret })).status).toBe(204);
    expect((await t.api('GET', '/api/v1/me', { token: body.secret })).body.error.code).toBe('TOKEN_REVOKED');
    expect((await t.api('GET', '/api/v1/me', { cookie })).status).toBe(200);
  });

  it('PUT /me/password changes the password and logs out the other sessions', async () => {
    await t.api('POST', '/api/v1/users', {
      cookie: admin,
      body: { username: 'pat', password: PW, role: 'operator' },
    });
    const current = await t.login('pat', PW);
    const other = await t.login('pat', PW);
    const wrong = await t.api('PUT', '/api/v1/me/password', {
      cookie: current,
      body: { currentPassword: 'not-it-at-all', newPassword: 'pat-new-password' },
    });
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
    const weak = await t.api('PUT', '/api/v1/me/password', {
      cookie: current,
      body: { currentPassword: PW, newPassword: 'short' },
    });
    expect([weak.status, weak.body.error.code]).toEqual([400, 'WEAK_PASSWORD']);
    const ok = await t.api('PUT', '/api/v1/me/password', {
      cookie: current,
      body: { currentPassword: PW, newPassword: 'pat-new-password' },
    });
    expect(ok.status).toBe(204);
    expect((await t.api('GET', '/api/v1/me', { cookie: current })).status).toBe(200);
    expect((await t.api('GET', '/api/v1/me', { cookie: other })).body.error.code).toBe('TOKEN_REVOKED');
    await t.login('pat', 'pat-new-password');
  });

  it('a disabled user cannot log in, and their sessions and tokens stop working', async () => {
    await t.api('POST', '/api/v1/users', {
      cookie: admin,
      body: { username: 'quit', password: PW, role: 'developer' },
    });
    const cookie = await t.login('quit', PW);
    const { body } = await t.api('POST', '/api/v1/me/tokens', { cookie, body: { name: 'x' } });
    const res = await t.api('PATCH', '/api/v1/users/quit', { cookie: admin, body: { disabled: true } });
    expect(res.body.user.disabled).toBe(true);
    expect((await t.api('GET', '/api/v1/me', { cookie })).body.error.code).toBe('TOKEN_REVOKED');
    expect((await t.api('GET', '/api/v1/me', { token: body.secret })).body.error.code).toBe('TOKEN_REVOKED');
    const login = await t.api('POST', '/api/v1/auth/login', { body: { username: 'quit', password: PW } });
    expect([login.status, login.body.error.code]).toEqual([403, 'USER_DISABLED']);
  });

  it('has no POST /auth/check any more: apps never see a platform session token', async () => {
    const cookie = await t.login('dev', PW);
    const gone = await t.api('POST', '/api/v1/auth/check', {
      body: { token: cookie },
      headers: { 'x-berth-app-code': 'demo', 'x-berth-app-secret': 'demo' },
    });
    expect([gone.status, gone.body.error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
  });
});

describe('identity API: the session cookie of a plain-http console', () => {
  let t: TestBerthd;
  beforeAll(async () => {
    t = await startTestBerthd({ env: { BERTH_PUBLIC_URL: 'http://berth.internal:0' } });
  });
  afterAll(async () => t?.stop());

  it('is berth_session without Secure (browsers would drop a Secure one), and only that name is read', async () => {
    const res = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^berth_session=[A-Za-z0-9_-]{43}; /);
    expect(cookie.split('; ')).not.toContain('Secure');
    expect(cookie).toContain('SameSite=Strict');
    const token = /^berth_session=([^;]+)/.exec(cookie)![1]!;
    const me = (name: string) => t.api('GET', '/api/v1/me', { headers: { cookie: `${name}=${token}` } });
    expect((await me('berth_session')).status).toBe(200);
    for (const name of ['__Host-berth_session', 'berth_token']) {
      expect((await me(name)).body.error.code, name).toBe('UNAUTHENTICATED');
    }
  });
});

describe('identity API: login rate limit behind a proxy', () => {
  let t: TestBerthd;
  beforeAll(async () => {
    t = await startTestBerthd({
      env: {
        BERTH_TRUST_PROXY: '127.0.0.1',
        BERTH_LOGIN_FREE_FAILURES: '3',
        BERTH_LOGIN_BACKOFF: '1m',
        BERTH_LOGIN_MAX_FAILURES_ADDRESS: '4',
        BERTH_LOGIN_WINDOW: '10m',
        BERTH_PUBLIC_URL: 'https://berth.example.com',
        BERTH_APPS_URL: 'https://apps.example.com',
        BERTH_SESSION_TTL: '30m',
      },
    });
  });
  afterAll(async () => t?.stop());

  const login = (username: string, password: string, from: string) =>
    t.api('POST', '/api/v1/auth/login', {
      body: { username, password },
      headers: { 'x-forwarded-for': from },
    });

  it('sets Secure and the configured Max-Age on an https console', async () => {
    const res = await login('admin', ADMIN_PASSWORD, '10.0.0.1');
    expect(res.status).toBe(200);
    const attrs = res.headers.get('set-cookie')!.split('; ');
    expect(attrs).toEqual(expect.arrayContaining(['Secure', 'Max-Age=1800', 'HttpOnly']));
  });

  it('limits failures per username and forwarded address, with Retry-After; other addresses are not affected', async () => {
    const started = Date.now();
    for (let i = 1; i <= 3; i++) {
      expect((await login('admin', 'wrong-password', '10.1.0.1')).body.error.code).toBe(
        'INVALID_CREDENTIALS',
      );
    }
    const limited = await login('admin', ADMIN_PASSWORD, '10.1.0.1');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('LOGIN_RATE_LIMITED');
    const retry = limited.body.error.details.retryAfterSeconds;
    // BERTH_LOGIN_BACKOFF: the first wait after the free failures (60 s), less the seconds the
    // failures took (a loaded machine takes a few between the requests).
    const since = Math.ceil((Date.now() - started) / 1000);
    expect(retry).toBeLessThanOrEqual(60);
    expect(retry).toBeGreaterThanOrEqual(60 - since);
    expect(limited.headers.get('retry-after')).toBe(String(retry));
    expect(limited.headers.get('set-cookie')).toBeNull();
    // the same user from another address logs in
    expect((await login('admin', ADMIN_PASSWORD, '10.1.0.2')).status).toBe(200);
  });

  it('limits failures per client address across usernames', async () => {
    for (const user of ['u1', 'u2', 'u3', 'u4']) {
      expect((await login(user, 'wrong-password', '10.2.0.1')).body.error.code).toBe('INVALID_CREDENTIALS');
    }
    const limited = await login('someone', 'whatever-password', '10.2.0.1');
    expect([limited.status, limited.body.error.code]).toEqual([429, 'LOGIN_RATE_LIMITED']);
    // another address may still try
    expect((await login('someone', 'whatever-password', '10.2.0.2')).body.error.code).toBe(
      'INVALID_CREDENTIALS',
    );
  });

  it('records failed logins with the forwarded client address', async () => {
    const admin = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD },
      headers: { 'x-forwarded-for': '10.3.0.1' },
    });
    expect(admin.status).toBe(200);
    const rows = await t.berthd.store.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'session.login_failed')
      .where('ip', '=', '10.2.0.1')
      .execute();
    expect(rows.map((r) => r.target_id).sort()).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(rows.every((r) => r.actor_name === 'anonymous')).toBe(true);
  });
});
