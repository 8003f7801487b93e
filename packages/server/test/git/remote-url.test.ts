// checkRemoteUrl, displayRemoteUrl and checkRefName: every form a user could use to make git read
// berthd's disk, run a command, take an option, or store a credential in plain sight is refused.
import { describe, expect, it } from 'vitest';
import { isBerthError } from '../../src/errors.ts';
import { checkRefName, checkRemoteUrl, displayRemoteUrl } from '../../src/git/index.ts';

function refusedWith(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isBerthError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('checkRemoteUrl', () => {
  it('accepts https, http, ssh:// and scp-like URLs, normalised', () => {
    expect(checkRemoteUrl('https://GitLab.Example.com/group/app.git')).toBe(
      'https://gitlab.example.com/group/app.git',
    );
    expect(checkRemoteUrl('  https://example.com:8443/a/b.git ')).toBe('https://example.com:8443/a/b.git');
    expect(checkRemoteUrl('http://127.0.0.1:3000/app.git')).toBe('http://127.0.0.1:3000/app.git');
    expect(checkRemoteUrl('ssh://git@Example.com:2222/srv/app.git')).toBe(
      'ssh://git@example.com:2222/srv/app.git',
    );
    expect(checkRemoteUrl('ssh://example.com/app.git')).toBe('ssh://example.com/app.git');
    expect(checkRemoteUrl('git@github.com:org/app.git')).toBe('git@github.com:org/app.git');
    expect(checkRemoteUrl('deploy@[2001:db8::1]:app.git')).toBe('deploy@[2001:db8::1]:app.git');
  });

  it.each([
    ['file:///etc', /file:\/\/ is not allowed/],
    ['FILE:///srv/repo.git', /file:\/\/ is not allowed/],
    ['git://example.com/app.git', /git:\/\/ is not allowed/],
    ['ftp://example.com/app.git', /ftp:\/\/ is not allowed/],
    ['git+ssh://git@example.com/app.git', /git\+ssh:\/\/ is not allowed/],
    ['ext::sh -c touch% /tmp/pwned', /space|remote helpers/],
    ['ext::true', /remote helpers/],
    ['fd::3', /remote helpers/],
    ['/srv/berth/data/git/other.git', /local paths/],
    ['./repo.git', /local paths/],
    ['../other', /local paths/],
    ['repo.git', /local paths/],
    ['C:\\repo', /local paths/],
    ['host:path', /local paths/],
    ['-uhttps://example.com', /starts with '-'/],
    ['--upload-pack=touch /tmp/x', /space|starts with '-'/],
    ['https://user:secret@example.com/app.git', /token field/],
    ['https://token@example.com/app.git', /token field/],
    ['https://example.com/app.git?private_token=x', /query/],
    ['https://example.com/app.git#frag', /fragment/],
    ['https://example.com/a\nb', /control/],
    ['https://example.com/a\u0000b', /control/],
    ['https://example.com/a b', /space/],
    ['ssh://git:pw@example.com/app.git', /password/],
    ['git:pw@example.com:app.git', /password/],
    ['ssh://-oProxyCommand=touch%20x/app.git', /host/],
    ['ssh://git@example.com', /no repository path/],
    ['-oProxyCommand=x@host:path', /starts with '-'/],
    ['git@-oProxyCommand=x:path', /host/],
    ['git@host:-path', /path starts with/],
    ['git@host::path', /path starts with/],
    ['', /empty/],
    [`https://example.com/${'a'.repeat(2100)}`, /longer/],
  ])('refuses %j', (url, message) => {
    const e = refusedWith(() => checkRemoteUrl(url));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toMatch(message);
  });

  it('does not repeat a password in its refusal', () => {
    const e = refusedWith(() => checkRemoteUrl('https://user:hunter2secret@example.com/app.git'));
    expect(JSON.stringify(e)).not.toContain('hunter2secret');
  });
});

describe('displayRemoteUrl', () => {
  it('drops user names, passwords and queries; keeps an SSH user', () => {
    expect(displayRemoteUrl('https://user:secret@example.com/app.git')).toBe('https://example.com/app.git');
    expect(displayRemoteUrl('https://example.com/app.git?token=secret')).toBe('https://example.com/app.git');
    expect(displayRemoteUrl('ssh://git:secret@example.com/app.git')).toBe('ssh://git@example.com/app.git');
    expect(displayRemoteUrl('git@example.com:app.git')).toBe('git@example.com:app.git');
    expect(displayRemoteUrl('git:secret@example.com:app.git')).toBe('git@example.com:app.git');
    expect(displayRemoteUrl('https://example.com/a\nb')).toBe('https://example.com/a\uFFFDb');
  });
});

describe('checkRefName', () => {
  it('accepts branch and tag names, full refs and commit ids', () => {
    for (const ref of [
      'main',
      'feature/x-1',
      'v1.2.0',
      'refs/heads/main',
      'refs/tags/v1',
      'release@2026',
      'abc1234',
      'A'.repeat(40),
      'ü-branch',
    ]) {
      expect(checkRefName(ref)).toBe(ref);
    }
  });

  it.each([
    '',
    '-x',
    '--upload-pack=x',
    'a b',
    'a~1',
    'a^',
    'a:b',
    'a?',
    'a*',
    'a[',
    'a\\b',
    'a..b',
    'a@{1}',
    '@',
    '/a',
    'a/',
    'a//b',
    'a.',
    '.a',
    'a/.b',
    'a.lock',
    'a/b.lock/c',
    'a\tb',
    'a\u007fb',
    'é'.repeat(128),
  ])('refuses %j with GIT_REF_INVALID', (ref) => {
    expect(refusedWith(() => checkRefName(ref)).code).toBe('GIT_REF_INVALID');
  });
});
