// The source tab's logic on its own: the settings body holds only what changed and never loses the
// write-only credential or the user name (source-form.ts), the pin body (pin-form.ts), the short
// forms of origins and triggers (origin-text.ts), and the plain lists equal the SDK's.
import { PINNABLE_FIELDS, REPOSITORY_AUTH, REPOSITORY_KINDS, type SourceSettings } from '@berth/sdk';
import { describe, expect, it } from 'vitest';
import { originParts, parseTrigger, shortDigest, shortRef } from '../src/features/apps/source/origin-text.ts';
import { pinBodyOf, pinDraftOf } from '../src/features/apps/source/pin-form.ts';
import { emptyExternal, sourceBodyOf, sourceDraftOf } from '../src/features/apps/source/source-form.ts';
import {
  PINNABLE_FIELD_LIST,
  REPOSITORY_AUTH_LIST,
  REPOSITORY_KIND_LIST,
} from '../src/features/apps/source/source-lists.ts';

const COMMIT = '9b1e2c3d4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c';
const BASE: SourceSettings = {
  repository: 'hosted',
  hosted: { remote: 'http://berth.test/git/shop.git' },
  branch: 'main',
  branchEnv: 'stag',
  tagEnv: null,
};
const WITH_TOKEN: SourceSettings = {
  ...BASE,
  repository: 'external',
  external: { url: 'https://git.example.com/shop.git', auth: 'token', username: 'ci' },
};

describe('the source settings body', () => {
  it('is empty when nothing changed', () => {
    expect(sourceBodyOf(sourceDraftOf(BASE), BASE)).toEqual({ ok: true, body: {}, changed: false });
    expect(sourceBodyOf(sourceDraftOf(WITH_TOKEN), WITH_TOKEN)).toEqual({
      ok: true,
      body: {},
      changed: false,
    });
  });

  it('holds only the fields that changed, the branch trimmed', () => {
    const draft = { ...sourceDraftOf(BASE), branch: ' release ', branchEnv: null, tagEnv: 'prod' as const };
    expect(sourceBodyOf(draft, BASE)).toEqual({
      ok: true,
      changed: true,
      body: { branch: 'release', branchEnv: null, tagEnv: 'prod' },
    });
  });

  it('refuses an empty branch and an external default without an external repository', () => {
    expect(sourceBodyOf({ ...sourceDraftOf(BASE), branch: '  ' }, BASE)).toEqual({
      ok: false,
      problem: 'branchRequired',
    });
    expect(sourceBodyOf({ ...sourceDraftOf(BASE), repository: 'external' }, BASE)).toEqual({
      ok: false,
      problem: 'externalRequired',
    });
  });

  it('adds an external repository with its token and makes it the default in one change', () => {
    const draft = {
      ...sourceDraftOf(BASE),
      repository: 'external' as const,
      external: {
        ...emptyExternal(),
        url: 'https://git.example.com/a.git',
        auth: 'token' as const,
        credential: 'tok',
      },
    };
    expect(sourceBodyOf(draft, BASE)).toEqual({
      ok: true,
      changed: true,
      body: { repository: 'external', external: { url: 'https://git.example.com/a.git', token: 'tok' } },
    });
  });

  it('asks for the credential that a new URL or a new kind of auth needs', () => {
    const newUrl = sourceDraftOf(WITH_TOKEN);
    newUrl.external = { ...newUrl.external!, url: 'https://other.example.com/shop.git' };
    expect(sourceBodyOf(newUrl, WITH_TOKEN)).toEqual({ ok: false, problem: 'credentialRequired' });
    const ssh = sourceDraftOf(WITH_TOKEN);
    ssh.external = { ...ssh.external!, auth: 'ssh' };
    expect(sourceBodyOf(ssh, WITH_TOKEN)).toEqual({ ok: false, problem: 'credentialRequired' });
    const none = sourceDraftOf(WITH_TOKEN);
    none.external = { ...none.external!, auth: 'none' };
    expect(sourceBodyOf(none, WITH_TOKEN)).toEqual({ ok: false, problem: 'credentialKept' });
    const noUrl = sourceDraftOf(WITH_TOKEN);
    noUrl.external = { ...noUrl.external!, url: ' ' };
    expect(sourceBodyOf(noUrl, WITH_TOKEN)).toEqual({ ok: false, problem: 'urlRequired' });
  });

  it('keeps the stored token (not sent) and sends the user name again with any external change', () => {
    const draft = sourceDraftOf(WITH_TOKEN);
    draft.external = { ...draft.external!, knownHosts: 'git.example.com ssh-ed25519 AAAA' };
    expect(sourceBodyOf(draft, WITH_TOKEN)).toEqual({
      ok: true,
      changed: true,
      body: {
        external: {
          url: 'https://git.example.com/shop.git',
          username: 'ci',
          knownHosts: 'git.example.com ssh-ed25519 AAAA',
        },
      },
    });
  });

  it('replaces the token when a new one is typed, and removes the repository as null', () => {
    const draft = sourceDraftOf(WITH_TOKEN);
    draft.external = { ...draft.external!, credential: ' new-token ' };
    expect(sourceBodyOf(draft, WITH_TOKEN)).toMatchObject({
      ok: true,
      body: { external: { url: 'https://git.example.com/shop.git', username: 'ci', token: 'new-token' } },
    });
    expect(
      sourceBodyOf({ ...sourceDraftOf(WITH_TOKEN), repository: 'hosted', external: null }, WITH_TOKEN),
    ).toEqual({ ok: true, changed: true, body: { external: null, repository: 'hosted' } });
  });

  it('sends an SSH key as sshKey', () => {
    const draft = {
      ...sourceDraftOf(BASE),
      external: {
        ...emptyExternal(),
        url: 'git@git.example.com:shop.git',
        auth: 'ssh' as const,
        credential: 'KEY',
      },
    };
    expect(sourceBodyOf(draft, BASE)).toMatchObject({
      ok: true,
      body: { external: { url: 'git@git.example.com:shop.git', sshKey: 'KEY' } },
    });
  });
});

describe('the pin body', () => {
  it('sends the fields in the API order, or none for the default', () => {
    expect(pinBodyOf({ manifest: 'processes: {}\n', fields: ['resources', 'processes'] })).toEqual({
      ok: true,
      body: { manifest: 'processes: {}\n', fields: ['processes', 'resources'] },
    });
    expect(pinBodyOf({ manifest: 'processes: {}\n', fields: [] })).toEqual({
      ok: true,
      body: { manifest: 'processes: {}\n' },
    });
    expect(pinBodyOf({ manifest: '  \n', fields: [] })).toEqual({ ok: false, problem: 'manifestRequired' });
  });

  it('starts an edit from the pin there is', () => {
    expect(pinDraftOf(undefined)).toEqual({ manifest: '', fields: [] });
    expect(pinDraftOf({ manifest: 'a: 1\n', fields: ['env'], pinnedBy: 'admin', pinnedAt: 1 })).toEqual({
      manifest: 'a: 1\n',
      fields: ['env'],
    });
  });
});

describe('origins and triggers', () => {
  it('shortens refs, commits and digests', () => {
    expect(shortRef('refs/heads/main')).toBe('main');
    expect(shortRef('refs/tags/v1.2.0')).toBe('v1.2.0');
    expect(shortRef('refs/pull/1/head')).toBe('refs/pull/1/head');
    expect(shortRef('refs/heads/')).toBe('refs/heads/');
    expect(shortDigest(`sha256:${'a'.repeat(64)}`)).toBe(`sha256:${'a'.repeat(12)}`);
    expect(originParts({ type: 'git', repository: 'hosted', ref: 'refs/tags/v1', commit: COMMIT })).toEqual({
      type: 'git',
      repository: 'hosted',
      ref: 'v1',
      commit: '9b1e2c3',
      full: `refs/tags/v1 ${COMMIT}`,
    });
    // A queued deploy's ref, not resolved yet.
    expect(
      originParts({ type: 'git', repository: 'external', url: 'https://git.example.com/a.git', ref: 'main' }),
    ).toMatchObject({ ref: 'main', full: 'https://git.example.com/a.git main' });
    expect(originParts({ type: 'package', sha256: 'f'.repeat(64) })).toMatchObject({
      digest: 'f'.repeat(12),
    });
    expect(originParts({ type: 'image', image: 'web:1', digest: `sha256:${'b'.repeat(64)}` })).toMatchObject({
      image: 'web:1',
      digest: `sha256:${'b'.repeat(12)}`,
    });
  });

  it('splits push and webhook triggers and leaves others as they are', () => {
    expect(parseTrigger('push:refs/heads/main')).toEqual({ kind: 'push', ref: 'main' });
    expect(parseTrigger('webhook:refs/tags/v2')).toEqual({ kind: 'webhook', ref: 'v2' });
    expect(parseTrigger('cron:nightly')).toEqual({ kind: 'other', text: 'cron:nightly' });
    expect(parseTrigger('push:')).toEqual({ kind: 'other', text: 'push:' });
  });
});

describe('the plain lists', () => {
  it('equal the SDK’s', () => {
    expect(PINNABLE_FIELD_LIST).toEqual(PINNABLE_FIELDS);
    expect(REPOSITORY_KIND_LIST).toEqual(REPOSITORY_KINDS);
    expect(REPOSITORY_AUTH_LIST).toEqual(REPOSITORY_AUTH);
  });
});
