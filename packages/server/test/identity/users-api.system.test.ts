import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, type ApiResponse, startTestBerthd, type TestBerthd } from '../support/harness.ts';

const PW = 'member-password-1';
const ROLES = ['admin', 'operator', 'developer', 'auditor'] as const;
type Role = (typeof ROLES)[number];

describe('identity API: users, roles, validation and the audit log', () => {
  let t: TestBerthd;
  const as: Record<Role, string> = { admin: '', operator: '', developer: '', auditor: '' };
  let counter = 0;

  const code = (res: ApiResponse) =>
    res.status < 300 ? res.status : `${res.status} ${res.body?.error?.code}`;
  const count = async (table: 'users' | 'audit_events' | 'api_tokens') =>
    Number(
      (
        await t.berthd.store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  /** A fresh user to act on (admin creates it). */
  const target = async (role: Role = 'developer') => {
    const username = `target${++counter}`;
    const res = await t.api('POST', '/api/v1/users', {
      cookie: as.admin,
      body: { username, password: PW, role },
    });
    expect(res.status).toBe(201);
    return username;
  };

  beforeAll(async () => {
    t = await startTestBerthd();
    as.admin = await t.login('admin', ADMIN_PASSWORD);
    for (const role of ['operator', 'developer', 'auditor'] as const) {
      const res = await t.api('POST', '/api/v1/users', {
        cookie: as.admin,
        body: {
          username: `the-${role}`,
          password: PW,
          role,
          displayName: `The ${role}`,
          email: `${role}@x.test`,
        },
      });
      expect(res.status).toBe(201);
      as[role] = await t.login(`the-${role}`, PW);
    }
  });
  afterAll(async () => t?.stop());

  it('every route wants a credential', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/v1/me'],
      ['PUT', '/api/v1/me/password', { currentPassword: 'a', newPassword: 'b' }],
      ['GET', '/api/v1/me/tokens'],
      ['POST', '/api/v1/me/tokens', { name: 'x' }],
      ['DELETE', '/api/v1/me/tokens/tok_x'],
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users', { username: 'zed', password: PW, role: 'admin' }],
      ['GET', '/api/v1/users/admin'],
      ['PATCH', '/api/v1/users/admin', { displayName: 'x' }],
      ['DELETE', '/api/v1/users/admin'],
      ['GET', '/api/v1/tokens'],
      ['DELETE', '/api/v1/tokens/tok_x'],
      ['GET', '/api/v1/audit'],
    ];
    for (const [method, path, body] of routes) {
      const res = await t.api(method, path, body === undefined ? {} : { body });
      expect(`${method} ${path} ${code(res)}`).toBe(`${method} ${path} 401 UNAUTHENTICATED`);
    }
    expect(await count('users')).toBe(4);
  });

  it('GET /users and GET /users/{username}: everyone but developers; developers see themselves', async () => {
    for (const role of ROLES) {
      const list = await t.api('GET', '/api/v1/users', { cookie: as[role] });
      const one = await t.api('GET', '/api/v1/users/the-operator', { cookie: as[role] });
      const self = await t.api('GET', `/api/v1/users/${role === 'admin' ? 'admin' : `the-${role}`}`, {
        cookie: as[role],
      });
      const allowed = role !== 'developer';
      expect([role, code(list), code(one), code(self)]).toEqual([
        role,
        allowed ? 200 : '403 FORBIDDEN',
        allowed ? 200 : '403 FORBIDDEN',
        200,
      ]);
      if (allowed) {
        expect(list.body.users.map((u: { username: string }) => u.username)).toEqual([
          'admin',
          'the-auditor',
          'the-developer',
          'the-operator',
        ]);
        expect(one.body.user).toMatchObject({ username: 'the-operator', email: 'operator@x.test' });
      }
    }
    const list = await t.api('GET', '/api/v1/users', { cookie: as.admin });
    const text = JSON.stringify(list.body);
    expect(text).not.toMatch(/hash|scrypt|password/i);
    const missing = await t.api('GET', '/api/v1/users/nobody-here', { cookie: as.admin });
    expect(code(missing)).toBe('404 USER_NOT_FOUND');
  });

  it("POST /users, PATCH and DELETE are for admins; operators only reset developers' passwords", async () => {
    for (const role of ['operator', 'developer', 'auditor'] as const) {
      const victim = await target();
      const create = await t.api('POST', '/api/v1/users', {
        cookie: as[role],
        body: { username: `by-${role}`, password: PW, role: 'admin' },
      });
      const patch = await t.api('PATCH', `/api/v1/users/${victim}`, {
        cookie: as[role],
        body: { role: 'admin' },
      });
      const disable = await t.api('PATCH', `/api/v1/users/${victim}`, {
        cookie: as[role],
        body: { disabled: true },
      });
      const del = await t.api('DELETE', `/api/v1/users/${victim}`, { cookie: as[role] });
      const reset = await t.api('PATCH', `/api/v1/users/${victim}`, {
        cookie: as[role],
        body: { password: 'reset-password-1' },
      });
      const resetAdmin = await t.api('PATCH', '/api/v1/users/admin', {
        cookie: as[role],
        body: { password: 'reset-password-1' },
      });
      expect([
        role,
        code(create),
        code(patch),
        code(disable),
        code(del),
        code(reset),
        code(resetAdmin),
      ]).toEqual([
        role,
        '403 FORBIDDEN',
        '403 FORBIDDEN',
        '403 FORBIDDEN',
        '403 FORBIDDEN',
        role === 'operator' ? 200 : '403 FORBIDDEN',
        '403 FORBIDDEN',
      ]);
      const after = await t.api('GET', `/api/v1/users/${victim}`, { cookie: as.admin });
      expect(after.body.user).toMatchObject({ role: 'developer', disabled: false });
    }
    // admin can still log in with the bootstrap password: nobody reset it
    await t.login('admin', ADMIN_PASSWORD);

    const victim = await target();
    const patched = await t.api('PATCH', `/api/v1/users/${victim}`, {
      cookie: as.admin,
      body: { displayName: 'Renamed', email: 'r@x.test', role: 'auditor' },
    });
    expect(patched.body.user).toMatchObject({ displayName: 'Renamed', email: 'r@x.test', role: 'auditor' });
    const dup = await t.api('POST', '/api/v1/users', {
      cookie: as.admin,
      body: { username: victim, password: PW, role: 'developer' },
    });
    expect(code(dup)).toBe('409 USERNAME_TAKEN');
    expect((await t.api('DELETE', `/api/v1/users/${victim}`, { cookie: as.admin })).status).toBe(204);
    expect(code(await t.api('DELETE', `/api/v1/users/${victim}`, { cookie: as.admin }))).toBe(
      '404 USER_NOT_FOUND',
    );
    expect(code(await t.api('DELETE', '/api/v1/users/admin', { cookie: as.admin }))).toBe('409 LAST_ADMIN');
    expect(
      code(await t.api('PATCH', '/api/v1/users/admin', { cookie: as.admin, body: { role: 'operator' } })),
    ).toBe('409 LAST_ADMIN');
  });

  it('GET/DELETE /tokens are for admins; /me/tokens for everyone, own tokens only', async () => {
    const tokens: Record<string, string> = {};
    for (const role of ROLES) {
      const created = await t.api('POST', '/api/v1/me/tokens', {
        cookie: as[role],
        body: { name: `${role}-token` },
      });
      expect(created.status).toBe(201);
      tokens[role] = created.body.token.id;
      const mine = await t.api('GET', '/api/v1/me/tokens', { cookie: as[role] });
      expect(mine.body.tokens.map((x: { name: string }) => x.name)).toEqual([`${role}-token`]);
    }
    for (const role of ['operator', 'developer', 'auditor'] as const) {
      expect(code(await t.api('GET', '/api/v1/tokens', { cookie: as[role] }))).toBe('403 FORBIDDEN');
      expect(code(await t.api('DELETE', `/api/v1/tokens/${tokens['admin']}`, { cookie: as[role] }))).toBe(
        '403 FORBIDDEN',
      );
      // someone else's token looks like no token at all
      expect(code(await t.api('DELETE', `/api/v1/me/tokens/${tokens['admin']}`, { cookie: as[role] }))).toBe(
        '404 API_TOKEN_NOT_FOUND',
      );
    }
    const all = await t.api('GET', '/api/v1/tokens', { cookie: as.admin });
    expect(all.body.tokens.map((x: { username: string }) => x.username).sort()).toEqual([
      'admin',
      'the-auditor',
      'the-developer',
      'the-operator',
    ]);
    const one = await t.api('GET', '/api/v1/tokens?username=the-auditor', { cookie: as.admin });
    expect(one.body.tokens.map((x: { name: string }) => x.name)).toEqual(['auditor-token']);
    expect(
      (await t.api('DELETE', `/api/v1/tokens/${tokens['developer']}`, { cookie: as.admin })).status,
    ).toBe(204);
    const devTokens = await t.api('GET', '/api/v1/me/tokens', { cookie: as.developer });
    expect(devTokens.body.tokens[0].revokedAt).toEqual(expect.any(Number));
  });

  it('GET /audit is for admins and auditors', async () => {
    for (const role of ROLES) {
      const res = await t.api('GET', '/api/v1/audit?limit=1', { cookie: as[role] });
      expect([role, code(res)]).toEqual([
        role,
        role === 'admin' || role === 'auditor' ? 200 : '403 FORBIDDEN',
      ]);
    }
  });

  it('refuses malformed requests with VALIDATION_FAILED or BAD_JSON and writes nothing', async () => {
    const users = await count('users');
    const events = await count('audit_events');
    const tokens = await count('api_tokens');
    const good = { username: 'valid-name', password: PW, role: 'developer' };
    const bad: Array<[string, string, unknown, string]> = [
      ['POST', '/api/v1/users', { ...good, isAdmin: true }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/users', { ...good, role: 'root' }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/users', { ...good, username: 'a'.repeat(65) }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/users', { ...good, username: "x' OR '1'='1" }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/users', { ...good, username: 'x;DROP TABLE users;--' }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/users', { ...good, username: 'Admin' }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/users', { ...good, displayName: 'd'.repeat(101) }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/users', { ...good, email: `${'e'.repeat(250)}@x.test` }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/users', { ...good, email: 'not-an-address' }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/users', { ...good, password: 'p'.repeat(257) }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/users', { ...good, password: 12345678901 }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/users', { ...good, password: 'short' }, 'WEAK_PASSWORD'],
      ['POST', '/api/v1/users', { ...good, password: 'valid-name' }, 'WEAK_PASSWORD'],
      ['POST', '/api/v1/users', { ...good, username: 'system' }, 'USERNAME_TAKEN'],
      ['PATCH', '/api/v1/users/the-developer', {}, 'VALIDATION_FAILED'],
      ['PATCH', '/api/v1/users/the-developer', { disabled: 'true' }, 'VALIDATION_FAILED'],
      ['PATCH', '/api/v1/users/the-developer', { username: 'renamed' }, 'VALIDATION_FAILED'],
      ['PATCH', "/api/v1/users/x'%20OR%20'1'='1", { displayName: 'x' }, 'VALIDATION_FAILED'],
      ['DELETE', '/api/v1/users/the-developer%3B--', undefined, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/me/tokens', { name: '' }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/me/tokens', { name: 'n'.repeat(101) }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/me/tokens', { name: 'x', expiresInDays: 0 }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/me/tokens', { name: 'x', expiresInDays: 1.5 }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/me/tokens', { name: 'x', expiresInDays: 3651 }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/me/tokens', { name: 'x', secret: 'mine' }, 'VALIDATION_FAILED'],
      ['DELETE', '/api/v1/me/tokens/..%2F..%2Fusers', undefined, 'VALIDATION_FAILED'],
      ['GET', '/api/v1/audit?limit=501', undefined, 'VALIDATION_FAILED'],
      ['GET', '/api/v1/audit?limit=0', undefined, 'VALIDATION_FAILED'],
      ['GET', '/api/v1/audit?since=yesterday', undefined, 'VALIDATION_FAILED'],
      ['GET', '/api/v1/audit?action=user%25', undefined, 'VALIDATION_FAILED'],
      ['GET', '/api/v1/audit?who=admin', undefined, 'VALIDATION_FAILED'],
      ['GET', '/api/v1/audit?cursor=not-a-cursor', undefined, 'INVALID_CURSOR'],
      ['GET', "/api/v1/tokens?username=a'--", undefined, 'VALIDATION_FAILED'],
    ];
    for (const [method, path, body, expected] of bad) {
      const res = await t.api(
        method,
        path,
        body === undefined ? { cookie: as.admin } : { cookie: as.admin, body },
      );
      expect(`${method} ${path} ${JSON.stringify(body)} -> ${res.body?.error?.code}`).toBe(
        `${method} ${path} ${JSON.stringify(body)} -> ${expected}`,
      );
      expect(res.status).toBeGreaterThanOrEqual(400);
    }
    const badJson = await t.api('POST', '/api/v1/users', { cookie: as.admin, rawBody: '{"username": "x",' });
    expect(code(badJson)).toBe('400 BAD_JSON');
    const protoJson = await t.api('POST', '/api/v1/users', {
      cookie: as.admin,
      rawBody: '{"username":"proto1","password":"member-password-1","role":"developer","__proto__":{"x":1}}',
    });
    expect(code(protoJson)).toBe('400 BAD_JSON');
    const badLogin = await t.api('POST', '/api/v1/auth/login', {
      body: { username: "admin' --", password: 'anything-at-all' },
    });
    expect(code(badLogin)).toBe('400 VALIDATION_FAILED');
    const loginExtra = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD, remember: true },
    });
    expect(code(loginExtra)).toBe('400 VALIDATION_FAILED');
    expect(loginExtra.headers.get('set-cookie')).toBeNull();

    expect(await count('users')).toBe(users);
    expect(await count('audit_events')).toBe(events);
    expect(await count('api_tokens')).toBe(tokens);
  });

  it('the audit log records who did what, when and from where', async () => {
    const before = Date.now();
    const victim = await target('developer');
    await t.api('PATCH', `/api/v1/users/${victim}`, {
      cookie: as.operator,
      body: { password: 'operator-reset-1' },
    });
    await t.api('PATCH', `/api/v1/users/${victim}`, { cookie: as.admin, body: { disabled: true } });
    await t.api('DELETE', `/api/v1/users/${victim}`, { cookie: as.admin });

    const res = await t.api('GET', `/api/v1/audit?targetType=user&targetId=${victim}&since=${before}`, {
      cookie: as.auditor,
    });
    expect(res.status).toBe(200);
    const events = res.body.events as Array<Record<string, unknown>>;
    expect(events.map((e) => [e['action'], e['actorName']])).toEqual([
      ['user.delete', 'admin'],
      ['user.disable', 'admin'],
      ['user.password_reset', 'the-operator'],
      ['user.create', 'admin'],
    ]);
    for (const e of events) {
      expect(e['ip']).toBe('127.0.0.1');
      expect(e['at']).toBeGreaterThanOrEqual(before);
      expect(e['at']).toBeLessThanOrEqual(Date.now());
      expect(e['actorId']).toMatch(/^usr_/);
    }
    expect(JSON.stringify(events)).not.toContain('operator-reset-1');

    const paged = await t.api('GET', `/api/v1/audit?targetId=${victim}&limit=3`, { cookie: as.admin });
    expect(paged.body.events).toHaveLength(3);
    const rest = await t.api(
      'GET',
      `/api/v1/audit?targetId=${victim}&limit=3&cursor=${encodeURIComponent(paged.body.nextCursor)}`,
      { cookie: as.admin },
    );
    expect(rest.body.events.map((e: { action: string }) => e.action)).toEqual(['user.create']);
    expect(rest.body.nextCursor).toBeUndefined();

    const byActor = await t.api('GET', '/api/v1/audit?actor=the-operator&action=user.', { cookie: as.admin });
    expect(byActor.body.events.every((e: { actorName: string }) => e.actorName === 'the-operator')).toBe(
      true,
    );
    expect(byActor.body.events.length).toBeGreaterThanOrEqual(2);

    const logins = await t.api('GET', '/api/v1/audit?action=session.login&actor=the-auditor', {
      cookie: as.admin,
    });
    expect(logins.body.events[0]).toMatchObject({
      action: 'session.login',
      targetType: 'session',
      ip: '127.0.0.1',
    });
  });

  it('documents the routes in the OpenAPI document', async () => {
    const res = await t.api('GET', '/api/v1/openapi.json');
    for (const path of [
      '/api/v1/auth/login',
      '/api/v1/auth/logout',
      '/api/v1/auth/app-login',
      '/api/v1/auth/app-user',
      '/api/v1/me',
      '/api/v1/me/password',
      '/api/v1/me/tokens',
      '/api/v1/me/tokens/{id}',
      '/api/v1/users',
      '/api/v1/users/{username}',
      '/api/v1/tokens',
      '/api/v1/tokens/{id}',
      '/api/v1/audit',
    ]) {
      expect(res.body.paths[path], path).toBeDefined();
    }
    expect(res.body.paths['/api/v1/auth/login'].post.security).toEqual([]);
  });
});
