// Each host's deliveries read as the host means them: which provider sent it (Gitea's compatibility
// headers do not make it GitHub), whether it proves the secret (the exact bytes, constant-length
// comparisons, no SHA-1, no prefix games), and which ref and commit a push or tag names.
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BerthError } from '../../src/errors.ts';
import { readPayload } from '../../src/webhooks/payload.ts';
import { detectProvider } from '../../src/webhooks/providers/detect-provider.ts';
import { isValidRefName, pushKindOf } from '../../src/webhooks/ref-name.ts';
import { hmacMatches, tokenMatches } from '../../src/webhooks/verify.ts';
import { type FixtureName, fixture, hmacHex, hostHeaders, PUSH_CASES } from './hosts.ts';

const SECRET = 'a'.repeat(64);

function read(name: FixtureName, headers: IncomingHttpHeaders) {
  const detected = detectProvider(headers);
  if (!detected) throw new Error('no provider detected');
  return {
    provider: detected.provider.name,
    verdict: detected.provider.verify(headers, fixture(name), SECRET),
    hook: detected.provider.read(detected.event, JSON.parse(fixture(name).toString('utf8'))),
  };
}

describe('push and tag payloads', () => {
  for (const c of PUSH_CASES) {
    it(`${c.name}: verified, and names ${c.ref} at ${c.commit.slice(0, 7)}`, () => {
      const headers = hostHeaders(c.provider, fixture(c.name), { event: c.event, secret: SECRET });
      const got = read(c.name, headers);
      expect(got.provider).toBe(c.provider);
      expect(got.verdict).toBeUndefined();
      expect(got.hook).toEqual({
        kind: 'push',
        ref: c.ref,
        commit: c.commit,
        pusher: c.pusher,
        repositoryUrl: c.repositoryUrl,
      });
    });
  }

  it('a deleted branch names the all-zeros commit', () => {
    const headers = hostHeaders('github', fixture('github-branch-delete'), { event: 'push', secret: SECRET });
    expect(read('github-branch-delete', headers).hook).toMatchObject({
      kind: 'push',
      ref: 'refs/heads/feature/cart',
      commit: '0'.repeat(40),
    });
  });

  it('ping, other events and Gitea’s create are not pushes', () => {
    const ping = hostHeaders('github', fixture('github-ping'), { event: 'ping', secret: SECRET });
    expect(read('github-ping', ping).hook).toEqual({ kind: 'ping' });
    const issues = hostHeaders('github', fixture('github-issues'), { event: 'issues', secret: SECRET });
    expect(read('github-issues', issues).hook).toEqual({
      kind: 'other',
      reason: 'event "issues" is not a push',
    });
    const mr = hostHeaders('gitlab', fixture('gitlab-merge-request'), {
      event: 'Merge Request Hook',
      secret: SECRET,
    });
    expect(read('gitlab-merge-request', mr).hook).toMatchObject({ kind: 'other' });
    const create = hostHeaders('gitea', fixture('gitea-create-tag'), { event: 'create', secret: SECRET });
    expect(read('gitea-create-tag', create).hook).toMatchObject({ kind: 'other' });
  });

  it('a push payload without a ref or a commit id is refused as invalid', () => {
    const { provider } = detectProvider({ 'x-github-event': 'push' })!;
    const bad = (payload: unknown) => () => provider.read('push', payload);
    expect(bad([1, 2])).toThrow(BerthError);
    expect(bad({ after: 'f'.repeat(40) })).toThrow(/no "ref"/);
    expect(bad({ ref: 'refs/heads/main', after: 'HEAD' })).toThrow(/not a commit id/);
    expect(bad({ ref: 'refs/heads/main', after: '--upload-pack=touch /tmp/x' })).toThrow(/not a commit id/);
    expect(bad({ ref: 'refs/heads/main', after: 'F'.repeat(40) })).toThrow(/not a commit id/);
  });
});

describe('which host sent it', () => {
  it('Gitea, though it sends Gogs’ and GitHub’s headers too', () => {
    const headers = hostHeaders('gitea', fixture('gitea-push'), { event: 'push', secret: SECRET });
    expect(headers['x-github-event']).toBe('push');
    expect(detectProvider(headers)?.provider.name).toBe('gitea');
  });

  it('nobody, without a known event header', () => {
    expect(
      detectProvider({ 'content-type': 'application/json', 'x-event-key': 'repo:push' }),
    ).toBeUndefined();
    // A header sent twice is no header (no host does that; a forger gains nothing from it).
    expect(detectProvider({ 'x-github-event': ['push', 'push'] } as IncomingHttpHeaders)).toBeUndefined();
  });
});

describe('signatures and tokens', () => {
  const body = fixture('github-push');

  it('the HMAC of the exact bytes matches; any other bytes, key or shape do not', () => {
    expect(hmacMatches(SECRET, body, hmacHex(SECRET, body))).toBe(true);
    expect(hmacMatches(SECRET, body, hmacHex(SECRET, body).toUpperCase())).toBe(true);
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))));
    expect(hmacMatches(SECRET, reformatted, hmacHex(SECRET, body))).toBe(false);
    expect(hmacMatches(`${SECRET}x`, body, hmacHex(SECRET, body))).toBe(false);
    expect(hmacMatches(SECRET, body, hmacHex(SECRET, body).slice(0, 63))).toBe(false);
    expect(hmacMatches(SECRET, body, `${hmacHex(SECRET, body)}00`)).toBe(false);
    expect(hmacMatches(SECRET, body, '')).toBe(false);
    expect(hmacMatches(SECRET, body, undefined)).toBe(false);
    expect(hmacMatches(SECRET, body, 'z'.repeat(64))).toBe(false);
  });

  it('GitHub: only sha256=, never the SHA-1 header alone', () => {
    const { provider } = detectProvider({ 'x-github-event': 'push' })!;
    const mac = hmacHex(SECRET, body);
    expect(provider.verify({ 'x-hub-signature-256': `sha256=${mac}` }, body, SECRET)).toBeUndefined();
    expect(provider.verify({ 'x-hub-signature-256': mac }, body, SECRET)).toMatch(/not sha256=/);
    expect(provider.verify({ 'x-hub-signature': `sha1=${'0'.repeat(40)}` }, body, SECRET)).toMatch(/SHA-1/);
    expect(provider.verify({}, body, SECRET)).toMatch(/no X-Hub-Signature-256/);
  });

  it("GitLab's token is compared whole", () => {
    expect(tokenMatches(SECRET, SECRET)).toBe(true);
    expect(tokenMatches(SECRET, SECRET.slice(0, 63))).toBe(false);
    expect(tokenMatches(SECRET, `${SECRET} `)).toBe(false);
    expect(tokenMatches(SECRET, undefined)).toBe(false);
    const { provider } = detectProvider({ 'x-gitlab-event': 'Push Hook' })!;
    expect(provider.verify({ 'x-gitlab-token': SECRET }, body, SECRET)).toBeUndefined();
    expect(provider.verify({ 'x-gitlab-token': 'guess' }, body, SECRET)).toMatch(/not the app's/);
    expect(provider.verify({}, body, SECRET)).toMatch(/no X-Gitlab-Token/);
  });
});

describe('ref names', () => {
  it('branches and tags only', () => {
    expect(pushKindOf('refs/heads/main')).toBe('push');
    expect(pushKindOf('refs/tags/v1')).toBe('tag');
    expect(pushKindOf('refs/merge-requests/1/head')).toBeUndefined();
    expect(pushKindOf('main')).toBeUndefined();
  });

  it('accepts what git accepts, refuses what git refuses', () => {
    for (const ok of [
      'refs/heads/main',
      'refs/heads/feature/cart-2',
      'refs/tags/v1.2.0',
      'refs/heads/ünïcode',
    ]) {
      expect(isValidRefName(ok), ok).toBe(true);
    }
    for (const bad of [
      'refs/heads/',
      'refs/heads/a..b',
      'refs/heads/../../etc/passwd',
      'refs/heads/-oops',
      'refs/heads/x.lock',
      'refs/heads/.hidden',
      'refs/heads/a b',
      'refs/heads/a\nb',
      'refs/heads/a~1',
      'refs/heads/a^',
      'refs/heads/a:b',
      'refs/heads/a?',
      'refs/heads/a*',
      'refs/heads/a[b',
      'refs/heads/a\\b',
      'refs/heads/a@{1}',
      'refs/heads/a//b',
      'refs/heads/a/',
      'refs/heads/a.',
      'refs/heads/@',
      `refs/heads/${'x'.repeat(300)}`,
      'refs/notes/commits',
    ]) {
      expect(isValidRefName(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('payload bodies', () => {
  it('JSON, or a form with the JSON in `payload`', () => {
    const json = '{"ref":"refs/heads/main"}';
    expect(readPayload('application/json', Buffer.from(json))).toEqual({ ref: 'refs/heads/main' });
    const form = Buffer.from(new URLSearchParams({ payload: json }).toString());
    expect(readPayload('application/x-www-form-urlencoded; charset=utf-8', form)).toEqual({
      ref: 'refs/heads/main',
    });
  });

  it('anything else is BAD_JSON', () => {
    const bad = (type: string, body: string) => () => readPayload(type, Buffer.from(body));
    expect(bad('application/json', '{"ref":')).toThrow(expect.objectContaining({ code: 'BAD_JSON' }));
    expect(bad('application/x-www-form-urlencoded', 'ref=main')).toThrow(/no "payload"/);
    expect(bad('application/json', '')).toThrow(expect.objectContaining({ code: 'BAD_JSON' }));
  });
});
