// The API gateway pages' rules: which tabs a role gets, the systems search, rate limits and
// destinations as text, the call URL (from the OpenAPI document's server), a grant's last day,
// call records' figures.
import type { ApigwRecord, ApigwSystemSummary } from '@berth/sdk';
import { describe, expect, it } from 'vitest';
import {
  callServer,
  callUrl,
  destText,
  filterSystems,
  GRANT_WRITERS,
  grantExpiry,
  isRecordWindow,
  lastErrors,
  openApiPath,
  percentText,
  rateLimitText,
  statusText,
  systemPath,
  TRUST_WRITERS,
  tabShown,
  tabsFor,
} from '../src/features/apigw/apigw-view.ts';

const system = (name: string, label: string, owner?: string): ApigwSystemSummary => ({
  name,
  label,
  ...(owner ? { owner } : {}),
  components: 1,
  updatedAt: 0,
  updatedBy: 'admin',
});

describe('the API gateway tabs', () => {
  it('offers the trusted apps to admins, operators and auditors only', () => {
    expect(tabsFor('admin')).toEqual(['systems', 'grants', 'requests', 'records', 'trusted']);
    expect(tabsFor('auditor')).toEqual(['systems', 'grants', 'requests', 'records', 'trusted']);
    expect(tabsFor('developer')).toEqual(['systems', 'grants', 'requests', 'records']);
  });

  it('opens the tab the address asks for when the role has it, else the systems', () => {
    expect(tabShown('records', 'developer')).toBe('records');
    expect(tabShown('requests', 'auditor')).toBe('requests');
    expect(tabShown('trusted', 'developer')).toBe('systems');
    expect(tabShown('trusted', 'operator')).toBe('trusted');
    expect(tabShown('nonsense', 'admin')).toBe('systems');
    expect(tabShown(null, 'admin')).toBe('systems');
  });

  it('offers granting to those the API may let, and trusting to admins and operators', () => {
    expect(GRANT_WRITERS).toEqual(['admin', 'operator', 'developer']);
    expect(TRUST_WRITERS).toEqual(['admin', 'operator']);
  });
});

describe('the systems search', () => {
  const systems = [system('BK_SOPS', 'Standard operations', 'bk-sops'), system('CMDB', 'Config base')];

  it('matches the name, label or owner app in any case', () => {
    expect(filterSystems(systems, 'sops').map((s) => s.name)).toEqual(['BK_SOPS']);
    expect(filterSystems(systems, ' CONFIG ').map((s) => s.name)).toEqual(['CMDB']);
    expect(filterSystems(systems, 'bk-sops').map((s) => s.name)).toEqual(['BK_SOPS']);
    expect(filterSystems(systems, 'nothing')).toEqual([]);
    expect(filterSystems(systems, '  ')).toHaveLength(2);
  });
});

describe('components as text', () => {
  it('writes a rate limit as the YAML does, none as a dash', () => {
    expect(rateLimitText({ calls: 100, per: 'min' })).toBe('100/min');
    expect(rateLimitText({ calls: 5, per: 's' })).toBe('5/s');
    expect(rateLimitText(undefined)).toBe('—');
  });

  it('writes the destination with its environment and forwarding method, or the built-in label', () => {
    expect(destText({ dest: { app: 'bk-sops', env: 'prod', path: '/apigw/x/{id}/' } }, 'B')).toBe(
      'bk-sops (prod) /apigw/x/{id}/',
    );
    expect(destText({ dest: { app: 'a1', env: 'stag', path: '/p/' }, destHttpMethod: 'PUT' }, 'B')).toBe(
      'a1 (stag) PUT /p/',
    );
    expect(destText({}, 'Berth itself')).toBe('Berth itself');
  });

  it('escapes names in paths', () => {
    expect(systemPath('BK_SOPS')).toBe('/apigw/systems/BK_SOPS');
    expect(openApiPath('A/B')).toBe('/api/v1/apigw/systems/A%2FB/openapi.json');
  });
});

describe('the call URL', () => {
  it("is the OpenAPI document's server and the component's path", () => {
    const doc = { servers: [{ url: 'https://api.example.com/api/c/BK_SOPS' }] };
    const server = callServer(doc, 'https://console.example.com', 'BK_SOPS');
    expect(server).toBe('https://api.example.com/api/c/BK_SOPS');
    expect(callUrl(server, '/v2/sops/get/{bk_biz_id}/')).toBe(
      'https://api.example.com/api/c/BK_SOPS/v2/sops/get/{bk_biz_id}/',
    );
  });

  it("falls back to the console's origin without a usable document", () => {
    for (const doc of [null, {}, { servers: [] }, { servers: [{ url: 'javascript:alert(1)' }] }]) {
      expect(callServer(doc, 'https://console.example.com/', 'CMDB')).toBe(
        'https://console.example.com/api/c/CMDB',
      );
    }
  });
});

describe("a grant's last day", () => {
  it('holds through that day (UTC): the grant expires as the next begins', () => {
    expect(grantExpiry('2027-06-30')).toBe(Date.UTC(2027, 6, 1));
    expect(grantExpiry('2028-12-31')).toBe(Date.UTC(2029, 0, 1));
  });

  it('is none when empty and NaN when not a real date', () => {
    expect(grantExpiry(undefined)).toBeUndefined();
    expect(grantExpiry('  ')).toBeUndefined();
    expect(grantExpiry('2027-02-30')).toBeNaN();
    expect(grantExpiry('30/06/2027')).toBeNaN();
  });
});

describe('call records', () => {
  const record = (over: Partial<ApigwRecord>): ApigwRecord => ({
    system: 'S',
    component: 'c',
    app: 'shop',
    calls: 10,
    status: { '2xx': 7, '3xx': 0, '4xx': 2, '5xx': 1 },
    errors: 1,
    errorRate: 0.1,
    latencyMs: { p50: 1, p90: 2, p99: 3, avg: 1, max: 4 },
    lastErrors: [],
    ...over,
  });

  it('shows the status classes and the error share', () => {
    expect(statusText(record({}))).toBe('7/2/1');
    expect(percentText(0.0033)).toBe('0.3 %');
    expect(percentText(0)).toBe('0 %');
    expect(percentText(0.0001)).toBe('<0.1 %');
    expect(percentText(1)).toBe('100 %');
  });

  it("lists every row's last errors newest first, with the row they belong to", () => {
    const errors = lastErrors([
      record({ component: 'a', lastErrors: [{ at: 10, status: 503, requestId: 'r1' }] }),
      record({
        component: 'b',
        app: '',
        lastErrors: [
          { at: 30, status: 401, code: 'APIGW_APP_AUTH_FAILED', requestId: 'r3' },
          { at: 20, status: 500, requestId: 'r2' },
        ],
      }),
    ]);
    expect(errors.map((e) => [e.requestId, e.component, e.app])).toEqual([
      ['r3', 'b', ''],
      ['r2', 'b', ''],
      ['r1', 'a', 'shop'],
    ]);
  });

  it('takes the windows it offers', () => {
    expect(isRecordWindow('24h')).toBe(true);
    expect(isRecordWindow('15m')).toBe(false);
    expect(isRecordWindow(null)).toBe(false);
  });
});
