import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog, createIdentity } from '../../src/identity/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { testDialects } from '../support/databases.ts';
import {
  ADMIN_PW,
  adminActor,
  codeOf,
  createIdentityFixture,
  DEFAULT_LOGIN,
  FAST_PASSWORD_PARAMS,
  type IdentityFixture,
  makeUser,
  SESSION_TTL_MS,
  USER_PW,
} from './fixture.ts';

describe.each(testDialects())('identity bootstrap (%s)', (dialect) => {
  it('creates admin once; later starts change nothing and ignore the password', async () => {
    const f = await createIdentityFixture(dialect, { bootstrap: false });
    try {
      const first = await f.identity.bootstrapAdmin(ADMIN_PW);
      expect(first).toEqual({ created: true, username: 'admin' });
      // a configured password is the operator's choice: no forced change
      expect((await f.identity.users.get(await adminActor(f.identity), 'admin')).passwordChangeRequired).toBe(
        undefined,
      );
      const again = await f.identity.bootstrapAdmin('a-different-password');
      expect(again).toEqual({ created: false, username: 'admin' });
      const users = await f.store.db.selectFrom('users').selectAll().execute();
      expect(users).toHaveLength(1);
      expect(users[0]).toMatchObject({ username: 'admin', role: 'admin', disabled: 0 });
      await expect(
        f.identity.sessions.login({ username: 'admin', password: ADMIN_PW, ip: '127.0.0.1' }),
      ).resolves.toMatchObject({ user: { username: 'admin' } });
      const audit = await f.audit.list(await adminActor(f.identity), { action: 'user.create' });
      expect(audit.events).toHaveLength(1);
      expect(audit.events[0]).toMatchObject({ actorName: 'system', targetId: 'admin' });
      expect(audit.events[0]!.actorId).toBeUndefined();
    } finally {
      await f.close();
    }
  });

  it('generates a password when none is configured and returns it once', async () => {
    const f = await createIdentityFixture(dialect, { bootstrap: false });
    try {
      const result = await f.identity.bootstrapAdmin(undefined);
      expect(result.created).toBe(true);
      expect(result.generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
      const login = await f.identity.sessions.login({
        username: 'admin',
        password: result.generatedPassword!,
        ip: '127.0.0.1',
      });
      // a generated password must be changed before anything else
      expect(login.user.passwordChangeRequired).toBe(true);
      expect(await codeOf(f.identity.resolveCredential(login.token, '127.0.0.1'))).toBe(
        'PASSWORD_CHANGE_REQUIRED',
      );
      expect((await f.identity.bootstrapAdmin(undefined)).generatedPassword).toBeUndefined();
    } finally {
      await f.close();
    }
  });

  it('refuses a weak configured password, naming the setting', async () => {
    const f = await createIdentityFixture(dialect, { bootstrap: false });
    try {
      const err = await f.identity.bootstrapAdmin('short-pw').catch((e: Error) => e);
      expect(err).toMatchObject({ code: 'WEAK_PASSWORD' });
      expect((err as Error).message).toContain('BERTH_ADMIN_PASSWORD');
      expect(await f.store.db.selectFrom('users').selectAll().execute()).toHaveLength(0);
    } finally {
      await f.close();
    }
  });

  it('concurrent first starts against one database create exactly one admin', async () => {
    const f = await createIdentityFixture(dialect, { bootstrap: false });
    try {
      const replicas = [f.openReplica(), f.openReplica(), f.openReplica()];
      const results = await Promise.all([
        f.identity.bootstrapAdmin(ADMIN_PW),
        ...replicas.map((r) => r.identity.bootstrapAdmin(ADMIN_PW)),
        ...replicas.map((r) => r.identity.bootstrapAdmin(undefined)),
      ]);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(results.every((r) => r.username === 'admin')).toBe(true);
      const users = await f.store.db.selectFrom('users').select('username').execute();
      expect(users).toEqual([{ username: 'admin' }]);
      const created = await f.store.db
        .selectFrom('audit_events')
        .select('id')
        .where('action', '=', 'user.create')
        .execute();
      expect(created).toHaveLength(1);
    } finally {
      await f.close();
    }
  });
});

describe.each(testDialects())('identity users (%s)', (dialect) => {
  let f: IdentityFixture;
  beforeAll(async () => {
    f = await createIdentityFixture(dialect);
  });
  afterAll(async () => f?.close());

  it('creates users with defaults and refuses taken, reserved and weak ones', async () => {
    const admin = await adminActor(f.identity);
    const alice = await f.identity.users.create(admin, {
      username: 'alice',
      password: USER_PW,
      role: 'developer',
      email: 'alice@example.test',
    });
    expect(alice).toMatchObject({
      username: 'alice',
      displayName: 'alice',
      email: 'alice@example.test',
      role: 'developer',
      disabled: false,
    });
    expect(alice.id).toMatch(/^usr_/);
    const again = { username: 'alice', password: USER_PW, role: 'admin' as const };
    expect(await codeOf(f.identity.users.create(admin, again))).toBe('USERNAME_TAKEN');
    for (const reserved of ['system', 'anonymous']) {
      expect(await codeOf(f.identity.users.create(admin, { ...again, username: reserved }))).toBe(
        'USERNAME_TAKEN',
      );
    }
    expect(
      await codeOf(f.identity.users.create(admin, { ...again, username: 'bob', password: 'short' })),
    ).toBe('WEAK_PASSWORD');
    expect(
      await codeOf(
        f.identity.users.create(admin, { ...again, username: 'bobby.tables', password: 'bobby.tables' }),
      ),
    ).toBe('WEAK_PASSWORD');
    expect(await f.identity.lookupUser('bob')).toBeNull();
    expect(await f.identity.lookupUser('alice')).toEqual({
      id: alice.id,
      username: 'alice',
      displayName: 'alice',
      role: 'developer',
      disabled: false,
    });
    const stored = await f.store.db
      .selectFrom('users')
      .select('password_hash')
      .where('username', '=', 'alice')
      .executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^scrypt\$/);
    expect(stored.password_hash).not.toContain(USER_PW);
  });

  it('enforces roles in the service', async () => {
    const operator = await makeUser(f.identity, 'op1', 'operator');
    const developer = await makeUser(f.identity, 'dev1', 'developer');
    const auditor = await makeUser(f.identity, 'aud1', 'auditor');
    const admin = await adminActor(f.identity);
    const newUser = { username: 'nobody', password: USER_PW, role: 'developer' as const };

    for (const actor of [operator, developer, auditor]) {
      expect(await codeOf(f.identity.users.create(actor, newUser))).toBe('FORBIDDEN');
      expect(await codeOf(f.identity.users.delete(actor, 'dev1'))).toBe('FORBIDDEN');
      expect(await codeOf(f.identity.users.update(actor, 'dev1', { role: 'admin' }))).toBe('FORBIDDEN');
      expect(await codeOf(f.identity.tokens.listAll(actor))).toBe('FORBIDDEN');
    }
    for (const actor of [developer, auditor]) {
      expect(await codeOf(f.identity.users.update(actor, 'dev1', { password: 'new-password-1' }))).toBe(
        'FORBIDDEN',
      );
    }
    expect(await codeOf(f.identity.users.list(developer))).toBe('FORBIDDEN');
    expect(await codeOf(f.identity.users.get(developer, 'op1'))).toBe('FORBIDDEN');
    expect((await f.identity.users.get(developer, 'dev1')).username).toBe('dev1');
    for (const actor of [admin, operator, auditor]) {
      expect((await f.identity.users.list(actor)).items.map((u) => u.username)).toContain('dev1');
    }

    // operators reset developers' passwords only, and change nothing else
    await f.identity.users.update(operator, 'dev1', { password: 'reset-by-operator' });
    await f.identity.sessions.login({ username: 'dev1', password: 'reset-by-operator', ip: '127.0.0.1' });
    expect(await codeOf(f.identity.users.update(operator, 'admin', { password: 'new-password-1' }))).toBe(
      'FORBIDDEN',
    );
    expect(
      await codeOf(
        f.identity.users.update(operator, 'dev1', { password: 'new-password-1', displayName: 'X' }),
      ),
    ).toBe('FORBIDDEN');
    expect(await codeOf(f.identity.users.update(operator, 'dev1', { role: 'operator' }))).toBe('FORBIDDEN');
    expect((await f.identity.lookupUser('dev1'))?.role).toBe('developer');
  });

  it("lets admins reset anyone else's password and operators only developers'; nobody resets their own", async () => {
    const admin = await adminActor(f.identity);
    const roles = ['admin', 'operator', 'developer', 'auditor'] as const;
    const actors = Object.fromEntries(
      await Promise.all(roles.map(async (r) => [r, await makeUser(f.identity, `rs-${r}`, r)] as const)),
    );
    const allowed: string[] = [];
    for (const by of roles) {
      for (const of of roles) {
        const outcome = await codeOf(
          f.identity.users.update(actors[by]!, `rs-${of}`, { password: `reset-${by}-${of}-pw` }),
        );
        expect(outcome === undefined || outcome === 'FORBIDDEN').toBe(true);
        if (outcome === undefined) allowed.push(`${by}->${of}`);
      }
    }
    expect(allowed).toEqual(['admin->operator', 'admin->developer', 'admin->auditor', 'operator->developer']);
    // an admin resetting another admin is fine; resetting oneself is not (that needs the current password)
    await f.identity.users.update(admin, 'rs-admin', { password: 'reset-by-bootstrap-admin' });
    const self = await f.identity.users
      .update(admin, 'admin', { password: 'no-current-needed?' })
      .catch((e) => e);
    expect(self.code).toBe('FORBIDDEN');
    expect(self.message).toContain('PUT /api/v1/me/password');
    // the self-reset refused: the bootstrap password still works
    await f.identity.sessions.login({ username: 'admin', password: ADMIN_PW, ip: '127.0.0.1' });
  });

  it("changing one's own password needs the current one and revokes the other sessions and all API tokens", async () => {
    await makeUser(f.identity, 'chris', 'operator');
    const first = await f.identity.sessions.login({ username: 'chris', password: USER_PW, ip: '127.0.0.1' });
    const second = await f.identity.sessions.login({ username: 'chris', password: USER_PW, ip: '127.0.0.1' });
    const chris = await f.identity.resolveCredential(first.token, '127.0.0.1');
    const token = await f.identity.tokens.create(chris, { name: 'ci' });
    expect(
      await codeOf(f.identity.sessions.changePassword(chris, 'not-the-password', 'a-new-password-1')),
    ).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(f.identity.sessions.changePassword(chris, USER_PW, USER_PW))).toBe('WEAK_PASSWORD');
    expect(await codeOf(f.identity.sessions.changePassword(chris, USER_PW, 'password123'))).toBe(
      'WEAK_PASSWORD',
    );
    // nothing was revoked by the refused changes
    expect((await f.identity.resolveCredential(token.secret, '127.0.0.1')).username).toBe('chris');

    await f.identity.sessions.changePassword(chris, USER_PW, 'a-new-password-1');
    expect((await f.identity.resolveCredential(first.token, '127.0.0.1')).username).toBe('chris');
    expect(await codeOf(f.identity.resolveCredential(second.token, '127.0.0.1'))).toBe('TOKEN_REVOKED');
    expect(await codeOf(f.identity.resolveCredential(token.secret, '127.0.0.1'))).toBe('TOKEN_REVOKED');
    await f.identity.sessions.login({ username: 'chris', password: 'a-new-password-1', ip: '127.0.0.1' });
  });

  it('updates, disables and re-enables users with audit records', async () => {
    const admin = await adminActor(f.identity);
    await makeUser(f.identity, 'carol', 'developer');
    const updated = await f.identity.users.update(admin, 'carol', {
      displayName: 'Carol C.',
      email: 'carol@example.test',
      role: 'operator',
    });
    expect(updated).toMatchObject({ displayName: 'Carol C.', email: 'carol@example.test', role: 'operator' });
    const cleared = await f.identity.users.update(admin, 'carol', { email: null });
    expect(cleared.email).toBeUndefined();

    const login = await f.identity.sessions.login({ username: 'carol', password: USER_PW, ip: '127.0.0.1' });
    const carol = await f.identity.resolveCredential(login.token, '127.0.0.1');
    const token = await f.identity.tokens.create(carol, { name: 'ci' });
    await f.identity.users.update(admin, 'carol', { disabled: true });
    expect(await codeOf(f.identity.resolveCredential(login.token, '127.0.0.1'))).toBe('TOKEN_REVOKED');
    expect(await codeOf(f.identity.resolveCredential(token.secret, '127.0.0.1'))).toBe('TOKEN_REVOKED');
    expect(
      await codeOf(f.identity.sessions.login({ username: 'carol', password: USER_PW, ip: '127.0.0.1' })),
    ).toBe('USER_DISABLED');
    await f.identity.users.update(admin, 'carol', { disabled: false });
    await f.identity.sessions.login({ username: 'carol', password: USER_PW, ip: '127.0.0.1' });

    const actions = (await f.audit.list(admin, { targetType: 'user', targetId: 'carol' })).events.map(
      (e) => e.action,
    );
    expect(actions).toEqual([
      'user.enable',
      'session.login_failed',
      'user.disable',
      'user.update',
      'user.update',
      'user.create',
    ]);
    const roleChange = (await f.audit.list(admin, { targetId: 'carol', action: 'user.update' })).events.at(
      -1,
    );
    expect(roleChange?.detail).toMatchObject({ role: { from: 'developer', to: 'operator' } });
  });

  it('a password reset revokes the sessions and the API tokens', async () => {
    const admin = await adminActor(f.identity);
    await makeUser(f.identity, 'dave', 'developer');
    const login = await f.identity.sessions.login({ username: 'dave', password: USER_PW, ip: '127.0.0.1' });
    const dave = await f.identity.resolveCredential(login.token, '127.0.0.1');
    const token = await f.identity.tokens.create(dave, { name: 'script' });
    await f.identity.users.update(admin, 'dave', { password: 'a-brand-new-password' });
    expect(await codeOf(f.identity.resolveCredential(login.token, '127.0.0.1'))).toBe('TOKEN_REVOKED');
    expect(await codeOf(f.identity.resolveCredential(token.secret, '127.0.0.1'))).toBe('TOKEN_REVOKED');
    expect(
      await codeOf(f.identity.sessions.login({ username: 'dave', password: USER_PW, ip: '127.0.0.1' })),
    ).toBe('INVALID_CREDENTIALS');
    const events = await f.audit.list(admin, { action: 'user.password_reset', targetId: 'dave' });
    expect(events.events).toHaveLength(1);
    expect(events.events[0]!.actorName).toBe('admin');
  });

  it('deletes users with their sessions and tokens', async () => {
    const admin = await adminActor(f.identity);
    await makeUser(f.identity, 'erin', 'auditor');
    const login = await f.identity.sessions.login({ username: 'erin', password: USER_PW, ip: '127.0.0.1' });
    const erin = await f.identity.resolveCredential(login.token, '127.0.0.1');
    const token = await f.identity.tokens.create(erin, { name: 'x' });
    await f.identity.users.delete(admin, 'erin');
    expect(await f.identity.lookupUser('erin')).toBeNull();
    expect(await codeOf(f.identity.resolveCredential(login.token, '127.0.0.1'))).toBe('TOKEN_INVALID');
    expect(await codeOf(f.identity.resolveCredential(token.secret, '127.0.0.1'))).toBe('TOKEN_INVALID');
    expect(await codeOf(f.identity.users.delete(admin, 'erin'))).toBe('USER_NOT_FOUND');
    expect(await codeOf(f.identity.users.get(admin, 'erin'))).toBe('USER_NOT_FOUND');
    expect(await codeOf(f.identity.users.update(admin, 'erin', { displayName: 'E' }))).toBe('USER_NOT_FOUND');
    const deleted = await f.audit.list(admin, { action: 'user.delete', targetId: 'erin' });
    expect(deleted.events[0]?.detail).toMatchObject({ id: erin.userId, role: 'auditor' });
  });

  it('looks users up by ids for other modules', async () => {
    const a = await f.identity.lookupUser('alice');
    const admin = await f.identity.lookupUser('admin');
    const found = await f.identity.usersByIds([a!.id, admin!.id, a!.id, 'usr_missing']);
    expect(found.map((u) => u.username).sort()).toEqual(['admin', 'alice']);
    expect(await f.identity.usersByIds([])).toEqual([]);
  });
});

describe.each(testDialects())('the last active admin (%s)', (dialect) => {
  let f: IdentityFixture;
  beforeAll(async () => {
    f = await createIdentityFixture(dialect);
  });
  afterAll(async () => f?.close());

  it('cannot be deleted, disabled or demoted', async () => {
    const admin = await adminActor(f.identity);
    expect(await codeOf(f.identity.users.delete(admin, 'admin'))).toBe('LAST_ADMIN');
    expect(await codeOf(f.identity.users.update(admin, 'admin', { disabled: true }))).toBe('LAST_ADMIN');
    expect(await codeOf(f.identity.users.update(admin, 'admin', { role: 'operator' }))).toBe('LAST_ADMIN');
    expect(await f.identity.lookupUser('admin')).toMatchObject({ role: 'admin', disabled: false });

    // a disabled second admin does not count as active
    await makeUser(f.identity, 'admin2', 'admin');
    await f.identity.users.update(admin, 'admin2', { disabled: true });
    expect(await codeOf(f.identity.users.update(admin, 'admin', { role: 'developer' }))).toBe('LAST_ADMIN');
    // once admin2 is active again, either may go
    await f.identity.users.update(admin, 'admin2', { disabled: false });
    await f.identity.users.update(admin, 'admin', { role: 'operator' });
    const admin2 = { ...admin, userId: (await f.identity.lookupUser('admin2'))!.id, username: 'admin2' };
    expect(await codeOf(f.identity.users.delete(admin2, 'admin2'))).toBe('LAST_ADMIN');
    await f.identity.users.update(admin2, 'admin', { role: 'admin' });
  });

  it('two concurrent demotions of the last two admins leave one admin', async () => {
    const admin = await adminActor(f.identity);
    await makeUser(f.identity, 'admin3', 'admin');
    for (const other of (await f.identity.users.list(admin)).items) {
      if (other.role === 'admin' && other.username !== 'admin' && other.username !== 'admin3') {
        await f.identity.users.delete(admin, other.username);
      }
    }
    const outcomes = await Promise.allSettled([
      f.identity.users.update(admin, 'admin', { role: 'operator' }),
      f.identity.users.update(admin, 'admin3', { role: 'operator' }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'LAST_ADMIN' });
    const admins = await f.store.db
      .selectFrom('users')
      .select('username')
      .where('role', '=', 'admin')
      .where('disabled', '=', 0)
      .execute();
    expect(admins).toHaveLength(1);
  });
});

describe.each(testDialects())('password rehash on login (%s)', (dialect) => {
  it('replaces a hash made with older parameters after a successful login', async () => {
    const f = await createIdentityFixture(dialect);
    try {
      const stronger = createIdentity({
        store: f.store,
        audit: createAuditLog({ store: f.store }),
        logger: silentLogger(),
        sessionTtlMs: SESSION_TTL_MS,
        login: DEFAULT_LOGIN,
        passwordParams: { ...FAST_PASSWORD_PARAMS, N: 2 ** 11 },
      });
      const hashOf = async () =>
        (
          await f.store.db
            .selectFrom('users')
            .select('password_hash')
            .where('username', '=', 'admin')
            .executeTakeFirstOrThrow()
        ).password_hash;
      expect(await hashOf()).toMatch(/^scrypt\$1024\$/);
      await expect(
        stronger.sessions.login({ username: 'admin', password: 'wrong-password', ip: '127.0.0.1' }),
      ).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
      expect(await hashOf()).toMatch(/^scrypt\$1024\$/);
      await stronger.sessions.login({ username: 'admin', password: ADMIN_PW, ip: '127.0.0.1' });
      expect(await hashOf()).toMatch(/^scrypt\$2048\$/);
      await f.identity.sessions.login({ username: 'admin', password: ADMIN_PW, ip: '127.0.0.1' });
    } finally {
      await f.close();
    }
  });
});
