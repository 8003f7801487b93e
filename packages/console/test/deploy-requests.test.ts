// Deploy requests in the console: which actions the app's page offers for which permissions
// (directly, as a request, an emergency rollback), which decisions a request's page offers to whom,
// and the request form's window → notBefore/notAfter.
import type { AppAction, AppPermissionsResponse, Role } from '@berth/sdk';
import { describe, expect, it } from 'vitest';
import { mayRollBackInEmergency, wayTo, wayToPromote } from '../src/features/apps/detail/env-actions.ts';
import { requestWindow } from '../src/features/apps/detail/request-window.ts';
import { isPending, requestActions } from '../src/features/requests/request-actions.ts';

const BUILDER_ACTIONS: AppAction[] = [
  'config.write',
  'deploy',
  'deploy.request',
  'rollback',
  'operate',
  'run',
];
const STAFF_ACTIONS: AppAction[] = [...BUILDER_ACTIONS, 'approve', 'rollback.emergency'];

function perms(
  role: Role,
  envs: {
    stag: { actions: AppAction[]; approval: boolean };
    prod: { actions: AppAction[]; approval: boolean };
  },
): AppPermissionsResponse {
  return { app: 'shop', role, actions: ['app.read'], envs };
}

const developer = perms('developer', {
  stag: { actions: BUILDER_ACTIONS, approval: false },
  prod: { actions: BUILDER_ACTIONS, approval: true },
});
const operator = perms('operator', {
  stag: { actions: STAFF_ACTIONS, approval: false },
  prod: { actions: STAFF_ACTIONS, approval: true },
});
const auditor = perms('auditor', {
  stag: { actions: [], approval: false },
  prod: { actions: [], approval: true },
});

describe("the app page's deploy, promote and rollback", () => {
  it('are direct where the environment needs no approval, requests where it does', () => {
    expect(wayTo(developer, 'stag', 'deploy')).toBe('direct');
    expect(wayTo(developer, 'stag', 'rollback')).toBe('direct');
    expect(wayTo(developer, 'prod', 'deploy')).toBe('request');
    expect(wayTo(developer, 'prod', 'rollback')).toBe('request');
    expect(wayToPromote(developer)).toBe('request');
    // Operators and admins too: approval concerns everyone.
    expect(wayTo(operator, 'prod', 'rollback')).toBe('request');
  });

  it('follow prod when its approval is switched off', () => {
    const open = perms('developer', {
      stag: { actions: BUILDER_ACTIONS, approval: false },
      prod: { actions: BUILDER_ACTIONS, approval: false },
    });
    expect(wayToPromote(open)).toBe('direct');
    expect(wayTo(open, 'prod', 'rollback')).toBe('direct');
  });

  it('are not offered without the action (an auditor, a policy that narrowed it), nor before the permissions load', () => {
    expect(wayTo(auditor, 'stag', 'deploy')).toBe('none');
    expect(wayTo(auditor, 'prod', 'deploy')).toBe('none');
    const noRequests = perms('developer', {
      stag: { actions: ['deploy'], approval: false },
      prod: { actions: ['deploy', 'rollback'], approval: true },
    });
    expect(wayTo(noRequests, 'stag', 'rollback')).toBe('none');
    expect(wayTo(noRequests, 'prod', 'deploy')).toBe('none');
    expect(wayTo(undefined, 'stag', 'deploy')).toBe('none');
    expect(wayToPromote(undefined)).toBe('none');
  });

  it('offer an emergency rollback to those allowed it (operators and admins by default) where approval is needed', () => {
    expect(mayRollBackInEmergency(operator, 'prod')).toBe(true);
    expect(mayRollBackInEmergency(perms('admin', operator.envs), 'prod')).toBe(true);
    expect(mayRollBackInEmergency(operator, 'stag')).toBe(false);
    expect(mayRollBackInEmergency(developer, 'prod')).toBe(false);
    // A policy that narrowed either action away takes the button away.
    for (const actions of [
      ['deploy.request', 'approve', 'rollback.emergency'],
      ['deploy.request', 'approve', 'rollback'],
    ] as AppAction[][]) {
      const narrowed = perms('operator', { stag: operator.envs.stag, prod: { actions, approval: true } });
      expect(mayRollBackInEmergency(narrowed, 'prod')).toBe(false);
    }
    expect(mayRollBackInEmergency(undefined, 'prod')).toBe(false);
  });
});

describe("a request's decisions", () => {
  const filed = { status: 'requested' as const, createdBy: 'dev' };

  it('offers approve and refuse to an approver who did not file it', () => {
    expect(requestActions(filed, 'ops', STAFF_ACTIONS)).toEqual({
      approve: true,
      refuse: true,
      withdraw: false,
    });
  });

  it('offers the requester only the withdrawal, even one who may approve', () => {
    expect(requestActions(filed, 'dev', BUILDER_ACTIONS)).toEqual({
      approve: false,
      refuse: false,
      withdraw: true,
    });
    expect(requestActions({ ...filed, createdBy: 'ops' }, 'ops', STAFF_ACTIONS)).toEqual({
      approve: false,
      refuse: false,
      withdraw: true,
    });
  });

  it('offers nothing to someone else who may not approve, or before the permissions are known', () => {
    const none = { approve: false, refuse: false, withdraw: false };
    expect(requestActions(filed, 'other', BUILDER_ACTIONS)).toEqual(none);
    expect(requestActions(filed, 'ops', undefined)).toEqual(none);
  });

  it('lets an approved request waiting for its window be withdrawn, but not decided again', () => {
    const approved = { status: 'approved' as const, createdBy: 'dev' };
    expect(requestActions(approved, 'dev', BUILDER_ACTIONS).withdraw).toBe(true);
    expect(requestActions(approved, 'ops', STAFF_ACTIONS)).toEqual({
      approve: false,
      refuse: false,
      withdraw: false,
    });
  });

  it('offers nothing once the request started or ended', () => {
    for (const status of [
      'queued',
      'running',
      'succeeded',
      'failed',
      'cancelled',
      'refused',
      'withdrawn',
    ] as const) {
      expect(isPending(status)).toBe(false);
      expect(requestActions({ status, createdBy: 'dev' }, 'dev', STAFF_ACTIONS)).toEqual({
        approve: false,
        refuse: false,
        withdraw: false,
      });
      expect(requestActions({ status, createdBy: 'dev' }, 'ops', STAFF_ACTIONS).approve).toBe(false);
    }
  });
});

describe("the request form's window", () => {
  const now = Date.UTC(2026, 11, 5, 12, 0);
  const at = (hours: number) => ({ valueOf: () => now + hours * 3_600_000 });

  it('is empty without a start and an end: the request starts once approved', () => {
    expect(requestWindow({}, now)).toEqual({ ok: true });
    expect(requestWindow({ start: null, end: null }, now)).toEqual({ ok: true });
  });

  it('turns "deploy at 02:00" into notBefore, and an end into notAfter', () => {
    expect(requestWindow({ start: at(14) }, now)).toEqual({ ok: true, notBefore: now + 14 * 3_600_000 });
    expect(requestWindow({ start: at(14), end: at(16) }, now)).toEqual({
      ok: true,
      notBefore: now + 14 * 3_600_000,
      notAfter: now + 16 * 3_600_000,
    });
    expect(requestWindow({ end: at(1) }, now)).toEqual({ ok: true, notAfter: now + 3_600_000 });
  });

  it('drops a start already past (it would start at once anyway)', () => {
    expect(requestWindow({ start: at(-1), end: at(2) }, now)).toEqual({
      ok: true,
      notAfter: now + 2 * 3_600_000,
    });
  });

  it('refuses an end already past, or not after the start', () => {
    expect(requestWindow({ end: at(-1) }, now)).toEqual({ ok: false, problem: 'endPast' });
    expect(requestWindow({ end: { valueOf: () => now } }, now)).toEqual({ ok: false, problem: 'endPast' });
    expect(requestWindow({ start: at(3), end: at(2) }, now)).toEqual({
      ok: false,
      problem: 'endBeforeStart',
    });
    expect(requestWindow({ start: at(3), end: at(3) }, now)).toEqual({
      ok: false,
      problem: 'endBeforeStart',
    });
  });
});
