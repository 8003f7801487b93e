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
  const failures = async () =>
    Number(
      (
        await f.store.db
          .selectFrom('login_failures')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    f = await createIdentityFixture(dialect, {
      login: { windowMs: WINDOW, maxFailuresPerUser: 3, maxFailuresPerAddress: 5 },
    });
    for (const name of ['lana', 'mike', 'nina', 'oscar', 'paul', 'quinn']) {
      await makeUser(f.identity, name, 'developer');
    }
  });
  afterAll(async () => f?.close());

  it('blocks a username after maxFailuresPerUser, even with the right password, until the window passes', async () => {
    for (let i = 0; i < 3; i++) {
      f.clock.advance(60_000);
      expect(await codeOf(login('lana', 'wrong-password', `10.1.0.${i}`))).toBe('INVALID_CREDENTIALS');
    }
    const err = (await login('lana', USER_PW, '10.1.0.9').catch((e: unknown) => e)) as BerthError;
    expect(err).toBeInstanceOf(BerthError);
    expect(err.code).toBe('LOGIN_RATE_LIMITED');
    // the first failure leaves the window 10 min after it happened: 8 min from now
    expect(err.details).toEqual({ retryAfterSeconds: 8 * 60 });
    // other users are not affected
    await login('mike', USER_PW, '10.1.0.9');

    f.clock.advance(8 * 60_000 - 1000);
    expect(await codeOf(login('lana', USER_PW, '10.1.0.9'))).toBe('LOGIN_RATE_LIMITED');
    f.clock.advance(1000);
    await login('lana', USER_PW, '10.1.0.9');
  });

  it('a success clears the user failures', async () => {
    f.clock.advance(WINDOW);
    expect(await codeOf(login('nina', 'wrong-password', '10.2.0.1'))).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(login('nina', 'wrong-password', '10.2.0.2'))).toBe('INVALID_CREDENTIALS');
    await login('nina', USER_PW, '10.2.0.3');
    expect(await codeOf(login('nina', 'wrong-password', '10.2.0.4'))).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(login('nina', 'wrong-password', '10.2.0.5'))).toBe('INVALID_CREDENTIALS');
    await login('nina', USER_PW, '10.2.0.6');
  });

  it('blocks an address after maxFailuresPerAddress across usernames', async () => {
    f.clock.advance(WINDOW);
    const users = ['oscar', 'paul', 'quinn', 'ghost1', 'ghost2'];
    for (const user of users) {
      expect(await codeOf(login(user, 'wrong-password', '10.3.0.1'))).toBe('INVALID_CREDENTIALS');
    }
    expect(await codeOf(login('admin', ADMIN_PW, '10.3.0.1'))).toBe('LOGIN_RATE_LIMITED');
    // the same user from another address is fine
    await login('admin', ADMIN_PW, '10.3.0.2');
    // refused attempts are not counted: the block lifts when the window passes
    f.clock.advance(WINDOW);
    await login('admin', ADMIN_PW, '10.3.0.1');
  });

  it('prunes failures older than the window', async () => {
    f.clock.advance(WINDOW + 60_000);
    expect(await codeOf(login('oscar', 'wrong-password', '10.4.0.1'))).toBe('INVALID_CREDENTIALS');
    expect(await failures()).toBe(1);
  });

  it('wrong current passwords on a password change count as failures too', async () => {
    f.clock.advance(WINDOW);
    const { token } = await login('quinn', USER_PW, '10.5.0.1');
    const quinn = await f.identity.resolveCredential(token, '10.5.0.1');
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
