import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/tokens.ts';
import { testDialects } from '../support/databases.ts';
import {
  ADMIN_PW,
  adminActor,
  codeOf,
  createIdentityFixture,
  type IdentityFixture,
  makeUser,
  SESSION_TTL_MS,
  USER_PW,
} from './fixture.ts';

const IP = '127.0.0.1';

/** The parts of a request authenticate reads. */
function request(headers: Record<string, string>): FastifyRequest {
  return { headers, ip: IP } as unknown as FastifyRequest;
}

describe.each(testDialects())('identity sessions (%s)', (dialect) => {
  let f: IdentityFixture;
  beforeAll(async () => {
    f = await createIdentityFixture(dialect);
  });
  afterAll(async () => f?.close());

  it('login issues a random token stored only as its digest, valid until the TTL', async () => {
    const start = f.clock.now;
    const result = await f.identity.sessions.login({
      username: 'admin',
      password: ADMIN_PW,
      ip: '127.0.0.9',
      userAgent: 'vitest/1',
    });
    expect(result.token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(result.expiresAt).toBe(start + SESSION_TTL_MS);
    const row = await f.store.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', result.sessionId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ token_hash: sha256(result.token), ip: '127.0.0.9', user_agent: 'vitest/1' });
    const stored = JSON.stringify(await f.store.db.selectFrom('sessions').selectAll().execute());
    expect(stored).not.toContain(result.token);

    const auth = await f.identity.authenticate(
      request({ cookie: `other=1; __Host-berth_session=${result.token}` }),
    );
    expect(auth.error).toBeUndefined();
    expect(auth.actor).toMatchObject({
      username: 'admin',
      role: 'admin',
      via: 'session',
      credentialId: result.sessionId,
      ip: IP,
    });
    // The cookie of earlier versions is not read, whatever it holds.
    expect(await f.identity.authenticate(request({ cookie: `berth_token=${result.token}` }))).toEqual({
      actor: null,
    });

    f.clock.advance(SESSION_TTL_MS - 1);
    expect((await f.identity.resolveCredential(result.token, IP)).username).toBe('admin');
    f.clock.advance(1);
    expect(await codeOf(f.identity.resolveCredential(result.token, IP))).toBe('TOKEN_EXPIRED');
    expect(
      await f.identity.authenticate(request({ cookie: `__Host-berth_session=${result.token}` })),
    ).toEqual({
      actor: null,
      error: 'TOKEN_EXPIRED',
    });
  });

  it('authenticate: no credential, unknown tokens and malformed headers', async () => {
    expect(await f.identity.authenticate(request({}))).toEqual({ actor: null });
    expect(await f.identity.authenticate(request({ cookie: 'theme=dark' }))).toEqual({ actor: null });
    expect(await f.identity.authenticate(request({ cookie: '__Host-berth_session=nope' }))).toEqual({
      actor: null,
      error: 'TOKEN_INVALID',
    });
    for (const authorization of ['Bearer berth_nope', 'Bearer nope', 'Basic YWRtaW46eA==', 'Bearer']) {
      expect(await f.identity.authenticate(request({ authorization }))).toEqual({
        actor: null,
        error: 'TOKEN_INVALID',
      });
    }
    expect(await codeOf(f.identity.resolveCredential('x'.repeat(600), IP))).toBe('TOKEN_INVALID');
  });

  it('a session token also works as a bearer token', async () => {
    const { token } = await f.identity.sessions.login({ username: 'admin', password: ADMIN_PW, ip: IP });
    const auth = await f.identity.authenticate(request({ authorization: `Bearer ${token}` }));
    expect(auth.actor?.via).toBe('session');
  });

  it('logout revokes exactly the session in use', async () => {
    const a = await f.identity.sessions.login({ username: 'admin', password: ADMIN_PW, ip: IP });
    const b = await f.identity.sessions.login({ username: 'admin', password: ADMIN_PW, ip: IP });
    const actor = await f.identity.resolveCredential(a.token, IP);
    await f.identity.sessions.logout(actor);
    expect(await codeOf(f.identity.resolveCredential(a.token, IP))).toBe('TOKEN_REVOKED');
    expect((await f.identity.resolveCredential(b.token, IP)).credentialId).toBe(b.sessionId);
    const events = await f.audit.list(actor, { action: 'session.logout' });
    expect(events.events[0]).toMatchObject({
      actorName: 'admin',
      targetType: 'session',
      targetId: a.sessionId,
    });
  });

  it('wrong passwords, unknown users and disabled users cannot log in', async () => {
    await makeUser(f.identity, 'frank', 'developer');
    const admin = await adminActor(f.identity);
    expect(
      await codeOf(f.identity.sessions.login({ username: 'frank', password: 'wrong-one', ip: IP })),
    ).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(f.identity.sessions.login({ username: 'ghost', password: USER_PW, ip: IP }))).toBe(
      'INVALID_CREDENTIALS',
    );
    await f.identity.users.update(admin, 'frank', { disabled: true });
    // the right password is needed to learn that the user is disabled
    expect(
      await codeOf(f.identity.sessions.login({ username: 'frank', password: 'wrong-one', ip: IP })),
    ).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(f.identity.sessions.login({ username: 'frank', password: USER_PW, ip: IP }))).toBe(
      'USER_DISABLED',
    );
    const failed = await f.audit.list(admin, { action: 'session.login_failed' });
    expect(failed.events.map((e) => [e.targetId, e.detail?.['reason']])).toEqual([
      ['frank', 'disabled'],
      ['frank', 'wrong_password'],
      ['ghost', 'unknown_user'],
      ['frank', 'wrong_password'],
    ]);
    expect(failed.events.every((e) => e.actorName === 'anonymous' && e.ip === IP)).toBe(true);
  });

  it('checks the disabled flag on every request; disabling also revokes the sessions', async () => {
    const admin = await adminActor(f.identity);
    await makeUser(f.identity, 'gina', 'operator');
    const { token } = await f.identity.sessions.login({ username: 'gina', password: USER_PW, ip: IP });
    // the flag is checked on every request, even before the revocation is seen
    await f.store.db.updateTable('users').set({ disabled: 1 }).where('username', '=', 'gina').execute();
    expect(await codeOf(f.identity.resolveCredential(token, IP))).toBe('USER_DISABLED');
    await f.store.db.updateTable('users').set({ disabled: 0 }).where('username', '=', 'gina').execute();
    await f.identity.users.update(admin, 'gina', { disabled: true });
    await f.identity.users.update(admin, 'gina', { disabled: false });
    expect(await codeOf(f.identity.resolveCredential(token, IP))).toBe('TOKEN_REVOKED');
  });

  it('changing one own password keeps the current session and revokes the others', async () => {
    await makeUser(f.identity, 'hank', 'developer');
    const current = await f.identity.sessions.login({ username: 'hank', password: USER_PW, ip: IP });
    const other = await f.identity.sessions.login({ username: 'hank', password: USER_PW, ip: IP });
    const hank = await f.identity.resolveCredential(current.token, IP);
    expect(
      await codeOf(f.identity.sessions.changePassword(hank, 'not-the-password', 'next-password-1')),
    ).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(f.identity.sessions.changePassword(hank, USER_PW, 'short'))).toBe('WEAK_PASSWORD');
    expect(await codeOf(f.identity.sessions.changePassword(hank, USER_PW, 'hank'))).toBe('WEAK_PASSWORD');
    await f.identity.sessions.changePassword(hank, USER_PW, 'next-password-1');
    expect((await f.identity.resolveCredential(current.token, IP)).username).toBe('hank');
    expect(await codeOf(f.identity.resolveCredential(other.token, IP))).toBe('TOKEN_REVOKED');
    await f.identity.sessions.login({ username: 'hank', password: 'next-password-1', ip: IP });
    expect(await codeOf(f.identity.sessions.login({ username: 'hank', password: USER_PW, ip: IP }))).toBe(
      'INVALID_CREDENTIALS',
    );
  });

  it('updates lastSeen at most once a minute', async () => {
    const { token, sessionId } = await f.identity.sessions.login({
      username: 'admin',
      password: ADMIN_PW,
      ip: IP,
    });
    const lastSeen = async () =>
      Number(
        (
          await f.store.db
            .selectFrom('sessions')
            .select('last_seen_at')
            .where('id', '=', sessionId)
            .executeTakeFirstOrThrow()
        ).last_seen_at,
      );
    const t0 = f.clock.now;
    expect(await lastSeen()).toBe(t0);
    f.clock.advance(30_000);
    await f.identity.resolveCredential(token, IP);
    expect(await lastSeen()).toBe(t0);
    f.clock.advance(30_000);
    await f.identity.resolveCredential(token, IP);
    expect(await lastSeen()).toBe(t0 + 60_000);
  });
});

describe.each(testDialects())('identity API tokens (%s)', (dialect) => {
  let f: IdentityFixture;
  beforeAll(async () => {
    f = await createIdentityFixture(dialect);
  });
  afterAll(async () => f?.close());

  it('creates a token shown once, stored as a digest with a display prefix', async () => {
    const jack = await makeUser(f.identity, 'jack', 'developer');
    const created = await f.identity.tokens.create(jack, { name: 'laptop', expiresInDays: 30 });
    expect(created.secret).toMatch(/^berth_[A-Za-z0-9_-]{43}$/);
    expect(created.token).toEqual({
      id: expect.stringMatching(/^tok_/),
      name: 'laptop',
      prefix: created.secret.slice(0, 12),
      createdAt: f.clock.now,
      expiresAt: f.clock.now + 30 * 86_400_000,
      username: 'jack',
    });
    const rows = await f.store.db.selectFrom('api_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(created.secret);
    expect(rows.find((r) => r.id === created.token.id)?.token_hash).toBe(sha256(created.secret));

    const actor = await f.identity.resolveCredential(created.secret, IP);
    expect(actor).toMatchObject({ username: 'jack', via: 'token', credentialId: created.token.id });
    const listed = (await f.identity.tokens.listOwn(jack)).items;
    expect(listed).toEqual([{ ...created.token, lastUsedAt: f.clock.now }]);
  });

  it('expires, and revokes only through its owner or an admin', async () => {
    const kim = await makeUser(f.identity, 'kim', 'operator');
    const jack = (await f.identity.lookupUser('jack'))!;
    const jackActor = { ...kim, userId: jack.id, username: 'jack', role: jack.role };
    const admin = await adminActor(f.identity);

    const shortLived = await f.identity.tokens.create(kim, { name: 'short', expiresInDays: 1 });
    f.clock.advance(86_400_000);
    expect(await codeOf(f.identity.resolveCredential(shortLived.secret, IP))).toBe('TOKEN_EXPIRED');

    const forever = await f.identity.tokens.create(kim, { name: 'forever' });
    expect(forever.token.expiresAt).toBeUndefined();
    expect(await codeOf(f.identity.tokens.revokeOwn(jackActor, forever.token.id))).toBe(
      'API_TOKEN_NOT_FOUND',
    );
    expect(await codeOf(f.identity.tokens.revoke(kim, forever.token.id))).toBe('FORBIDDEN');
    expect((await f.identity.resolveCredential(forever.secret, IP)).username).toBe('kim');
    await f.identity.tokens.revokeOwn(kim, forever.token.id);
    await f.identity.tokens.revokeOwn(kim, forever.token.id); // again: no-op
    expect(await codeOf(f.identity.resolveCredential(forever.secret, IP))).toBe('TOKEN_REVOKED');

    const third = await f.identity.tokens.create(kim, { name: 'third' });
    await f.identity.tokens.revoke(admin, third.token.id);
    expect(await codeOf(f.identity.resolveCredential(third.secret, IP))).toBe('TOKEN_REVOKED');
    expect(await codeOf(f.identity.tokens.revoke(admin, 'tok_missing'))).toBe('API_TOKEN_NOT_FOUND');

    const mine = (await f.identity.tokens.listOwn(kim)).items;
    expect(mine.map((t) => t.name)).toEqual(['third', 'forever', 'short']);
    expect(mine.filter((t) => t.revokedAt !== undefined).map((t) => t.name)).toEqual(['third', 'forever']);
    const all = (await f.identity.tokens.listAll(admin)).items;
    expect(new Set(all.map((t) => t.username))).toEqual(new Set(['jack', 'kim']));
    expect((await f.identity.tokens.listAll(admin, { username: 'jack' })).items.map((t) => t.name)).toEqual([
      'laptop',
    ]);

    const events = await f.audit.list(admin, { action: 'token.revoke' });
    expect(events.events.map((e) => [e.actorName, e.targetId])).toEqual([
      ['admin', third.token.id],
      ['kim', forever.token.id],
    ]);
  });

  it('logging out with a token revokes that token', async () => {
    const jack = (await f.identity.lookupUser('jack'))!;
    const created = await f.identity.tokens.create(
      { userId: jack.id, username: 'jack', role: jack.role, via: 'session', credentialId: 'x', ip: IP },
      { name: 'one-off' },
    );
    const actor = await f.identity.resolveCredential(created.secret, IP);
    await f.identity.sessions.logout(actor);
    expect(await codeOf(f.identity.resolveCredential(created.secret, IP))).toBe('TOKEN_REVOKED');
  });
});
