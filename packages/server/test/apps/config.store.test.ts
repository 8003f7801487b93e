import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/identity/actor.ts';
import { testDialects } from '../support/databases.ts';
import { type AppsFixture, createAppsFixture, errorCode } from './fixture.ts';

describe.each(testDialects())('config vars on %s', (dialect) => {
  let f: AppsFixture;
  let dev: Actor;
  let admin: Actor;
  beforeAll(async () => {
    f = await createAppsFixture(dialect);
    dev = f.user('dev', 'developer');
    admin = f.user('admin', 'admin');
    await f.apps.create(dev, { code: 'cfg', name: 'Config' });
  });
  afterAll(async () => f?.close());

  const rawRow = (env: string, name: string) =>
    f.store.db
      .selectFrom('app_config_vars')
      .innerJoin('apps', 'apps.id', 'app_config_vars.app_id')
      .select(['app_config_vars.value', 'app_config_vars.secret'])
      .where('apps.code', '=', 'cfg')
      .where('app_config_vars.env', '=', env)
      .where('app_config_vars.name', '=', name)
      .executeTakeFirst();

  it('sets vars, masks secret values in every listing and read, and records who and when', async () => {
    const before = Date.now();
    const { vars } = await f.apps.updateConfig(dev, 'cfg', 'stag', {
      set: [
        { name: 'PORT_NAME', value: 'web' },
        { name: 'DATABASE_URL', value: 'postgres://u:pw@db/app', secret: true },
      ],
    });
    expect(vars).toEqual([
      {
        name: 'DATABASE_URL',
        value: '********',
        secret: true,
        updatedAt: expect.any(Number),
        updatedBy: 'dev',
      },
      { name: 'PORT_NAME', value: 'web', secret: false, updatedAt: expect.any(Number), updatedBy: 'dev' },
    ]);
    expect(vars[0]!.updatedAt).toBeGreaterThanOrEqual(before);
    expect((await f.apps.listConfig(admin, 'cfg', 'stag')).items).toEqual(vars);
    expect(await f.apps.getConfigVar(dev, 'cfg', 'stag', 'DATABASE_URL')).toMatchObject({
      value: '********',
    });
    expect(await f.apps.getConfigVar(dev, 'cfg', 'stag', 'DATABASE_URL', { reveal: false })).toMatchObject({
      value: '********',
    });
    expect((await f.apps.listConfig(dev, 'cfg', 'prod')).items).toEqual([]);
    expect((await f.apps.listEnvs(dev, 'cfg')).items.map((e) => [e.name, e.varCount])).toEqual([
      ['stag', 2],
      ['prod', 0],
    ]);
  });

  it('stores secret values sealed and bound to their place', async () => {
    const row = await rawRow('stag', 'DATABASE_URL');
    expect(row?.secret).toBe(1);
    expect(row?.value).not.toContain('postgres://');
    expect(f.secretBox.open(row!.value, 'config:cfg:stag:DATABASE_URL')).toBe('postgres://u:pw@db/app');
    expect((await rawRow('stag', 'PORT_NAME'))?.value).toBe('web');

    // A sealed value copied into another var does not open there.
    await f.apps.updateConfig(dev, 'cfg', 'stag', { set: [{ name: 'COPY', value: 'x', secret: true }] });
    await f.store.db
      .updateTable('app_config_vars')
      .set({ value: row!.value })
      .where('name', '=', 'COPY')
      .where('env', '=', 'stag')
      .execute();
    expect(await errorCode(() => f.apps.getConfigVar(dev, 'cfg', 'stag', 'COPY', { reveal: true }))).toBe(
      'SECRET_UNREADABLE',
    );
    expect(await errorCode(() => f.apps.configSnapshot('cfg', 'stag'))).toBe('SECRET_UNREADABLE');
    await f.apps.updateConfig(dev, 'cfg', 'stag', { unset: ['COPY'] });
    expect(await f.apps.configSnapshot('cfg', 'stag')).toEqual({
      DATABASE_URL: 'postgres://u:pw@db/app',
      PORT_NAME: 'web',
    });
  });

  it('reveals a secret value to members and audits it by name, never by value', async () => {
    const revealed = await f.apps.getConfigVar(dev, 'cfg', 'stag', 'DATABASE_URL', { reveal: true });
    expect(revealed).toMatchObject({ name: 'DATABASE_URL', value: 'postgres://u:pw@db/app', secret: true });
    // Revealing a plain value is not an event.
    expect((await f.apps.getConfigVar(dev, 'cfg', 'stag', 'PORT_NAME', { reveal: true })).value).toBe('web');
    const rows = (await f.auditRows()).filter((r) => r.action === 'config.reveal');
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.detail)).toEqual({ env: 'stag', name: 'DATABASE_URL' });
    for (const r of await f.auditRows()) expect(r.detail).not.toContain('postgres://');
  });

  it('keeps the secret flag when an update omits it, and drops sealing when it is turned off', async () => {
    await f.apps.updateConfig(dev, 'cfg', 'stag', {
      set: [{ name: 'DATABASE_URL', value: 'postgres://new' }],
    });
    expect((await rawRow('stag', 'DATABASE_URL'))?.secret).toBe(1);
    expect((await rawRow('stag', 'DATABASE_URL'))?.value).not.toContain('postgres://');
    expect((await f.apps.getConfigVar(dev, 'cfg', 'stag', 'DATABASE_URL', { reveal: true })).value).toBe(
      'postgres://new',
    );
    await f.apps.updateConfig(dev, 'cfg', 'stag', {
      set: [{ name: 'DATABASE_URL', value: 'postgres://plain', secret: false }],
    });
    expect(await rawRow('stag', 'DATABASE_URL')).toEqual({ value: 'postgres://plain', secret: 0 });
    await f.apps.updateConfig(dev, 'cfg', 'stag', {
      set: [{ name: 'PORT_NAME', value: 'web2', secret: true }],
    });
    expect((await f.apps.getConfigVar(dev, 'cfg', 'stag', 'PORT_NAME')).value).toBe('********');
  });

  it('applies a batch all or nothing', async () => {
    const before = await f.apps.listConfig(dev, 'cfg', 'stag');
    const auditBefore = (await f.auditRows()).length;
    const batches: Array<[unknown, string]> = [
      [
        {
          set: [
            { name: 'NEW_ONE', value: '1' },
            { name: 'BERTH_PORT', value: '1' },
          ],
        },
        'CONFIG_KEY_RESERVED',
      ],
      [{ set: [{ name: 'NEW_ONE', value: '1' }], unset: ['BERTH_APP'] }, 'CONFIG_KEY_RESERVED'],
      [
        {
          set: [
            { name: 'NEW_ONE', value: '1' },
            { name: '1BAD', value: '1' },
          ],
        },
        'VALIDATION_FAILED',
      ],
      [
        {
          set: [
            { name: 'NEW_ONE', value: '1' },
            { name: 'BAD-NAME', value: '1' },
          ],
        },
        'VALIDATION_FAILED',
      ],
      [{ set: [{ name: 'NEW_ONE', value: '1' }], unset: ['PORT_NAME', 'NOT_THERE'] }, 'CONFIG_VAR_NOT_FOUND'],
      [
        {
          set: [
            { name: 'NEW_ONE', value: '1' },
            { name: 'NEW_ONE', value: '2' },
          ],
        },
        'VALIDATION_FAILED',
      ],
      [{ set: [{ name: 'NEW_ONE', value: '1' }], unset: ['NEW_ONE'] }, 'VALIDATION_FAILED'],
      [{ set: [{ name: 'NEW_ONE', value: '1', extra: 1 }] }, 'VALIDATION_FAILED'],
      [{ set: [{ name: 'NEW_ONE', value: 1 }] }, 'VALIDATION_FAILED'],
      [{ set: [{ name: 'NEW_ONE', value: 'a\u0000b' }] }, 'VALIDATION_FAILED'],
      [{ set: [{ name: `N${'x'.repeat(128)}`, value: '1' }] }, 'VALIDATION_FAILED'],
      [{ set: [] }, 'VALIDATION_FAILED'],
      [{}, 'VALIDATION_FAILED'],
    ];
    for (const [batch, code] of batches) {
      expect(
        await errorCode(() => f.apps.updateConfig(dev, 'cfg', 'stag', batch)),
        JSON.stringify(batch),
      ).toBe(code);
    }
    f.failNextAudit = new Error('audit down');
    await expect(
      f.apps.updateConfig(dev, 'cfg', 'stag', {
        set: [{ name: 'NEW_ONE', value: '1' }],
        unset: ['PORT_NAME'],
      }),
    ).rejects.toThrow('audit down');
    expect(await f.apps.listConfig(dev, 'cfg', 'stag')).toEqual(before);
    expect((await f.auditRows()).length).toBe(auditBefore);
  });

  it('sets and unsets together and audits the names only', async () => {
    const { vars } = await f.apps.updateConfig(dev, 'cfg', 'stag', {
      set: [{ name: 'ADDED', value: 'very secret value', secret: true }],
      unset: ['PORT_NAME'],
    });
    expect(vars.map((v) => v.name)).toEqual(['ADDED', 'DATABASE_URL']);
    const last = (await f.auditRows()).filter((r) => r.action === 'config.update').at(-1)!;
    expect(JSON.parse(last.detail)).toEqual({ env: 'stag', set: ['ADDED'], unset: ['PORT_NAME'] });
    expect(last.detail).not.toContain('very secret value');
  });

  it('refuses unknown environments with ENV_NOT_FOUND', async () => {
    expect(await errorCode(() => f.apps.listConfig(dev, 'cfg', 'dev'))).toBe('ENV_NOT_FOUND');
    expect(await errorCode(() => f.apps.getConfigVar(dev, 'cfg', 'PROD', 'X'))).toBe('ENV_NOT_FOUND');
    expect(
      await errorCode(() => f.apps.updateConfig(dev, 'cfg', 'qa', { set: [{ name: 'A', value: '1' }] })),
    ).toBe('ENV_NOT_FOUND');
    expect(await errorCode(() => f.apps.configSnapshot('cfg', 'test'))).toBe('ENV_NOT_FOUND');
    expect(await errorCode(() => f.apps.getConfigVar(dev, 'cfg', 'stag', 'NOT_THERE'))).toBe(
      'CONFIG_VAR_NOT_FOUND',
    );
    expect(await errorCode(() => f.apps.getConfigVar(dev, 'cfg', 'stag', "x' or '1'='1"))).toBe(
      'CONFIG_VAR_NOT_FOUND',
    );
  });

  it('stores SQL-looking, multi-line and non-ASCII values verbatim; names are case-sensitive', async () => {
    const values = {
      SQL1: "'; DROP TABLE app_config_vars; --",
      SQL2: 'x" OR 1=1; DELETE FROM apps WHERE "1"="1',
      MULTI: 'line one\nline two\r\n\ttabbed \\ backslash',
      UNI: 'héllo wörld 🚀 日本',
      EMPTY: '',
      Foo: 'lower',
      FOO: 'upper',
      ['__proto__']: 'not a prototype', // computed: an own property, not the prototype
    };
    await f.apps.updateConfig(dev, 'cfg', 'prod', {
      set: Object.entries(values).map(([name, value]) => ({ name, value })),
    });
    await f.apps.updateConfig(dev, 'cfg', 'prod', {
      set: [{ name: 'SQL_SECRET', value: values.SQL1, secret: true }],
    });
    const snapshot = await f.apps.configSnapshot('cfg', 'prod');
    expect(Object.keys(snapshot).sort()).toEqual([...Object.keys(values), 'SQL_SECRET'].sort());
    for (const [name, value] of Object.entries(values)) expect(snapshot[name], name).toBe(value);
    expect(snapshot['SQL_SECRET']).toBe(values.SQL1);
    expect(Object.getPrototypeOf(snapshot)).toBe(Object.prototype);
    expect(Object.hasOwn(snapshot, '__proto__')).toBe(true);
    expect(await f.apps.configSnapshot('cfg', 'stag')).not.toHaveProperty('SQL1');
    expect(await errorCode(() => f.apps.configSnapshot('nosuchapp', 'prod'))).toBe('APP_NOT_FOUND');
  });

  it('limits a value to 32 KiB of UTF-8', async () => {
    const fits = 'é'.repeat(16 * 1024); // 32768 bytes
    await f.apps.updateConfig(dev, 'cfg', 'prod', { set: [{ name: 'BIG', value: fits, secret: true }] });
    expect((await f.apps.getConfigVar(dev, 'cfg', 'prod', 'BIG', { reveal: true })).value).toBe(fits);
    expect(
      await errorCode(() =>
        f.apps.updateConfig(dev, 'cfg', 'prod', { set: [{ name: 'BIG', value: `${fits}a` }] }),
      ),
    ).toBe('CONFIG_TOO_LARGE');
    expect(
      await errorCode(() =>
        f.apps.updateConfig(dev, 'cfg', 'prod', {
          set: [{ name: 'BIG2', value: 'a'.repeat(32 * 1024 + 1) }],
        }),
      ),
    ).toBe('VALIDATION_FAILED');
  });

  it('limits an environment to 500 vars, also under concurrent changes', async () => {
    await f.apps.create(dev, { code: 'many', name: 'Many' });
    const names = Array.from({ length: 498 }, (_, i) => `V${i}`);
    await f.apps.updateConfig(dev, 'many', 'stag', { set: names.map((name) => ({ name, value: name })) });
    expect(
      await errorCode(() =>
        f.apps.updateConfig(dev, 'many', 'stag', {
          set: [
            { name: 'X1', value: '' },
            { name: 'X2', value: '' },
            { name: 'X3', value: '' },
          ],
        }),
      ),
    ).toBe('CONFIG_TOO_LARGE');
    // Replacing one var while adding one stays within the limit.
    await f.apps.updateConfig(dev, 'many', 'stag', { set: [{ name: 'X0', value: '' }], unset: ['V0'] });

    const results = await Promise.allSettled(
      ['C1', 'C2', 'C3', 'C4'].map((name) =>
        f.apps.updateConfig(dev, 'many', 'stag', { set: [{ name, value: name }] }),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(failed.map((r) => r.reason.code)).toEqual(['CONFIG_TOO_LARGE', 'CONFIG_TOO_LARGE']);
    expect((await f.apps.listConfig(dev, 'many', 'stag', { limit: 500 })).items).toHaveLength(500);
    expect((await f.apps.get(dev, 'many')).envs.find((e) => e.name === 'stag')?.varCount).toBe(500);
    // Existing vars may still be changed at the limit.
    await f.apps.updateConfig(dev, 'many', 'stag', { set: [{ name: 'V1', value: 'changed' }] });
  });
});
