// An environment's policy as the settings tab edits it: the approval switch, the named approvers,
// and per action the roles that may do it — always a subset of the action's default roles (a policy
// only narrows). The draft lists every action; the body sent back names only the narrowed ones.
import type { EnvAction, EnvPolicy, EnvPolicyBody, Role } from '@berth/sdk';
import { DEFAULT_ACTION_ROLES, ENV_ACTIONS } from '@berth/sdk/permission-rules';

export interface PolicyDraft {
  approval: boolean;
  approvers: string[];
  roles: Record<EnvAction, Role[]>;
}

/** The roles an action may be narrowed to (its defaults), in the platform's order. */
export function roleChoices(action: EnvAction): readonly Role[] {
  return DEFAULT_ACTION_ROLES[action];
}

export function draftOf(policy: Pick<EnvPolicy, 'approval' | 'approvers' | 'roles'>): PolicyDraft {
  const roles = {} as Record<EnvAction, Role[]>;
  for (const action of ENV_ACTIONS) {
    const narrowed = policy.roles[action];
    roles[action] = roleChoices(action).filter((r) => narrowed === undefined || narrowed.includes(r));
  }
  return { approval: policy.approval, approvers: [...policy.approvers], roles };
}

export function toggleRole(draft: PolicyDraft, action: EnvAction, role: Role, on: boolean): PolicyDraft {
  if (!roleChoices(action).includes(role)) return draft;
  const chosen = new Set(draft.roles[action]);
  if (on) chosen.add(role);
  else chosen.delete(role);
  const next = roleChoices(action).filter((r) => chosen.has(r));
  return { ...draft, roles: { ...draft.roles, [action]: next } };
}

/** Usernames as typed: trimmed, without blanks or repeats, in the order given. */
export function cleanApprovers(names: readonly string[]): string[] {
  return [...new Set(names.map((n) => n.trim()).filter(Boolean))];
}

export function bodyOf(draft: PolicyDraft): EnvPolicyBody {
  const roles: NonNullable<EnvPolicyBody['roles']> = {};
  for (const action of ENV_ACTIONS) {
    const chosen = draft.roles[action];
    if (chosen.length !== roleChoices(action).length) roles[action] = [...chosen];
  }
  return { approval: draft.approval, approvers: cleanApprovers(draft.approvers), roles };
}
