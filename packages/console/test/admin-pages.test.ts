// The rules behind the account and administration pages: the audit filters in the URL, what a user
// edit sends, which buttons a role sees, a token's state, the password policy's rule texts, and
// the platform status call (against a real HTTP server).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BerthApiError } from '@berth/sdk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordMessages } from '../src/features/account/password-messages.ts';
import { weakPasswordRule } from '../src/features/account/password-problem.ts';
import { tokenState } from '../src/features/account/token-state.ts';
import {
  auditFailed,
  auditQuery,
  filtersFromSearch,
  filtersToSearch,
  hasFilters,
} from '../src/features/admin/audit-query.ts';
import { diskUsedPercent, fetchPlatformStatus } from '../src/features/admin/platform-status.ts';
import { USERNAME_RE, userActions, userChanges } from '../src/features/admin/user-fields.ts';
import { translator } from '../src/i18n/messages.ts';

describe('audit filters in the URL', () => {
  it('round-trip through the query string, times as ISO instants', () => {
    const filters = {
      actor: 'alice',
      action: 'user.',
      targetType: 'app',
      targetId: 'shop',
      since: Date.UTC(2026, 11, 1, 8, 0, 0),
      until: Date.UTC(2026, 11, 5, 0, 0, 0),
    };
    const search = filtersToSearch(filters);
    expect(search.get('since')).toBe('2026-12-01T08:00:00.000Z');
    expect(filtersFromSearch(new URLSearchParams(search.toString()))).toEqual(filters);
  });
  it('read epoch milliseconds too, and drop what the API would refuse', () => {
    const read = filtersFromSearch(
      new URLSearchParams('since=1764921600000&until=yesterday&action=User%20Create&actor=%20&targetId=x'),
    );
    expect(read).toEqual({ since: 1764921600000, targetId: 'x' });
    expect(filtersFromSearch(new URLSearchParams('action=DEPLOY.'))).toEqual({ action: 'deploy.' });
  });
  it('become the API query with the page cursor', () => {
    expect(auditQuery({ actor: 'bob' }, 'c1')).toEqual({ actor: 'bob', limit: 50, cursor: 'c1' });
    expect(auditQuery({})).toEqual({ limit: 50 });
    expect(hasFilters({})).toBe(false);
    expect(hasFilters({ until: 0 })).toBe(true);
  });
  it('mark failed attempts', () => {
    expect(auditFailed({ action: 'session.login_failed' })).toBe(true);
    expect(auditFailed({ action: 'app.member.add_failed' })).toBe(true);
    expect(auditFailed({ action: 'session.login' })).toBe(false);
  });
});

describe('users page rules', () => {
  const user = {
    id: 'u1',
    username: 'carol',
    displayName: 'Carol',
    email: 'carol@example.com',
    role: 'developer' as const,
    disabled: false,
    createdAt: 1,
    updatedAt: 1,
  };
  it('an edit sends only what changed; an emptied email is removed', () => {
    expect(userChanges(user, { displayName: ' Carol ', email: 'carol@example.com', role: 'developer' })).toBe(
      undefined,
    );
    expect(userChanges(user, { displayName: 'Carol Z', email: '', role: 'operator' })).toEqual({
      displayName: 'Carol Z',
      email: null,
      role: 'operator',
    });
    const { email: _, ...noEmail } = user;
    expect(userChanges(noEmail, { displayName: 'Carol', email: '', role: 'developer' })).toBe(undefined);
  });
  it('shows each role only the buttons it may use', () => {
    const admin = { username: 'root', role: 'admin' as const };
    const operator = { username: 'ops', role: 'operator' as const };
    const auditor = { username: 'aud', role: 'auditor' as const };
    expect(userActions(admin, user)).toEqual({
      edit: true,
      disable: true,
      delete: true,
      resetPassword: true,
    });
    expect(userActions(admin, admin)).toMatchObject({ delete: true, resetPassword: false });
    expect(userActions(operator, user)).toEqual({
      edit: false,
      disable: false,
      delete: false,
      resetPassword: true,
    });
    expect(userActions(operator, { username: 'x', role: 'auditor' }).resetPassword).toBe(false);
    expect(Object.values(userActions(auditor, user))).toEqual([false, false, false, false]);
  });
  it('checks usernames as the API does', () => {
    expect(USERNAME_RE.test('ab')).toBe(true);
    expect(USERNAME_RE.test('a.b_c-9')).toBe(true);
    expect(USERNAME_RE.test('a')).toBe(false);
    expect(USERNAME_RE.test('9ab')).toBe(false);
    expect(USERNAME_RE.test('Ab')).toBe(false);
    expect(USERNAME_RE.test(`a${'b'.repeat(64)}`)).toBe(false);
  });
});

describe('tokens and passwords', () => {
  it("tells a token's state from its dates", () => {
    expect(tokenState({}, 10)).toBe('active');
    expect(tokenState({ expiresAt: 20 }, 10)).toBe('active');
    expect(tokenState({ expiresAt: 10 }, 10)).toBe('expired');
    expect(tokenState({ expiresAt: 20, revokedAt: 5 }, 10)).toBe('revoked');
  });
  it('names the broken password rule in the visitor language', () => {
    const zh = translator(passwordMessages, 'zh-CN');
    const weak = (rule?: string) =>
      new BerthApiError(400, 'WEAK_PASSWORD', 'weak', rule ? { rule } : undefined);
    expect(weakPasswordRule(weak('common'), zh)).toBe(passwordMessages['zh-CN'].ruleCommon);
    expect(weakPasswordRule(weak('unchanged'), translator(passwordMessages, 'en'))).toBe(
      passwordMessages.en.ruleUnchanged,
    );
    expect(weakPasswordRule(weak('something_new'), zh)).toBe(passwordMessages['zh-CN'].ruleOther);
    expect(weakPasswordRule(weak(), zh)).toBe(passwordMessages['zh-CN'].ruleOther);
    expect(weakPasswordRule(new BerthApiError(403, 'FORBIDDEN', 'no'), zh)).toBeUndefined();
  });
});

describe('platform status call', () => {
  const STATUS = {
    version: '0.1.0',
    node: 'v24.0.0',
    startedAt: 1,
    store: { dialect: 'sqlite' },
    runtime: { driver: 'process' },
    gateway: { workers: 2, running: 2 },
    jobs: { queued: 0, running: 1, failedLastDay: 3 },
    dataDir: { path: '/var/lib/berth', usedBytes: 10, freeBytes: 250, totalBytes: 1000, measuredAt: 2 },
  };
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      const answer = (status: number, body: string, type = 'application/json') => {
        res.writeHead(status, { 'content-type': type });
        res.end(body);
      };
      if (req.url === '/api/v1/platform/status') answer(200, JSON.stringify(STATUS));
      else if (req.url === '/anon/api/v1/platform/status')
        answer(401, JSON.stringify({ error: { code: 'UNAUTHENTICATED', message: 'Log in first' } }));
      else if (req.url === '/odd/api/v1/platform/status') answer(200, '{"hello":"world"}');
      else answer(404, '<html>not here</html>', 'text/html');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads the status', async () => {
    await expect(fetchPlatformStatus(undefined, base)).resolves.toEqual(STATUS);
  });
  it("fails with the catalogue's code, or a client code", async () => {
    const wrongPath = await fetchPlatformStatus(undefined, `${base}/nothing`).catch((e: unknown) => e);
    expect(wrongPath).toMatchObject({ code: 'HTTP_ERROR', status: 404 });
    const anonymous = await fetchPlatformStatus(undefined, `${base}/anon`).catch((e: unknown) => e);
    expect(anonymous).toBeInstanceOf(BerthApiError);
    expect(anonymous).toMatchObject({ code: 'UNAUTHENTICATED', status: 401, message: 'Log in first' });
    const odd = await fetchPlatformStatus(undefined, `${base}/odd`).catch((e: unknown) => e);
    expect(odd).toMatchObject({ code: 'BAD_RESPONSE', status: 200 });
    const down = await fetchPlatformStatus(undefined, 'http://127.0.0.1:1').catch((e: unknown) => e);
    expect(down).toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
  });
  it('computes the share of the disk in use', () => {
    expect(diskUsedPercent(STATUS.dataDir)).toBe(75);
    expect(diskUsedPercent({ ...STATUS.dataDir, totalBytes: 0 })).toBeUndefined();
    expect(diskUsedPercent({ ...STATUS.dataDir, freeBytes: 1000 })).toBe(0);
  });
});
