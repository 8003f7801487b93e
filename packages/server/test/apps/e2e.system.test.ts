// The apps module inside a real berthd: real users from the identity module, real sessions, the
// audit log and the user-check API that apps call with their code and secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDialects } from '../support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../support/harness.ts';

const PASSWORD = 'correct-horse-battery';

describe.each(systemDialects())('apps in berthd on %s', (dialect) => {
  let t: TestBerthd;
  let admin: string;
  let dev: string;
  let mate: string;
  let auditor: string;
  beforeAll(async () => {
    t = await startTestBerthd({ dialect });
    admin = await t.login('admin', ADMIN_PASSWORD);
    for (const [username, role] of [
      ['dev', 'developer'],
      ['mate', 'developer'],
      ['aud', 'auditor'],
    ] as const) {
      const res = await t.api('POST', '/api/v1/users', {
        cookie: admin,
        body: { username, password: PASSWORD, role, displayName: `${username} display` },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    dev = await t.login('dev', PASSWORD);
    mate = await t.login('mate', PASSWORD);
    auditor = await t.login('aud', PASSWORD);
  });
  afterAll(async () => t?.stop());

  it('a developer creates an app and shares it by username', async () => {
    const created = await t.api('POST', '/api/v1/apps', {
      cookie: dev,
      body: { code: 'shop', name: 'Shop' },
    });
    expect(created.status).toBe(201);
    expect(created.body.app.members).toEqual(['dev']);
    // On the apps origin (its own port), never the console's.
    expect(created.body.app.envs.map((e: { url: string }) => e.url)).toEqual([
      `${t.appsUrl}/t/shop/`,
      `${t.appsUrl}/o/shop/`,
    ]);
    expect(t.appsUrl).not.toBe(t.url);
    expect((await t.api('GET', '/api/v1/apps/shop', { cookie: mate })).status).toBe(404);

    const missing = await t.api('POST', '/api/v1/apps/shop/members', {
      cookie: dev,
      body: { username: 'ghost' },
    });
    expect(missing.status).toBe(204);
    expect(
      (await t.api('POST', '/api/v1/apps/shop/members', { cookie: dev, body: { username: 'mate' } })).status,
    ).toBe(204);
    const members = await t.api('GET', '/api/v1/apps/shop/members', { cookie: mate });
    expect(
      members.body.members.map((m: { username: string; displayName: string }) => [m.username, m.displayName]),
    ).toEqual([
      ['dev', 'dev display'],
      ['mate', 'mate display'],
    ]);
    expect(
      (await t.api('GET', '/api/v1/apps', { cookie: mate })).body.apps.map((a: { code: string }) => a.code),
    ).toEqual(['shop']);
  });

  it('apps authenticate to the user-check API with their code and secret', async () => {
    const secret = (await t.api('GET', '/api/v1/apps/shop/secret', { cookie: dev })).body.secret as string;
    /** A ticket for mate, as app-login hands it to the app (in the Location it redirects to). */
    const ticket = async () => {
      const next = encodeURIComponent(`${t.appsUrl}/o/shop/`);
      const res = await fetch(`${t.url}/api/v1/auth/app-login?app=shop&env=prod&next=${next}`, {
        headers: { cookie: `${t.cookieName}=${mate}` },
        redirect: 'manual',
      });
      expect(res.status).toBe(303);
      return new URL(res.headers.get('location')!).searchParams.get('berth_ticket')!;
    };
    const check = async (appSecret: string) =>
      t.api('POST', '/api/v1/auth/app-user', {
        headers: { 'x-berth-app-code': 'shop', 'x-berth-app-secret': appSecret },
        body: { ticket: await ticket(), env: 'prod' },
      });
    const ok = await check(secret);
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ username: 'mate', displayName: 'mate display' });
    expect((await check(`${secret}x`)).body.error.code).toBe('APP_AUTH_FAILED');

    const rotated = (await t.api('POST', '/api/v1/apps/shop/secret/rotate', { cookie: mate })).body
      .secret as string;
    expect((await check(secret)).status).toBe(401);
    expect((await check(rotated)).status).toBe(200);
  });

  it('auditors read apps and the audit trail, but no secret values', async () => {
    await t.api('PATCH', '/api/v1/apps/shop/envs/prod/config', {
      cookie: dev,
      body: { set: [{ name: 'STRIPE_KEY', value: 'sk_live_hush', secret: true }] },
    });
    expect((await t.api('GET', '/api/v1/apps/shop', { cookie: auditor })).status).toBe(200);
    expect((await t.api('GET', '/api/v1/apps/shop/secret', { cookie: auditor })).status).toBe(403);
    const reveal = await t.api('GET', '/api/v1/apps/shop/envs/prod/config/STRIPE_KEY?reveal=true', {
      cookie: auditor,
    });
    expect([reveal.status, reveal.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect(
      (await t.api('GET', '/api/v1/apps/shop/envs/prod/config/STRIPE_KEY?reveal=true', { cookie: dev })).body
        .var.value,
    ).toBe('sk_live_hush');

    const audit = await t.api('GET', '/api/v1/audit?targetType=app&targetId=shop&limit=100', {
      cookie: auditor,
    });
    expect(audit.status).toBe(200);
    const events = audit.body.events as Array<{ actorName: string; action: string; ip?: string }>;
    expect(events.map((e) => `${e.actorName} ${e.action}`).reverse()).toEqual([
      'dev app.create',
      'dev app.member.add_failed',
      'dev app.member.add',
      'dev app.secret.view',
      'mate session.app_login',
      'mate session.app_login',
      'mate app.secret.rotate',
      'mate session.app_login',
      'mate session.app_login',
      'dev config.update',
      'dev config.reveal',
    ]);
    expect(events.every((e) => e.ip === '127.0.0.1')).toBe(true);
    expect(JSON.stringify(audit.body)).not.toContain('sk_live_hush');
  });

  it('deleted users drop out of member lists', async () => {
    expect((await t.api('DELETE', '/api/v1/users/mate', { cookie: admin })).status).toBe(204);
    expect((await t.api('GET', '/api/v1/apps/shop', { cookie: dev })).body.app.members).toEqual(['dev']);
    expect((await t.api('DELETE', '/api/v1/apps/shop', { cookie: dev })).status).toBe(204);
    expect((await t.api('GET', '/api/v1/apps', { cookie: admin })).body).toEqual({ apps: [] });
  });
});
