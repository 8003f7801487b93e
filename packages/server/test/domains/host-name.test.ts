// Custom domain syntax and which certificate names cover which hosts.
import { describe, expect, it } from 'vitest';
import { hostProblem, isUnder, nameCovers } from '../../src/domains/host-name.ts';

describe('hostProblem', () => {
  it('accepts lower-case names, punycode and one-label wildcards', () => {
    for (const ok of [
      'shop.example.com',
      'a.b.c.example.org',
      'xn--bcher-kva.example',
      '*.example.com',
      'x-1.io',
    ]) {
      expect([ok, hostProblem(ok)]).toEqual([ok, undefined]);
    }
  });

  it('refuses upper case, ports, trailing dots, Unicode, bare labels, IPs and inner wildcards', () => {
    const bad = [
      'Shop.example.com',
      'shop.example.com:443',
      'shop.example.com.',
      'bücher.example',
      'localhost',
      '10.0.0.1',
      'a.*.example.com',
      '*.com',
      '**.example.com',
      '-a.example.com',
      'http://shop.example.com',
      `${'a'.repeat(64)}.example.com`,
      'xn--zz.example.com',
      '',
    ];
    for (const host of bad) expect([host, typeof hostProblem(host)]).toEqual([host, 'string']);
  });
});

describe('nameCovers', () => {
  it('covers the same name, and one label under a wildcard', () => {
    expect(nameCovers('shop.example.com', 'shop.example.com')).toBe(true);
    expect(nameCovers('*.example.com', 'shop.example.com')).toBe(true);
    expect(nameCovers('*.example.com', '*.example.com')).toBe(true);
  });

  it('does not cover two labels, the bare domain, or a wildcard with an exact name', () => {
    expect(nameCovers('*.example.com', 'a.shop.example.com')).toBe(false);
    expect(nameCovers('*.example.com', 'example.com')).toBe(false);
    expect(nameCovers('shop.example.com', '*.example.com')).toBe(false);
    expect(nameCovers('*.example.com', 'shopexample.com')).toBe(false);
  });
});

describe('isUnder', () => {
  it('tells hosts under a domain', () => {
    expect(isUnder('shop.apps.example.com', 'apps.example.com')).toBe(true);
    expect(isUnder('*.apps.example.com', 'apps.example.com')).toBe(true);
    expect(isUnder('apps.example.com', 'apps.example.com')).toBe(true);
    expect(isUnder('myapps.example.com', 'apps.example.com')).toBe(false);
  });
});
