// The permission rule itself: roles per action by default, narrowed by a policy, and named approvers.
import { APP_ACTIONS, DEFAULT_ACTION_ROLES, ENV_ACTIONS, type ROLES } from '@berth/sdk';
import { describe, expect, it } from 'vitest';
import { allows, defaultPolicy, parsePolicy, rolesFor } from '../../src/apps/permissions.ts';

const user = (role: (typeof ROLES)[number], username = 'someone') => ({ role, username });

describe('permissions', () => {
  it('gives auditors reads only, and approval and policies to operators and admins', () => {
    for (const action of APP_ACTIONS) {
      expect(allows(user('auditor'), action), action).toBe(action === 'app.read' || action === 'notify.read');
      expect(allows(user('admin'), action), action).toBe(true);
    }
    expect(allows(user('developer'), 'approve')).toBe(false);
    expect(allows(user('developer'), 'policy.write')).toBe(false);
    expect(allows(user('developer'), 'limits.write')).toBe(false);
    expect(allows(user('operator'), 'limits.write')).toBe(false);
    expect(allows(user('developer'), 'deploy.request')).toBe(true);
  });

  it('narrows env actions by the policy, never widens them, and ignores narrowing of app actions', () => {
    const policy = { ...defaultPolicy('prod'), roles: { deploy: ['admin' as const, 'auditor' as const] } };
    expect(rolesFor('deploy', policy)).toEqual(['admin']);
    expect(allows(user('operator'), 'deploy', policy)).toBe(false);
    expect(allows(user('auditor'), 'deploy', policy)).toBe(false);
    expect(rolesFor('rollback', policy)).toEqual(DEFAULT_ACTION_ROLES.rollback);
    for (const action of APP_ACTIONS.filter((a) => !(ENV_ACTIONS as readonly string[]).includes(a))) {
      expect(rolesFor(action, policy)).toEqual(DEFAULT_ACTION_ROLES[action]);
    }
  });

  it('lets named approvers approve but never an auditor, and only approve', () => {
    const policy = { ...defaultPolicy('prod'), approvers: ['dana', 'audrey'] };
    expect(allows(user('developer', 'dana'), 'approve', policy)).toBe(true);
    expect(allows(user('developer', 'dana'), 'policy.write', policy)).toBe(false);
    expect(allows(user('developer', 'eve'), 'approve', policy)).toBe(false);
    expect(allows(user('auditor', 'audrey'), 'approve', policy)).toBe(false);
  });

  it('reads stored policies, and falls back to the defaults for unreadable ones', () => {
    expect(parsePolicy('prod', null)).toEqual({ approval: true, approvers: [], roles: {}, isDefault: true });
    expect(parsePolicy('stag', null).approval).toBe(false);
    expect(parsePolicy('prod', null, { stag: false, prod: false }).approval).toBe(false);
    expect(parsePolicy('prod', '{not json').isDefault).toBe(true);
    expect(
      parsePolicy(
        'prod',
        JSON.stringify({ approval: false, approvers: ['x', 3], roles: { run: ['admin'], bogus: ['admin'] } }),
      ),
    ).toEqual({
      approval: false,
      approvers: ['x'],
      roles: { run: ['admin'] },
      isDefault: false,
    });
  });
});
