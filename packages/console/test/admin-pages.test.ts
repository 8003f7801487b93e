// The rules behind the account and administration pages: the audit filters in the URL, what a user
// edit sends, which buttons a role sees, a token's state, the password policy's rule texts, and
// the share of the disk in use.
import { BerthApiError } from '@berth/sdk/client';
import { describe, expect, it } from 'vitest';
import { tokenState } from '../src/components/tokens/token-state.ts';
import { passwordMessages } from '../src/features/account/password-messages.ts';
import { weakPasswordRule } from '../src/features/account/password-problem.ts';
import {
  auditFailed,
  auditQuery,
  filtersFromSearch,
  filtersToSearch,
  hasFilters,
} from '../src/features/admin/audit-query.ts';
import { diskUsedPercent } from '../src/features/admin/platform-status.ts';
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

describe('platform status', () => {
  const dataDir = { path: '/var/lib/berth', usedBytes: 10, freeBytes: 250, totalBytes: 1000, measuredAt: 2 };
  it('computes the share of the disk in use', () => {
    expect(diskUsedPercent(dataDir)).toBe(75);
    expect(diskUsedPercent({ ...dataDir, freeBytes: 333 })).toBe(66.7);
    expect(diskUsedPercent({ ...dataDir, totalBytes: 0 })).toBeUndefined();
    expect(diskUsedPercent({ ...dataDir, freeBytes: 1000 })).toBe(0);
  });
});
