import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../support/databases.ts';
import { type AppsFixture, createAppsFixture, errorCode } from './fixture.ts';

describe.each(testDialects())('apps service on %s', (dialect) => {
  let f: AppsFixture;
  beforeAll(async () => {
    f = await createAppsFixture(dialect);
  });
  afterAll(async () => f?.close());

  it('creates an app with both environments, its creator as member and a secret', async () => {
    const dev = f.user('dana', 'developer');
    const { app, secret } = await f.apps.create(dev, {
      code: 'shop',
      name: 'Shop',
      description: 'Sells things',
      logoUrl: 'https://example.com/logo.png',
    });
    expect(app).toMatchObject({
      code: 'shop',
      name: 'Shop',
      description: 'Sells things',
      logoUrl: 'https://example.com/logo.png',
      createdBy: 'dana',
      members: ['dana'],
      envs: [
        { name: 'stag', varCount: 0, url: 'http://127.0.0.1:8081/t/shop/' },
        { name: 'prod', varCount: 0, url: 'http://127.0.0.1:8081/o/shop/' },
      ],
    });
    expect(app.createdAt).toBeGreaterThan(0);
    expect(app.updatedAt).toBe(app.createdAt);
    expect(Buffer.from(secret, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(await f.apps.getSecret(dev, 'shop')).toBe(secret);
    expect(await f.apps.get(dev, 'shop')).toEqual(app);
    const audit = (await f.auditRows()).filter((r) => r.action === 'app.create' && r.target_id === 'shop');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'dana', ip: '127.0.0.1' });
  });

  it('defaults the description to empty and leaves out a missing logo', async () => {
    const admin = f.user('ada', 'admin');
    const { app } = await f.apps.create(admin, { code: 'plain', name: 'Plain' });
    expect(app.description).toBe('');
    expect(app).not.toHaveProperty('logoUrl');
  });

  it('refuses a taken code with APP_CODE_TAKEN and writes nothing', async () => {
    const op = f.user('otto', 'operator');
    await f.apps.create(op, { code: 'taken', name: 'First' });
    const before = (await f.auditRows()).length;
    expect(await errorCode(() => f.apps.create(op, { code: 'taken', name: 'Second' }))).toBe(
      'APP_CODE_TAKEN',
    );
    expect((await f.apps.get(op, 'taken')).name).toBe('First');
    expect((await f.auditRows()).length).toBe(before);
  });

  it('lets exactly one of several concurrent creates of one code win', async () => {
    const op = f.user('olga', 'operator');
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, (_, i) => f.apps.create(op, { code: 'race', name: `Racer ${i}` })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((r) => (r as PromiseRejectedResult).reason.code)).toEqual([
      'APP_CODE_TAKEN',
      'APP_CODE_TAKEN',
      'APP_CODE_TAKEN',
    ]);
    const app = await f.apps.get(op, 'race');
    expect(app.envs.map((e) => e.name)).toEqual(['stag', 'prod']);
    expect(app.members).toEqual(['olga']);
  });

  it('refuses platform-reserved codes', async () => {
    const admin = f.user('root1', 'admin');
    for (const code of ['api', 'admin', 'console', 'static', 'healthz', 'berth', 'www', 'shop-stag']) {
      expect(await errorCode(() => f.apps.create(admin, { code, name: 'X' }))).toBe('APP_CODE_RESERVED');
    }
  });

  it('refuses invalid codes and fields with VALIDATION_FAILED', async () => {
    const admin = f.user('root2', 'admin');
    const bad: unknown[] = [
      { code: 'A1', name: 'x' },
      { code: '1abc', name: 'x' },
      { code: 'a', name: 'x' },
      { code: 'a'.repeat(31), name: 'x' },
      { code: 'ab cd', name: 'x' },
      { code: "x'; drop table apps; --", name: 'x' },
      { code: 'okcode', name: '' },
      { code: 'okcode', name: '   ' },
      { code: 'okcode', name: 'n'.repeat(65) },
      { code: 'okcode', name: 'x', description: 'd'.repeat(2001) },
      { code: 'okcode', name: 'x', logoUrl: 'javascript:alert(1)' },
      { code: 'okcode', name: 'x', logoUrl: 'ftp://example.com/a.png' },
      { code: 'okcode', name: 'x', logoUrl: `https://example.com/${'a'.repeat(2048)}` },
      { code: 'okcode', name: 'x', extra: true },
      { code: 'okcode' },
      null,
    ];
    for (const input of bad) {
      expect(await errorCode(() => f.apps.create(admin, input)), JSON.stringify(input)).toBe(
        'VALIDATION_FAILED',
      );
    }
    expect(await errorCode(() => f.apps.get(admin, 'okcode'))).toBe('APP_NOT_FOUND');
  });

  it('accepts the longest name and code and stores SQL-looking text verbatim', async () => {
    const admin = f.user('root3', 'admin');
    const code = `z${'9'.repeat(29)}`;
    const name = `Robert'); DROP TABLE apps;--${'n'.repeat(36)}`;
    const description = `"; delete from app_members; -- \\ ' \u00e9\u{1F680}`;
    await f.apps.create(admin, { code, name, description });
    const app = await f.apps.get(admin, code);
    expect(app.name).toBe(name);
    expect(app.description).toBe(description);
  });

  it('updates name, description and logo, records the change, and null removes the logo', async () => {
    const dev = f.user('uma', 'developer');
    const { app } = await f.apps.create(dev, {
      code: 'upd',
      name: 'Old',
      logoUrl: 'http://example.com/a.png',
    });
    await new Promise((r) => setTimeout(r, 5));
    const updated = await f.apps.update(dev, 'upd', { name: 'New', description: 'Now described' });
    expect(updated).toMatchObject({
      name: 'New',
      description: 'Now described',
      logoUrl: 'http://example.com/a.png',
    });
    expect(updated.updatedAt).toBeGreaterThan(app.updatedAt);
    const cleared = await f.apps.update(dev, 'upd', { logoUrl: null });
    expect(cleared).not.toHaveProperty('logoUrl');
    const rows = (await f.auditRows()).filter((r) => r.action === 'app.update' && r.target_id === 'upd');
    expect(rows.map((r) => JSON.parse(r.detail).fields)).toEqual([['name', 'description'], ['logoUrl']]);
    expect(await errorCode(() => f.apps.update(dev, 'upd', {}))).toBe('VALIDATION_FAILED');
    expect(await errorCode(() => f.apps.update(dev, 'upd', { code: 'other' }))).toBe('VALIDATION_FAILED');
  });

  it('deletes an app with its environments, vars and members in one go', async () => {
    const dev = f.user('dora', 'developer');
    const other = f.user('dave', 'developer');
    await f.apps.create(dev, { code: 'gone', name: 'Gone' });
    await f.apps.addMember(dev, 'gone', { username: 'dave' });
    await f.apps.updateConfig(dev, 'gone', 'stag', {
      set: [
        { name: 'A', value: '1' },
        { name: 'S', value: 's', secret: true },
      ],
    });
    await f.apps.remove(dev, 'gone');
    expect(await errorCode(() => f.apps.get(dev, 'gone'))).toBe('APP_NOT_FOUND');
    expect(await f.apps.access.readableCodes(other)).not.toContain('gone');
    const db = f.store.db;
    expect(
      await db
        .selectFrom('app_envs')
        .innerJoin('apps', 'apps.id', 'app_envs.app_id')
        .select('apps.code')
        .where('apps.code', '=', 'gone')
        .execute(),
    ).toEqual([]);
    for (const table of ['app_members', 'app_envs', 'app_config_vars'] as const) {
      const orphans = await db
        .selectFrom(table)
        .select('app_id')
        .where('app_id', 'not in', db.selectFrom('apps').select('id'))
        .execute();
      expect(orphans, table).toEqual([]);
    }
    expect((await f.auditRows()).some((r) => r.action === 'app.delete' && r.target_id === 'gone')).toBe(true);
    // The code is free again.
    const { app } = await f.apps.create(dev, { code: 'gone', name: 'Again' });
    expect(app.envs.every((e) => e.varCount === 0)).toBe(true);
    expect(app.members).toEqual(['dora']);
  });

  it('writes nothing when the audit record fails', async () => {
    const admin = f.user('root4', 'admin');
    f.failNextAudit = new Error('audit store down');
    await expect(f.apps.create(admin, { code: 'noaudit', name: 'X' })).rejects.toThrow('audit store down');
    expect(await errorCode(() => f.apps.get(admin, 'noaudit'))).toBe('APP_NOT_FOUND');
    const rows = await f.store.db.selectFrom('apps').select('id').where('code', '=', 'noaudit').execute();
    expect(rows).toEqual([]);

    await f.apps.create(admin, { code: 'keep', name: 'Keep' });
    f.failNextAudit = new Error('audit store down');
    await expect(f.apps.remove(admin, 'keep')).rejects.toThrow('audit store down');
    expect((await f.apps.get(admin, 'keep')).envs).toHaveLength(2);
  });

  it('lists apps sorted by code', async () => {
    const auditor = f.user('audrey', 'auditor');
    const codes = (await f.apps.list(auditor)).items.map((a) => a.code);
    expect(codes).toEqual([...codes].sort());
    expect(codes).toEqual(expect.arrayContaining(['shop', 'plain', 'taken', 'race', 'upd']));
  });

  it('lists more apps than one id list of a query holds, each with its envs and members', async () => {
    const op = f.user('bulk', 'operator');
    const now = Date.now();
    const apps = Array.from({ length: 1203 }, (_, i) => ({
      id: `app_bulk${String(i).padStart(5, '0')}`,
      code: `bulk${String(i).padStart(5, '0')}`,
      name: `Bulk ${i}`,
      description: '',
      logo_url: null,
      secret_sealed: 'v1:unused',
      created_by: 'bulk',
      created_at: now,
      updated_at: now,
    }));
    for (let i = 0; i < apps.length; i += 200) {
      const slice = apps.slice(i, i + 200);
      await f.store.db.insertInto('apps').values(slice).execute();
      await f.store.db
        .insertInto('app_envs')
        .values(
          slice.flatMap((a) =>
            ['stag', 'prod'].map((name) => ({
              app_id: a.id,
              name,
              created_at: now,
              config_version: 0,
              config_updated_at: null,
            })),
          ),
        )
        .execute();
      await f.store.db
        .insertInto('app_members')
        .values(slice.map((a) => ({ app_id: a.id, user_id: op.userId, added_at: now, added_by: 'bulk' })))
        .execute();
    }
    const all = [];
    let cursor: string | undefined;
    do {
      const page = await f.apps.list(op, { limit: 500, ...(cursor ? { cursor } : {}) });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const listed = all.filter((a) => a.code.startsWith('bulk'));
    expect(listed).toHaveLength(1203);
    expect(listed.every((a) => a.envs.length === 2 && a.members.join() === 'bulk')).toBe(true);
    expect(await f.apps.access.readableCodes(op)).toBe('all');
  });
});
