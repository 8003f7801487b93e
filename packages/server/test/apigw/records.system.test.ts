// GET /api/v1/apigw/records against a real berthd: calls reported to its recorder (as the call
// handler will) are read back by operators and auditors in full, by a developer only for the apps
// they are a member of, by nobody without a login; a window past the retention is refused; the
// purge is registered once with the scheduler; closing berthd writes the last counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/apigw/call-records.ts';
import { RECORDS_PURGE_EVERY_MS, RECORDS_PURGE_SCHEDULE } from '../../src/apigw/records-purge.ts';
import { openStore } from '../../src/store/store.ts';
import { systemDialects } from '../support/databases.ts';
import { ADMIN_PASSWORD, createUsers, startTestBerthd, type TestBerthd } from '../support/harness.ts';

const PASSWORD = 'records-password-1';

describe.each(systemDialects())('API gateway call records route on %s', (dialect) => {
  let t: TestBerthd;
  let admin: string;
  let cookies: Record<string, string>;

  const call = (overrides: Partial<CallRecord>): CallRecord => ({
    system: 'BK_SOPS',
    component: 'get_task',
    app: 'shop',
    status: 200,
    durationMs: 20,
    requestId: 'req',
    at: Date.now(),
    ...overrides,
  });
  const records = (cookie: string | undefined, query = '') =>
    t.api('GET', `/api/v1/apigw/records${query}`, cookie === undefined ? {} : { cookie });

  beforeAll(async () => {
    t = await startTestBerthd({ dialect, env: { BERTH_APIGW_RECORDS_RETENTION: '2d' } });
    admin = await t.login('admin', ADMIN_PASSWORD);
    cookies = await createUsers(
      t,
      admin,
      [
        ['ops', 'operator'],
        ['dev', 'developer'],
        ['aud', 'auditor'],
      ],
      PASSWORD,
    );
    // The developer is a member of shop (they made it), not of blog.
    expect(
      (await t.api('POST', '/api/v1/apps', { cookie: cookies['dev'], body: { code: 'shop', name: 'Shop' } }))
        .status,
    ).toBe(201);
    expect(
      (await t.api('POST', '/api/v1/apps', { cookie: admin, body: { code: 'blog', name: 'Blog' } })).status,
    ).toBe(201);
    const recorder = t.berthd.apigwRecords.recorder;
    recorder.record(call({}));
    recorder.record(call({ status: 503, requestId: 'req-down', message: 'no instance' }));
    recorder.record(
      call({ app: 'blog', component: 'create_task', status: 403, code: 'APIGW_PERMISSION_DENIED' }),
    );
    recorder.record(
      call({ app: '', system: 'BK_CMDB', component: 'search', status: 401, code: 'APIGW_APP_AUTH_FAILED' }),
    );
    await recorder.flush();
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('shows operators, admins and auditors every row', async () => {
    for (const cookie of [cookies['ops'], admin, cookies['aud']]) {
      const res = await records(cookie);
      expect(res.status).toBe(200);
      expect(
        res.body.items.map((r: { system: string; component: string; app: string; calls: number }) => [
          r.system,
          r.component,
          r.app,
          r.calls,
        ]),
      ).toEqual([
        ['BK_CMDB', 'search', '', 1],
        ['BK_SOPS', 'create_task', 'blog', 1],
        ['BK_SOPS', 'get_task', 'shop', 2],
      ]);
    }
    const shop = (await records(cookies['ops'], '?app=shop&window=15m')).body;
    expect(shop.since).toBe(Math.floor((Date.now() - 15 * 60_000) / 60_000) * 60_000);
    expect(shop.items).toEqual([
      {
        system: 'BK_SOPS',
        component: 'get_task',
        app: 'shop',
        calls: 2,
        status: { '2xx': 1, '3xx': 0, '4xx': 0, '5xx': 1 },
        errors: 1,
        errorRate: 0.5,
        latencyMs: expect.objectContaining({ avg: 20, max: 20 }),
        lastErrors: [expect.objectContaining({ status: 503, message: 'no instance', requestId: 'req-down' })],
      },
    ]);
  });

  it('shows a developer the calls of their apps only', async () => {
    const mine = await records(cookies['dev']);
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((r: { app: string }) => r.app)).toEqual(['shop']);
    expect((await records(cookies['dev'], '?app=blog')).body.items).toEqual([]);
    expect((await records(cookies['dev'], '?system=BK_CMDB')).body.items).toEqual([]);
  });

  it('answers 401 without a login, and refuses a window past the retention or not a window', async () => {
    const anonymous = await records(undefined);
    expect(anonymous.status).toBe(401);
    const long = await records(cookies['ops'], '?window=3d');
    expect([long.status, long.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(long.body.error.message).toMatch(/BERTH_APIGW_RECORDS_RETENTION/);
    expect((await records(cookies['ops'], '?window=2d')).status).toBe(200);
    for (const bad of ['1w', '0h', '90s', 'soon']) {
      const res = await records(cookies['ops'], `?window=${bad}`);
      expect([res.status, res.body.error.code], bad).toEqual([400, 'VALIDATION_FAILED']);
    }
  });

  it('registers the purge once, hourly', async () => {
    const res = await t.api('GET', '/api/v1/schedules', { cookie: admin });
    expect(res.status).toBe(200);
    const purges = res.body.schedules.filter((s: { name: string }) => s.name === RECORDS_PURGE_SCHEDULE);
    expect(purges.map((s: { periodMs: number }) => s.periodMs)).toEqual([RECORDS_PURGE_EVERY_MS]);
  });

  it('writes the last counts when berthd closes', async () => {
    t.berthd.apigwRecords.recorder.record(call({ component: 'at_close', requestId: 'last' }));
    await t.berthd.close();
    const store = openStore(t.berthd.config.database);
    try {
      const rows = await store.db
        .selectFrom('apigw_call_records')
        .select(['component', 'calls'])
        .where('component', '=', 'at_close')
        .execute();
      expect(rows.map((r) => [r.component, Number(r.calls)])).toEqual([['at_close', 1]]);
    } finally {
      await store.close();
    }
  });
});
