import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDialects } from '../support/databases.ts';
import { type AppsApi, startAppsApi } from './api-fixture.ts';

describe.each(systemDialects())('apps API on %s', (dialect) => {
  let t: AppsApi;
  let admin: string;
  let dev: string;
  let other: string;
  let auditor: string;
  beforeAll(async () => {
    t = await startAppsApi(dialect);
    admin = t.user('admin', 'admin');
    dev = t.user('dev', 'developer');
    other = t.user('other', 'developer');
    auditor = t.user('aud', 'auditor');
  });
  afterAll(async () => t?.close());

  it('needs a caller', async () => {
    const res = await t.api('GET', '/api/v1/apps');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
    expect((await t.api('GET', '/api/v1/apps', { token: 'wrong' })).body.error.code).toBe('TOKEN_INVALID');
  });

  it('creates, reads, lists, updates and deletes an app', async () => {
    const created = await t.api('POST', '/api/v1/apps', {
      token: dev,
      body: { code: 'web', name: 'Web', description: 'The site', logoUrl: 'https://example.com/l.svg' },
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['app', 'secret']);
    expect(created.body.app).toEqual({
      code: 'web',
      name: 'Web',
      description: 'The site',
      logoUrl: 'https://example.com/l.svg',
      createdBy: 'dev',
      createdAt: expect.any(Number),
      updatedAt: expect.any(Number),
      members: ['dev'],
      envs: [
        { name: 'stag', url: 'http://127.0.0.1:8081/t/web/', varCount: 0 },
        { name: 'prod', url: 'http://127.0.0.1:8081/o/web/', varCount: 0 },
      ],
      placement: [],
    });
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const got = await t.api('GET', '/api/v1/apps/web', { token: dev });
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ app: created.body.app });
    expect(JSON.stringify(got.body)).not.toMatch(/sealed|v1:/);

    expect(
      (await t.api('GET', '/api/v1/apps', { token: dev })).body.apps.map((a: { code: string }) => a.code),
    ).toEqual(['web']);
    expect((await t.api('GET', '/api/v1/apps', { token: other })).body).toEqual({ apps: [] });

    const patched = await t.api('PATCH', '/api/v1/apps/web', {
      token: dev,
      body: { name: 'Website', logoUrl: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.app.name).toBe('Website');
    expect(patched.body.app).not.toHaveProperty('logoUrl');

    expect((await t.api('GET', '/api/v1/apps/web/secret', { token: dev })).body).toEqual({ secret });
    const rotated = await t.api('POST', '/api/v1/apps/web/secret/rotate', { token: dev });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(secret);
    expect(await t.f.apps.verifySecret('web', rotated.body.secret)).toBe(true);

    const deleted = await t.api('DELETE', '/api/v1/apps/web', { token: dev });
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBe('');
    const gone = await t.api('GET', '/api/v1/apps/web', { token: dev });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('APP_NOT_FOUND');
  });

  it('maps service refusals to their codes and statuses', async () => {
    await t.api('POST', '/api/v1/apps', { token: dev, body: { code: 'mine', name: 'Mine' } });
    const cases: Array<[string, string, string, unknown, number, string]> = [
      ['POST', '/api/v1/apps', dev, { code: 'mine', name: 'Again' }, 409, 'APP_CODE_TAKEN'],
      ['POST', '/api/v1/apps', dev, { code: 'api', name: 'Api' }, 400, 'APP_CODE_RESERVED'],
      ['POST', '/api/v1/apps', auditor, { code: 'audits', name: 'A' }, 403, 'FORBIDDEN'],
      ['GET', '/api/v1/apps/mine', other, undefined, 404, 'APP_NOT_FOUND'],
      ['PATCH', '/api/v1/apps/mine', other, { name: 'Taken over' }, 404, 'APP_NOT_FOUND'],
      ['DELETE', '/api/v1/apps/mine', other, undefined, 404, 'APP_NOT_FOUND'],
      ['GET', '/api/v1/apps/mine/secret', other, undefined, 404, 'APP_NOT_FOUND'],
      ['GET', '/api/v1/apps/mine/secret', auditor, undefined, 403, 'FORBIDDEN'],
      ['PATCH', '/api/v1/apps/mine', auditor, { name: 'Audited' }, 403, 'FORBIDDEN'],
      ['DELETE', '/api/v1/apps/mine', auditor, undefined, 403, 'FORBIDDEN'],
      ['DELETE', '/api/v1/apps/mine/members/other', dev, undefined, 404, 'MEMBER_NOT_FOUND'],
      ['GET', '/api/v1/apps/mine/envs/qa/config', dev, undefined, 404, 'ENV_NOT_FOUND'],
      ['GET', '/api/v1/apps/mine/envs/stag/config/NOPE', dev, undefined, 404, 'CONFIG_VAR_NOT_FOUND'],
      ['PATCH', '/api/v1/apps/mine/envs/stag/config', dev, { unset: ['NOPE'] }, 404, 'CONFIG_VAR_NOT_FOUND'],
      [
        'PATCH',
        '/api/v1/apps/mine/envs/stag/config',
        dev,
        { set: [{ name: 'BERTH_X', value: '1' }] },
        400,
        'CONFIG_KEY_RESERVED',
      ],
    ];
    for (const [method, path, token, body, status, code] of cases) {
      const res = await t.api(method, path, { token, body });
      expect([res.status, res.body?.error?.code], `${method} ${path}`).toEqual([status, code]);
    }
    expect((await t.api('GET', '/api/v1/apps/mine', { token: dev })).body.app.name).toBe('Mine');
  });

  it('refuses malformed requests before anything is written', async () => {
    const cases: Array<[string, string, { body?: unknown; rawBody?: string }, string]> = [
      ['POST', '/api/v1/apps', { body: { code: 'ok1', name: 'x', admin: true } }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/apps', { body: { code: 'Bad', name: 'x' } }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/apps', { body: { code: "ok1'--", name: 'x' } }, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/apps', { body: { code: 'ok1', name: 'x'.repeat(65) } }, 'VALIDATION_FAILED'],
      [
        'POST',
        '/api/v1/apps',
        { body: { code: 'ok1', name: 'x', logoUrl: 'data:image/png;base64,AA' } },
        'VALIDATION_FAILED',
      ],
      ['POST', '/api/v1/apps', { rawBody: '{"code":"ok1",' }, 'BAD_JSON'],
      [
        'POST',
        '/api/v1/apps',
        { rawBody: '{"code":"ok1","name":"x","__proto__":{"admin":true}}' },
        'BAD_JSON',
      ],
      ['PATCH', '/api/v1/apps/mine', { body: {} }, 'VALIDATION_FAILED'],
      ['PATCH', '/api/v1/apps/mine', { body: { code: 'renamed' } }, 'VALIDATION_FAILED'],
      ['GET', '/api/v1/apps/NOT_A_CODE', {}, 'VALIDATION_FAILED'],
      [
        'POST',
        '/api/v1/apps/mine/members',
        { body: { username: 'other', role: 'admin' } },
        'VALIDATION_FAILED',
      ],
      [
        'PATCH',
        '/api/v1/apps/mine/envs/stag/config',
        { body: { set: [{ name: 'A B', value: '1' }] } },
        'VALIDATION_FAILED',
      ],
      [
        'PATCH',
        '/api/v1/apps/mine/envs/stag/config',
        { body: { set: [{ name: 'A', value: 5 }] } },
        'VALIDATION_FAILED',
      ],
      [
        'PATCH',
        '/api/v1/apps/mine/envs/stag/config',
        { body: { set: [{ name: 'A', value: '1' }], drop: ['B'] } },
        'VALIDATION_FAILED',
      ],
      ['GET', '/api/v1/apps/mine/envs/stag/config/A?reveal=maybe', {}, 'VALIDATION_FAILED'],
    ];
    for (const [method, path, options, code] of cases) {
      const res = await t.api(method, path, { token: dev, ...options });
      expect([res.status, res.body?.error?.code], `${method} ${path} ${JSON.stringify(options)}`).toEqual([
        400,
        code,
      ]);
    }
    expect(
      (await t.f.store.db.selectFrom('apps').select('code').where('code', '=', 'ok1').execute()).length,
    ).toBe(0);
    expect((await t.api('GET', '/api/v1/apps/mine/envs/stag/config', { token: dev })).body).toEqual({
      vars: [],
    });
    const app = (await t.api('GET', '/api/v1/apps/mine', { token: dev })).body.app;
    expect(app.members).toEqual(['dev']);
  });

  it('manages members', async () => {
    await t.api('POST', '/api/v1/apps', { token: dev, body: { code: 'team', name: 'Team' } });
    const added = await t.api('POST', '/api/v1/apps/team/members', {
      token: dev,
      body: { username: 'other' },
    });
    // the same answer for a new member, an existing one and an unknown username (no user enumeration)
    const again = await t.api('POST', '/api/v1/apps/team/members', {
      token: dev,
      body: { username: 'other' },
    });
    const ghost = await t.api('POST', '/api/v1/apps/team/members', {
      token: dev,
      body: { username: 'ghost' },
    });
    for (const res of [added, again, ghost]) expect([res.status, res.body]).toEqual([204, '']);
    const list = await t.api('GET', '/api/v1/apps/team/members', { token: other });
    expect(list.body.members.map((m: { username: string }) => m.username)).toEqual(['dev', 'other']);
    expect(Object.keys(list.body.members[0]).sort()).toEqual(['addedAt', 'displayName', 'username']);
    expect((await t.api('DELETE', '/api/v1/apps/team/members/other', { token: dev })).status).toBe(204);
    expect((await t.api('GET', '/api/v1/apps/team', { token: other })).status).toBe(404);
  });

  it('lists environments and manages config with masking and audited reveal', async () => {
    await t.api('POST', '/api/v1/apps', { token: dev, body: { code: 'conf', name: 'Conf' } });
    const patched = await t.api('PATCH', '/api/v1/apps/conf/envs/prod/config', {
      token: dev,
      body: {
        set: [
          { name: 'API_KEY', value: "k3y'; drop table apps; --", secret: true },
          { name: 'MODE', value: 'live' },
        ],
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.vars).toEqual([
      { name: 'API_KEY', value: '********', secret: true, updatedAt: expect.any(Number), updatedBy: 'dev' },
      { name: 'MODE', value: 'live', secret: false, updatedAt: expect.any(Number), updatedBy: 'dev' },
    ]);
    const envs = await t.api('GET', '/api/v1/apps/conf/envs', { token: auditor });
    expect(envs.body).toEqual({
      envs: [
        { name: 'stag', url: 'http://127.0.0.1:8081/t/conf/', varCount: 0 },
        { name: 'prod', url: 'http://127.0.0.1:8081/o/conf/', varCount: 2 },
      ],
    });
    expect(
      (await t.api('GET', '/api/v1/apps/conf/envs/prod/config', { token: auditor })).body.vars[0].value,
    ).toBe('********');
    for (const query of ['', '?reveal=false']) {
      const masked = await t.api('GET', `/api/v1/apps/conf/envs/prod/config/API_KEY${query}`, { token: dev });
      expect(masked.body.var.value).toBe('********');
    }
    const revealed = await t.api('GET', '/api/v1/apps/conf/envs/prod/config/API_KEY?reveal=true', {
      token: admin,
    });
    expect(revealed.status).toBe(200);
    expect(revealed.body.var).toMatchObject({
      name: 'API_KEY',
      value: "k3y'; drop table apps; --",
      secret: true,
    });
    const denied = await t.api('GET', '/api/v1/apps/conf/envs/prod/config/API_KEY?reveal=true', {
      token: auditor,
    });
    expect([denied.status, denied.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const reveals = (await t.f.auditRows()).filter((r) => r.action === 'config.reveal');
    expect(reveals).toEqual([expect.objectContaining({ actor: 'admin', target_id: 'conf' })]);

    const unset = await t.api('PATCH', '/api/v1/apps/conf/envs/prod/config', {
      token: dev,
      body: { unset: ['MODE'] },
    });
    expect(unset.body.vars.map((v: { name: string }) => v.name)).toEqual(['API_KEY']);
  });

  it('describes its routes in the OpenAPI document', async () => {
    const res = await t.api('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const paths = res.body.paths;
    for (const p of [
      '/api/v1/apps',
      '/api/v1/apps/{code}',
      '/api/v1/apps/{code}/secret',
      '/api/v1/apps/{code}/secret/rotate',
      '/api/v1/apps/{code}/members',
      '/api/v1/apps/{code}/members/{username}',
      '/api/v1/apps/{code}/envs',
      '/api/v1/apps/{code}/envs/{env}/config',
      '/api/v1/apps/{code}/envs/{env}/config/{name}',
    ]) {
      expect(paths[p], p).toBeDefined();
      for (const op of Object.values(paths[p]) as Array<{ tags?: string[]; summary?: string }>) {
        expect(op.tags?.length, p).toBeGreaterThan(0);
        expect(op.summary, p).toBeTruthy();
      }
    }
  });
});
