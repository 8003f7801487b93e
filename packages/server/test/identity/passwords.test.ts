import { describe, expect, it } from 'vitest';
import { isBerthError } from '../../src/errors.ts';
import {
  assertPasswordPolicy,
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
  const weak = (password: string, username = 'alice') => {
    try {
      assertPasswordPolicy(password, username);
      return undefined;
    } catch (err) {
      return isBerthError(err) ? err.code : err;
    }
  };

  it('wants 10 to 256 characters, not the username', () => {
    expect(weak('123456789')).toBe('WEAK_PASSWORD');
    expect(weak('1234567890')).toBeUndefined();
    expect(weak('x'.repeat(256))).toBeUndefined();
    expect(weak('x'.repeat(257))).toBe('WEAK_PASSWORD');
    expect(weak('alice.smith', 'alice.smith')).toBe('WEAK_PASSWORD');
    expect(weak('Alice.Smith', 'alice.smith')).toBe('WEAK_PASSWORD');
  });

  it('counts characters, not UTF-16 units', () => {
    expect(weak('🔑'.repeat(9))).toBe('WEAK_PASSWORD');
    expect(weak('🔑'.repeat(10))).toBeUndefined();
  });
});
