// The grants and trusted-apps API against a real berthd, whose systems' owners come from their
// declarations (BK_SOPS is declared owned by the app sops): operators grant anything, a developer
// only for the systems of apps they build (403 otherwise, also for an owner-less system), auditors
// read; trusting apps is admins' and operators'; each change is in the audit log; a grant is in
// force at once for the gateway's check; a deleted app loses its grants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDialects } from '../support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../support/harness.ts';

const PASSWORD = 'grants-password-1';

describe.each(systemDialects())('API gateway grants API on %s', (dialect) => {
  let t: TestBerthd;
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestBerthd({ dialect });
    cookies['admin'] = await t.login('admin', ADMIN_PASSWORD);
    for (const [username, role] of [
      ['op', 'operator'],
      ['dev', 'developer'],
      ['dev2', 'developer'],
      ['aud', 'auditor'],
    ] as const) {
      const made = await t.api('POST', '/api/v1/users', {
        cookie: cookies['admin'],
        body: { username, password: PASSWORD, role },
      });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      cookies[username] = await t.login(username, PASSWORD);
    }
    // dev builds sops (the owner of BK_SOPS); dev2 builds blog.
    for (const [who, code] of [
      ['dev', 'sops'],
      ['dev2', 'blog'],
      ['admin', 'shop'],
    ] as const) {
      const made = await t.api('POST', '/api/v1/apps', { cookie: cookies[who], body: { code, name: code } });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
    }
    const declared = await t.api('PUT', '/api/v1/apigw/systems/BK_SOPS', {
      cookie: cookies['admin'],
      body: { text: 'system:\n  name: BK_SOPS\n  label: Standard operations\n  owner: sops\n' },
    });
    expect(declared.status, JSON.stringify(declared.body)).toBe(200);
  }, 120_000);
  afterAll(async () => t?.stop());

  const call = (who: string | undefined, method: string, path: string, body?: unknown) =>
    t.api(method, path, {
      ...(who ? { cookie: cookies[who]! } : {}),
      ...(body !== undefined ? { body } : {}),
    });

  it("lets operators grant anything and a developer only for their app's systems", async () => {
    const byOp = await call('op', 'POST', '/api/v1/apigw/grants', { app: 'shop', system: 'BK_CMDB' });
    expect(byOp.status).toBe(201);
    expect(byOp.body.grant).toMatchObject({
      app: 'shop',
      system: 'BK_CMDB',
      component: null,
      expiresAt: null,
      expired: false,
      grantedBy: 'op',
    });
    const byOwner = await call('dev', 'POST', '/api/v1/apigw/grants', {
      app: 'blog',
      system: 'BK_SOPS',
      component: 'get_task_status',
      expiresAt: Date.now() + 86_400_000,
    });
    expect(byOwner.status, JSON.stringify(byOwner.body)).toBe(201);
    // Granting it again renews it: 200, the same grant.
    const renewed = await call('dev', 'POST', '/api/v1/apigw/grants', {
      app: 'blog',
      system: 'BK_SOPS',
      component: 'get_task_status',
    });
    expect(renewed.status).toBe(200);
    expect(renewed.body.grant).toMatchObject({ id: byOwner.body.grant.id, expiresAt: null });

    for (const [who, system] of [
      ['dev', 'BK_CMDB'],
      ['dev2', 'BK_SOPS'],
      ['aud', 'BK_SOPS'],
    ] as const) {
      const refused = await call(who, 'POST', '/api/v1/apigw/grants', { app: 'blog', system });
      expect(refused.status, `${who} ${system}`).toBe(403);
      expect(refused.body.error.code).toBe('FORBIDDEN');
    }
    expect((await call(undefined, 'POST', '/api/v1/apigw/grants', { app: 'blog', system: 'X' })).status).toBe(
      401,
    );
    const noApp = await call('op', 'POST', '/api/v1/apigw/grants', { app: 'nosuch', system: 'BK_CMDB' });
    expect(noApp.body.error.code).toBe('APP_NOT_FOUND');
    const badName = await call('op', 'POST', '/api/v1/apigw/grants', { app: 'shop', system: 'compapi-x' });
    expect(badName.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('is in force for the gateway at once', async () => {
    const { grants } = t.berthd.apigwSecurity;
    expect(await grants.check('blog', 'BK_SOPS', 'get_task_status', Date.now())).toBe('ok');
    expect(await grants.check('blog', 'BK_SOPS', 'other', Date.now())).toEqual({ denied: true });
    expect(await grants.check('shop', 'BK_CMDB', 'anything', Date.now())).toBe('ok');
  });

  it('lists grants: everything for staff and auditors, their apps’ for developers', async () => {
    const all = await call('aud', 'GET', '/api/v1/apigw/grants');
    expect(all.status).toBe(200);
    expect(all.body.items.map((g: { app: string; system: string }) => `${g.app} ${g.system}`)).toEqual([
      'blog BK_SOPS',
      'shop BK_CMDB',
    ]);
    // dev owns BK_SOPS; dev2's app blog is the caller there: both see that one, neither shop's.
    for (const who of ['dev', 'dev2']) {
      const seen = await call(who, 'GET', '/api/v1/apigw/grants');
      expect(
        seen.body.items.map((g: { system: string }) => g.system),
        who,
      ).toEqual(['BK_SOPS']);
    }
    const filtered = await call('op', 'GET', '/api/v1/apigw/grants?app=shop&system=BK_CMDB');
    expect(filtered.body.items).toHaveLength(1);
  });

  it('revokes as it grants: the owner app’s builders and staff', async () => {
    const [grant] = (await call('op', 'GET', '/api/v1/apigw/grants?system=BK_SOPS')).body.items;
    const refused = await call('dev2', 'DELETE', `/api/v1/apigw/grants/${grant.id}`);
    expect(refused.status).toBe(403);
    expect((await call('dev', 'DELETE', `/api/v1/apigw/grants/${grant.id}`)).status).toBe(204);
    const again = await call('op', 'DELETE', `/api/v1/apigw/grants/${grant.id}`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('APIGW_GRANT_NOT_FOUND');
    expect(
      await t.berthd.apigwSecurity.grants.check('blog', 'BK_SOPS', 'get_task_status', Date.now()),
    ).toEqual({
      denied: true,
    });
  });

  it('lets admins and operators trust apps; auditors read; developers neither', async () => {
    const refused = await call('dev', 'PUT', '/api/v1/apigw/trusted-apps/sops');
    expect(refused.status).toBe(403);
    expect((await call('dev', 'GET', '/api/v1/apigw/trusted-apps')).status).toBe(403);
    const trusted = await call('op', 'PUT', '/api/v1/apigw/trusted-apps/sops');
    expect(trusted.status).toBe(200);
    expect(trusted.body.trustedApp).toMatchObject({ app: 'sops', trustedBy: 'op' });
    expect((await call('aud', 'GET', '/api/v1/apigw/trusted-apps')).body.items).toEqual([
      trusted.body.trustedApp,
    ]);
    expect((await call('op', 'PUT', '/api/v1/apigw/trusted-apps/nosuch')).body.error.code).toBe(
      'APP_NOT_FOUND',
    );
    expect((await call('aud', 'DELETE', '/api/v1/apigw/trusted-apps/sops')).status).toBe(403);
    expect((await call('admin', 'DELETE', '/api/v1/apigw/trusted-apps/sops')).status).toBe(204);
    expect((await call('admin', 'GET', '/api/v1/apigw/trusted-apps')).body.items).toEqual([]);
  });

  it('audits every change with who made it', async () => {
    const res = await call('admin', 'GET', '/api/v1/audit?action=apigw&limit=50');
    expect(res.status).toBe(200);
    const events = (res.body.events as Array<{ actorName: string; action: string; targetId: string }>)
      .map((e) => `${e.actorName} ${e.action} ${e.targetId}`)
      .filter((line) => !line.includes('apigw.system.'))
      .reverse();
    expect(events).toEqual([
      'op apigw.grant shop',
      'dev apigw.grant blog',
      'dev apigw.grant blog',
      'dev apigw.grant.revoke blog',
      'op apigw.trust sops',
      'admin apigw.untrust sops',
    ]);
  });

  it("forgets a deleted app's grants", async () => {
    expect(
      (await call('op', 'POST', '/api/v1/apigw/grants', { app: 'blog', system: 'BK_CMDB' })).status,
    ).toBe(201);
    expect((await call('dev2', 'DELETE', '/api/v1/apps/blog')).status).toBeLessThan(300);
    const left = await call('op', 'GET', '/api/v1/apigw/grants?app=blog');
    expect(left.body.items).toEqual([]);
  });
});
