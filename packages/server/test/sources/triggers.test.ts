// Which refs deploy where, and image names.
import { describe, expect, it } from 'vitest';
import { parseImageReference } from '../../src/sources/image-source.ts';
import { describeOrigin, sourceKey } from '../../src/sources/source.ts';
import { targetOf } from '../../src/sources/triggered-deploys.ts';

const triggers = { repository: 'hosted' as const, branch: 'main', branchEnv: 'stag' as const, tagEnv: null };

describe('push triggers', () => {
  it('deploys the deploy branch to its environment, stores the rest', () => {
    expect(targetOf(triggers, 'refs/heads/main')).toEqual({ env: 'stag' });
    expect(targetOf(triggers, 'refs/heads/feature')).toEqual({ skip: 'only main deploys' });
    expect(targetOf(triggers, 'refs/heads/main2')).toEqual({ skip: 'only main deploys' });
    expect(targetOf(triggers, 'refs/tags/v1')).toEqual({ skip: 'tags are stored without deploying' });
    expect(targetOf({ ...triggers, tagEnv: 'prod' }, 'refs/tags/v1')).toEqual({ env: 'prod' });
    expect(targetOf({ ...triggers, branchEnv: null }, 'refs/heads/main')).toMatchObject({
      skip: expect.any(String),
    });
    expect(targetOf({ ...triggers, branch: 'release/1.x' }, 'refs/heads/release/1.x')).toEqual({
      env: 'stag',
    });
  });
});

describe('source identity', () => {
  it('keys a commit the same in any repository', () => {
    const commit = 'a'.repeat(40);
    expect(sourceKey({ type: 'git', repository: 'hosted', commit })).toBe(
      sourceKey({
        type: 'git',
        repository: 'external',
        url: 'https://x/y.git',
        ref: 'refs/heads/main',
        commit,
      }),
    );
    expect(sourceKey({ type: 'package', sha256: 'b'.repeat(64) })).toBe(`package:${'b'.repeat(64)}`);
    expect(describeOrigin({ type: 'git', repository: 'hosted', ref: 'refs/tags/v1.2.0', commit })).toBe(
      `v1.2.0 ${'a'.repeat(12)} of the hosted repository`,
    );
  });
});

describe('image references', () => {
  it('tells a registry from a path', () => {
    expect(parseImageReference('nginx:1.25')).toEqual({ name: 'nginx:1.25' });
    expect(parseImageReference('team/app')).toEqual({ name: 'team/app' });
    expect(parseImageReference('registry.example.com/team/app:v2')).toEqual({
      registry: 'registry.example.com',
      name: 'registry.example.com/team/app:v2',
    });
    expect(parseImageReference('127.0.0.1:5000/app')).toMatchObject({ registry: '127.0.0.1:5000' });
    expect(parseImageReference('localhost/app')).toMatchObject({ registry: 'localhost' });
    expect(parseImageReference(`app@sha256:${'c'.repeat(64)}`)).toEqual({
      name: `app@sha256:${'c'.repeat(64)}`,
    });
  });

  it('refuses what is not an image name', () => {
    for (const bad of ['', 'UPPER/app', '-x', 'app:', 'a b', 'app@sha256:123', '../x', 'app:tag:more']) {
      expect(() => parseImageReference(bad), bad).toThrow(/not an image name/);
    }
  });
});
