// The permission requests tab's rules: the status filter from the address, the console's copies of
// the SDK's statuses and reason limit, a request's target as text, the components worth asking for,
// and which decisions each role is offered on a request.
import {
  APIGW_REQUEST_REASON_MAX,
  APIGW_REQUEST_STATUSES,
  type ApigwPermissionRequest,
  type ApigwRequestStatus,
} from '@berth/sdk';
import { describe, expect, it } from 'vitest';
import {
  grantsOfAppPath,
  REQUEST_FILERS,
  REQUEST_REASON_MAX,
  REQUEST_STATUS_LIST,
  type RequestViewer,
  requestableComponents,
  requestDecisions,
  requestStatusFilter,
  requestStatusTone,
  requestTarget,
} from '../src/features/apigw/request-view.ts';

const request = (
  over: Partial<Pick<ApigwPermissionRequest, 'status' | 'app' | 'requestedBy'>> = {},
): Pick<ApigwPermissionRequest, 'status' | 'app' | 'requestedBy'> => ({
  status: 'requested',
  app: 'shop',
  requestedBy: 'ann',
  ...over,
});
const dev = (username: string, apps: string[] | undefined): RequestViewer => ({
  role: 'developer',
  username,
  apps: apps ? new Set(apps) : undefined,
});
const ALL = { approve: true, refuse: true, withdraw: true };
const NONE = { approve: false, refuse: false, withdraw: false };

describe('the permission requests tab', () => {
  it("keeps the SDK's statuses and reason limit", () => {
    expect(REQUEST_STATUS_LIST).toEqual(APIGW_REQUEST_STATUSES);
    expect(REQUEST_REASON_MAX).toBe(APIGW_REQUEST_REASON_MAX);
  });

  it('filters open requests unless the address names a status or all', () => {
    expect(requestStatusFilter(null)).toBe('requested');
    expect(requestStatusFilter('refused')).toBe('refused');
    expect(requestStatusFilter('all')).toBe('all');
    expect(requestStatusFilter('nonsense')).toBe('requested');
    expect(requestStatusFilter('Approved')).toBe('requested');
  });

  it('gives every status its own tag colour', () => {
    const tones = APIGW_REQUEST_STATUSES.map((s: ApigwRequestStatus) => requestStatusTone(s));
    expect(tones).toEqual(['amber', 'green', 'red', 'gray']);
  });

  it('names the target and links the grants of the calling app', () => {
    expect(requestTarget({ system: 'SHOP_API', component: 'get_order' })).toBe('SHOP_API/get_order');
    expect(requestTarget({ system: 'SHOP_API', component: null })).toBe('SHOP_API');
    expect(grantsOfAppPath('my-app')).toBe('/apigw?tab=grants&app=my-app');
    expect(grantsOfAppPath('a&b')).toBe('/apigw?tab=grants&app=a%26b');
  });

  it('offers only the components that need a grant', () => {
    const components = [
      { name: 'a', permLevel: 'unlimited' as const },
      { name: 'b', permLevel: 'normal' as const },
      { name: 'c', permLevel: 'sensitive' as const },
    ];
    expect(requestableComponents(components).map((c) => c.name)).toEqual(['b', 'c']);
  });

  it('lets everyone but auditors ask', () => {
    expect(REQUEST_FILERS).toEqual(['admin', 'operator', 'developer']);
  });
});

describe('the decisions offered on a request', () => {
  it('offers admins and operators every decision on an open request, nothing once decided', () => {
    for (const role of ['admin', 'operator'] as const) {
      const viewer = { role, username: 'boss', apps: undefined };
      expect(requestDecisions(request(), undefined, viewer)).toEqual(ALL);
      for (const status of ['approved', 'refused', 'withdrawn'] as const) {
        expect(requestDecisions(request({ status }), 'owner-app', viewer)).toEqual(NONE);
      }
    }
  });

  it('offers auditors nothing', () => {
    expect(
      requestDecisions(request(), 'owner-app', { role: 'auditor', username: 'aud', apps: new Set() }),
    ).toEqual(NONE);
  });

  it("offers a developer approve and refuse for a system their app owns, withdraw for their app's", () => {
    // A member of the owner app, not of the calling app.
    expect(requestDecisions(request(), 'owner-app', dev('olga', ['owner-app']))).toEqual({
      approve: true,
      refuse: true,
      withdraw: false,
    });
    // A member of the calling app (not its requester).
    expect(requestDecisions(request(), 'owner-app', dev('carl', ['shop']))).toEqual({
      approve: false,
      refuse: false,
      withdraw: true,
    });
    // The requester, who builds the app no more.
    expect(requestDecisions(request(), 'owner-app', dev('ann', []))).toEqual({
      approve: false,
      refuse: false,
      withdraw: true,
    });
    // A system without an owner app is decided by staff alone.
    expect(requestDecisions(request(), undefined, dev('olga', ['owner-app', 'shop']))).toEqual({
      approve: false,
      refuse: false,
      withdraw: true,
    });
    expect(
      requestDecisions(request({ status: 'approved' }), 'owner-app', dev('olga', ['owner-app'])),
    ).toEqual(NONE);
  });

  it('offers a developer every decision when their apps are unknown (the API answers)', () => {
    expect(requestDecisions(request(), 'owner-app', dev('zed', undefined))).toEqual(ALL);
  });
});
