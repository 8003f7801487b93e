// The settings tab's policy editor: a stored policy as the checkbox matrix shows it, toggling a
// role (only among the action's defaults), and the body sent back (only the narrowed actions).
import type { EnvPolicy } from '@berth/sdk';
import { describe, expect, it } from 'vitest';
import {
  bodyOf,
  cleanApprovers,
  draftOf,
  roleChoices,
  toggleRole,
} from '../src/features/apps/policy/policy-form.ts';

const defaults: EnvPolicy = { env: 'prod', approval: true, approvers: [], roles: {}, default: true };

describe('the policy editor', () => {
  it('shows every action with its default roles when nothing is narrowed, and sends no roles back', () => {
    const draft = draftOf(defaults);
    expect(draft.roles.deploy).toEqual(['admin', 'operator', 'developer']);
    expect(draft.roles.approve).toEqual(['admin', 'operator']);
    expect(bodyOf(draft)).toEqual({ approval: true, approvers: [], roles: {} });
  });

  it('shows a narrowed action with its roles, in the platform order, and sends it back as it is', () => {
    const draft = draftOf({ ...defaults, roles: { deploy: ['operator', 'admin'] } });
    expect(draft.roles.deploy).toEqual(['admin', 'operator']);
    expect(draft.roles.rollback).toEqual(['admin', 'operator', 'developer']);
    expect(bodyOf(draft).roles).toEqual({ deploy: ['admin', 'operator'] });
  });

  it('narrows and widens an action by toggling roles, back to the defaults', () => {
    let draft = toggleRole(draftOf(defaults), 'rollback', 'developer', false);
    expect(bodyOf(draft).roles).toEqual({ rollback: ['admin', 'operator'] });
    draft = toggleRole(draft, 'rollback', 'admin', false);
    expect(bodyOf(draft).roles).toEqual({ rollback: ['operator'] });
    draft = toggleRole(toggleRole(draft, 'rollback', 'developer', true), 'rollback', 'admin', true);
    expect(bodyOf(draft).roles).toEqual({});
  });

  it('never adds a role the action does not allow by default (a policy only narrows)', () => {
    expect(roleChoices('approve')).not.toContain('developer');
    const draft = draftOf(defaults);
    expect(toggleRole(draft, 'approve', 'developer', true)).toBe(draft);
    expect(toggleRole(draft, 'deploy', 'auditor', true)).toBe(draft);
  });

  it('ignores a stored role outside the defaults', () => {
    const draft = draftOf({ ...defaults, roles: { approve: ['developer', 'operator'] } });
    expect(draft.roles.approve).toEqual(['operator']);
  });

  it('sends the approval switch and the approvers trimmed, without blanks or repeats', () => {
    expect(cleanApprovers([' alice ', 'bob', '', 'alice'])).toEqual(['alice', 'bob']);
    const draft = { ...draftOf(defaults), approval: false, approvers: ['bob ', 'bob', ' '] };
    expect(bodyOf(draft)).toEqual({ approval: false, approvers: ['bob'], roles: {} });
  });
});
