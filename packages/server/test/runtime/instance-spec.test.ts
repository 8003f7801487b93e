// InstanceSpec checks: every field that becomes a file name, argv or environment entry.
import { describe, expect, it } from 'vitest';
import { isBerthError } from '../../src/errors.ts';
import type { InstanceSpec } from '../../src/runtime/index.ts';
import { validateInstanceSpec } from '../../src/runtime/index.ts';

const good: InstanceSpec = {
  id: 'hello-prod-v3-web-1-x7k2',
  app: 'hello',
  env: 'prod',
  release: 3,
  processType: 'web',
  index: 1,
  artifactDir: '/var/lib/berth/builds/hello/3',
  command: ['node', 'server.js'],
  vars: { NODE_ENV: 'production' },
  pathPrepend: ['node_modules/.bin'],
  limits: { memoryBytes: 512 * 1024 * 1024, pids: 100 },
  listen: true,
  user: {
    name: 'berth-k3x9q2-880001',
    uid: 880_001,
    gid: 880_001,
    home: '/var/lib/berth/homes/berth-k3x9q2-880001',
  },
};

function problem(over: Partial<InstanceSpec> | Record<string, unknown>): string | undefined {
  try {
    validateInstanceSpec({ ...good, ...over } as InstanceSpec);
    return undefined;
  } catch (err) {
    expect(isBerthError(err, 'RUNTIME_SPEC_INVALID')).toBe(true);
    return (err as Error).message;
  }
}

describe('validateInstanceSpec', () => {
  it('accepts a well-formed spec', () => {
    expect(problem({})).toBeUndefined();
  });

  it.runIf(process.getuid?.() === 0)('refuses a spec without a user when berthd is root', () => {
    expect(problem({ user: undefined })).toContain('needs a user');
  });

  it.each([
    ['an id with a slash', { id: 'a/b' }, 'bad id'],
    ['an id starting with a dot', { id: '..' }, 'bad id'],
    ['a bad app code', { app: 'Hello' }, 'bad app code'],
    ['an unknown env', { env: 'dev' }, 'env must be'],
    ['a relative artifact dir', { artifactDir: 'builds/x' }, 'absolute'],
    ['an empty command', { command: [] }, 'non-empty'],
    ['an empty program', { command: [''] }, 'name a program'],
    ['a NUL in an argument', { command: ['node', 'a\0b'] }, 'NUL'],
    ['a bad variable name', { vars: { 'A=B': 'x' } }, 'bad variable name'],
    ['a non-string variable', { vars: { A: 1 } }, 'must be a string'],
    ['a pathPrepend escaping the artifact', { pathPrepend: ['../bin'] }, 'inside the artifact'],
    ['an absolute pathPrepend', { pathPrepend: ['/usr/bin'] }, 'inside the artifact'],
    ['a negative limit', { limits: { pids: -1 } }, 'positive'],
    ['a fractional pids limit', { limits: { pids: 1.5 } }, 'whole number'],
    ['a missing listen flag', { listen: undefined }, 'listen'],
    ['root as the user', { user: { ...good.user!, uid: 0 } }, 'app uid'],
    ['a user without a home', { user: { ...good.user!, home: 'homes/x' } }, 'absolute path'],
    ['a bad user name', { user: { ...good.user!, name: 'Root;' } }, 'user name'],
  ])('refuses %s', (_name, over, message) => {
    expect(problem(over)).toContain(message);
  });

  it('takes placement constraints in normal form only, at most ten', () => {
    expect(problem({ placement: [] })).toBeUndefined();
    expect(problem({ placement: ['node.labels.zone==a', 'node.role!=manager'] })).toBeUndefined();
    for (const placement of [
      ['node.labels.zone == a'],
      ['node.labels.zone=a'],
      ['zone==a'],
      [42],
      'node.labels.zone==a',
      Array.from({ length: 11 }, (_, i) => `node.labels.l${i}==x`),
    ]) {
      expect(problem({ placement }), JSON.stringify(placement)).toMatch(/placement/);
    }
  });
});
