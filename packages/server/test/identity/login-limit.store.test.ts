// The login limits of login-limiter.ts against a real store: attempts are recorded before the
// password is checked, per username and address with doubling waits, per address across usernames.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthError } from '../../src/errors.ts';
import { testDialects } from '../support/databases.ts';
import {
  ADMIN_PW,
  codeOf,
  createIdentityFixture,
  type IdentityFixture,
  makeUser,
  USER_PW,
} from './fixture.ts';

const WINDOW = 10 * 60_000;

describe.each(testDialects())('login rate limit (%s)', (dialect) => {
  let f: IdentityFixture;
  const login = (username: string, password: string, ip = '10.0.0.1') =>
    f.identity.sessions.login({ username, password, ip });
  const failures = async (username?: string) => {
    let q = f.store.db.selectFrom('login_failures').select((eb) => eb.fn.countAll().as('n'));
    if (username) q = q.where('username', '=', username);
    return Number((await q.executeTakeFirstOrThrow()).n);
  };
  const retryAfter = async (promise: Promise<unknown>) => {
    const err = (await promise.catch((e: unknown) => e)) as BerthError;
    expect(err).toBeInstanceOf(BerthError);
    expect(err.code).toBe('LOGIN_RATE_LIMITED');
    return (err.details as { retryAfterSeconds: number }).retryAfterSeconds;
  };

  beforeAll(async () => {
    f = await createIdentityFixture(dialect, {
      login: { windowMs: WINDOW, freeFailures: 3, backoffMs: 10_000, maxFailuresPerAddress: 6 },
    });
    for (const name of ['lana', 'mike', 'nina', 'oscar', 'paul', 'quinn', 'rita', 'sam']) {
      await makeUser(f.identity, name, 'developer');
    }
  });
  afterAll(async () => f?.close());

  it('records each attempt before checking it: parallel wrong passwords get no more than the free failures', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, () => codeOf(login('sam', 'wrong-password', '10.9.0.1'))),
    );
    // Attempts in flight together count each other, so a burst may even be refused whole.
    const checked = results.filter((code) => code === 'INVALID_CREDENTIALS').length;
    expect(checked).toBeLessThanOrEqual(3);
    expect(
      results.every((c) => ['INVALID_CREDENTIALS', 'LOGIN_RATE_LIMITED', 'LOGIN_BUSY'].includes(c!)),
    ).toBe(true);
    // refused attempts leave no row: only the checked ones are failures
    expect(await failures('sam')).toBe(checked);
  });

  it('holds across berthd processes: attempts through two connection pools share the limit', async () => {
    f.clock.advance(WINDOW);
    const replica = f.openReplica();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        codeOf(
          (i % 2 === 0 ? f.identity : replica.identity).sessions.login({
            username: 'rita',
            password: 'wrong-password',
            ip: '10.9.0.2',
          }),
        ),
      ),
    );
    const checked = results.filter((code) => code === 'INVALID_CREDENTIALS').length;
    expect(checked).toBeLessThanOrEqual(3);
    expect(await failures('rita')).toBe(checked);
  });

  it('after the free failures each attempt waits, doubling with every failure, even with the right password', async () => {
    f.clock.advance(WINDOW);
    for (let i = 0; i < 3; i++) {
      expect(await codeOf(login('lana', 'wrong-password', '10.1.0.1'))).toBe('INVALID_CREDENTIALS');
    }
    expect(await retryAfter(login('lana', USER_PW, '10.1.0.1'))).toBe(10);
    f.clock.advance(10_000);
    expect(await codeOf(login('lana', 'wrong-password', '10.1.0.1'))).toBe('INVALID_CREDENTIALS');
    // the fourth failure doubles the wait
    f.clock.advance(10_000);
    expect(await retryAfter(login('lana', USER_PW, '10.1.0.1'))).toBe(10);
    f.clock.advance(10_000);
    expect(await codeOf(login('lana', 'wrong-password', '10.1.0.1'))).toBe('INVALID_CREDENTIALS');
    expect(await retryAfter(login('lana', USER_PW, '10.1.0.1'))).toBe(40);
    // refused attempts do not extend the wait
    f.clock.advance(39_000);
    expect(await retryAfter(login('lana', USER_PW, '10.1.0.1'))).toBe(1);
    f.clock.advance(1000);
    await login('lana', USER_PW, '10.1.0.1');
  });

  it('limits a username per address only: a flood from one address does not lock the user out elsewhere', async () => {
    f.clock.advance(WINDOW);
    for (let i = 0; i < 3; i++) {
      expect(await codeOf(login('mike', 'wrong-password', '10.2.0.1'))).toBe('INVALID_CREDENTIALS');
    }
    expect(await codeOf(login('mike', USER_PW, '10.2.0.1'))).toBe('LOGIN_RATE_LIMITED');
    await login('mike', USER_PW, '10.2.0.2');
    // …and that success does not clear the failures from the other address
    expect(await codeOf(login('mike', USER_PW, '10.2.0.1'))).toBe('LOGIN_RATE_LIMITED');
  });

  it('a success clears the failures of that username from that address', async () => {
    f.clock.advance(WINDOW);
    expect(await codeOf(login('nina', 'wrong-password', '10.3.0.1'))).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(login('nina', 'wrong-password', '10.3.0.1'))).toBe('INVALID_CREDENTIALS');
    await login('nina', USER_PW, '10.3.0.1');
    expect(await failures('nina')).toBe(0);
    for (let i = 0; i < 3; i++) {
      expect(await codeOf(login('nina', 'wrong-password', '10.3.0.1'))).toBe('INVALID_CREDENTIALS');
    }
  });

  it('blocks an address after maxFailuresPerAddress across usernames, until they age out', async () => {
    f.clock.advance(WINDOW);
    const users = ['oscar', 'paul', 'quinn', 'rita', 'ghost1', 'ghost2'];
    for (const user of users) {
      f.clock.advance(1000);
      expect(await codeOf(login(user, 'wrong-password', '10.4.0.1'))).toBe('INVALID_CREDENTIALS');
    }
    // the oldest of the six leaves the window 10 min after it happened: 10 min - 5 s from now
    expect(await retryAfter(login('admin', ADMIN_PW, '10.4.0.1'))).toBe(600 - 5);
    // the same user from another address is fine
    await login('admin', ADMIN_PW, '10.4.0.2');
    f.clock.advance(WINDOW);
    await login('admin', ADMIN_PW, '10.4.0.1');
  });

  it('prunes failures older than the window', async () => {
    f.clock.advance(WINDOW + 60_000);
    expect(await codeOf(login('oscar', 'wrong-password', '10.5.0.1'))).toBe('INVALID_CREDENTIALS');
    expect(await failures()).toBe(1);
  });

  it('wrong current passwords on a password change count as failures too', async () => {
    f.clock.advance(WINDOW);
    const { token } = await login('quinn', USER_PW, '10.6.0.1');
    const quinn = await f.identity.resolveCredential(token, '10.6.0.1');
    for (let i = 0; i < 3; i++) {
      expect(
        await codeOf(f.identity.sessions.changePassword(quinn, 'wrong-password', 'next-password-1')),
      ).toBe('INVALID_CREDENTIALS');
    }
    expect(await codeOf(f.identity.sessions.changePassword(quinn, USER_PW, 'next-password-1'))).toBe(
      'LOGIN_RATE_LIMITED',
    );
  });
});
