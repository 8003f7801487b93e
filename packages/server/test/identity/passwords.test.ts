import { describe, expect, it } from 'vitest';
import { isBerthError } from '../../src/errors.ts';
import { readCommonPasswords } from '../../src/identity/common-passwords.ts';
import { assertPasswordPolicy } from '../../src/identity/password-policy.ts';
import {
  DEFAULT_PASSWORD_PARAMS,
  generatePassword,
  hashPassword,
  passwordNeedsRehash,
  verifyPassword,
} from '../../src/identity/passwords.ts';
import { FAST_PASSWORD_PARAMS } from './fixture.ts';

describe('password hashing', () => {
  it('stores scrypt$N$r$p$salt$hash and verifies only the right password', async () => {
    const hash = await hashPassword('correct horse battery', FAST_PASSWORD_PARAMS);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    const a = await hashPassword('same password here', FAST_PASSWORD_PARAMS);
    const b = await hashPassword('same password here', FAST_PASSWORD_PARAMS);
    expect(a).not.toBe(b);
  });

  it('uses N=2^16, r=8, p=1 by default', async () => {
    expect(DEFAULT_PASSWORD_PARAMS).toEqual({ N: 65536, r: 8, p: 1 });
    const hash = await hashPassword('a default-cost password');
    expect(hash.startsWith('scrypt$65536$8$1$')).toBe(true);
    expect(await verifyPassword('a default-cost password', hash)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['another scheme', 'bcrypt$2b$10$abcdefghijklmnopqrstuv'],
    ['N not a power of two', 'scrypt$1000$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g'],
    ['N absurdly large', 'scrypt$1073741824$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g'],
    ['missing part', 'scrypt$1024$8$1$c2FsdHNhbHRzYWx0'],
  ])('never matches a malformed stored hash (%s)', async (_label, stored) => {
    expect(await verifyPassword('anything at all', stored)).toBe(false);
    expect(passwordNeedsRehash(stored, FAST_PASSWORD_PARAMS)).toBe(true);
  });

  it('asks for a rehash when the parameters changed', async () => {
    const weak = await hashPassword('some password 1', FAST_PASSWORD_PARAMS);
    expect(passwordNeedsRehash(weak, FAST_PASSWORD_PARAMS)).toBe(false);
    expect(passwordNeedsRehash(weak, DEFAULT_PASSWORD_PARAMS)).toBe(true);
  });

  it('generates long random passwords that pass the policy', () => {
    const a = generatePassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(generatePassword()).not.toBe(a);
    expect(() => assertPasswordPolicy(a, 'admin')).not.toThrow();
  });
});

describe('password policy', () => {
  /** The rule a password breaks (details.rule of WEAK_PASSWORD), or undefined when it passes. */
  const weak = (password: string, username = 'alice') => {
    try {
      assertPasswordPolicy(password, username);
      return undefined;
    } catch (err) {
      if (!isBerthError(err, 'WEAK_PASSWORD')) throw err;
      return (err.details as { rule: string }).rule;
    }
  };

  it('wants 10 to 256 characters, not the username', () => {
    expect(weak('x7#kQ2m!p')).toBe('too_short');
    expect(weak('x7#kQ2m!pz')).toBeUndefined();
    expect(weak('ab1'.repeat(85) + 'z')).toBeUndefined();
    expect(weak('ab1'.repeat(85) + 'zz')).toBe('too_long');
    expect(weak('alice.smith', 'alice.smith')).toBe('username');
    expect(weak('Alice.Smith', 'alice.smith')).toBe('username');
  });

  it('counts characters, not UTF-16 units', () => {
    // nine and ten distinct astral characters (two UTF-16 units each)
    const astral = (n: number) => String.fromCodePoint(...Array.from({ length: n }, (_, i) => 0x1f600 + i));
    expect(weak(astral(9))).toBe('too_short');
    expect(weak(astral(10))).toBeUndefined();
  });

  it('refuses whitespace only, and one character or a short group repeated', () => {
    expect(weak(' '.repeat(12))).toBe('whitespace');
    expect(weak(' \t \t \t \t \t \u3000')).toBe('whitespace');
    expect(weak('a'.repeat(10))).toBe('repeated');
    expect(weak(String.fromCodePoint(0x1f511).repeat(10))).toBe('repeated');
    expect(weak('ab'.repeat(6))).toBe('repeated');
    expect(weak('xyz!'.repeat(4))).toBe('repeated');
    // a longer group is not "repeated"; a near-repetition passes
    expect(weak('abcde'.repeat(3))).toBeUndefined();
    expect(weak(`${'a'.repeat(10)}b`)).toBeUndefined();
  });

  it('refuses commonly used passwords from the maintained list, ignoring case and outer spaces', () => {
    const list = readCommonPasswords();
    expect(list.length).toBeGreaterThan(10_000);
    for (const common of ['password123', '1234567890', 'qwertyuiop', 'iloveyou12']) {
      expect(list).toContain(common);
      expect(weak(common)).toBe('common');
    }
    expect(weak('PassWord123')).toBe('common');
    expect(weak(' qwertyuiop ')).toBe('common');
    expect(weak('password123-and-more')).toBeUndefined();
  });
});
