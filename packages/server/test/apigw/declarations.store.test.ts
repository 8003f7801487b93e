// The API gateway's declarations on every store dialect: a sync applies every file or none (a bad
// file, or a failure while writing, leaves the store and its version as they were), a dry run changes
// nothing, a file that is gone takes its system and components, each change bumps the version once,
// export gives the canonical files back, and the component directory of another replica sees a change
// once its recheck is due (its own service's change at once).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApigwModule } from '../../src/apigw/index.ts';
import type { AuditRecorder } from '../../src/apps/index.ts';
import { createAuditLog } from '../../src/identity/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { createJobsTestStore, type JobsTestStore } from '../jobs/helpers.ts';
import { testActor } from '../support/actors.ts';
import { testDialects } from '../support/databases.ts';
import { SOPS_CE_FILE, SOPS_FILE, systemFile } from './fixtures.ts';

const operator = testActor('ops', 'operator');
const developer = testActor('dev', 'developer');

const SOPS = { name: 'BK_SOPS.yaml', text: SOPS_FILE };
const SOPS_CE = { name: 'bk_sops_ce.yaml', text: SOPS_CE_FILE };

describe.each(testDialects())('API gateway declarations on %s', (dialect) => {
  let t: JobsTestStore;
  let clock = 1_000_000;
  const now = () => clock;
  const make = (store = t.store, audit: AuditRecorder = createAuditLog({ store })) =>
    createApigwModule({
      store,
      audit,
      logger: silentLogger(),
      apiUrl: () => 'http://127.0.0.1:1',
      recheckMs: 1000,
      now,
    });

  const version = async () =>
    Number((await t.store.db.selectFrom('apigw_state').select('version').executeTakeFirstOrThrow()).version);
  const snapshot = async () => ({
    version: await version(),
    systems: await t.store.db.selectFrom('apigw_systems').selectAll().orderBy('name').execute(),
    components: await t.store.db
      .selectFrom('apigw_components')
      .selectAll()
      .orderBy('system')
      .orderBy('position')
      .execute(),
  });

  beforeAll(async () => {
    t = await createJobsTestStore(dialect);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('plans a dry run without changing anything, then applies the sync and bumps the version once', async () => {
    const mod = make();
    const before = await snapshot();
    expect(before.version).toBe(0);
    const dry = await mod.declarations.sync(operator, [SOPS, SOPS_CE], { dryRun: true });
    expect(dry.applied).toBe(false);
    expect(dry.plan.systems.add).toEqual(['BK_SOPS', 'BK_SOPS_CE']);
    expect(await snapshot()).toEqual(before);

    const done = await mod.declarations.sync(operator, [SOPS, SOPS_CE]);
    expect(done).toEqual({ plan: dry.plan, applied: true });
    expect(await version()).toBe(1);
    const again = await mod.declarations.sync(operator, [SOPS, SOPS_CE]);
    expect(again.applied).toBe(false);
    expect(await version()).toBe(1);
    const audit = await t.store.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'apigw.sync')
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('exports the canonical files, the Berth-shaped one byte for byte, components in file order', async () => {
    const mod = make();
    const files = await mod.declarations.exportFiles(operator);
    expect(files.map((f) => f.name)).toEqual(['BK_SOPS.yaml', 'BK_SOPS_CE.yaml']);
    expect(files[0]!.text).toBe(SOPS_FILE);
    // Syncing the export instead of the BlueKing file (same system, same components) changes nothing.
    expect((await mod.declarations.sync(operator, files, { dryRun: true })).plan).toEqual(
      (await mod.declarations.sync(operator, [SOPS, SOPS_CE], { dryRun: true })).plan,
    );
    const plan = (await mod.declarations.sync(operator, files, { dryRun: true })).plan;
    expect([...plan.systems.add, ...plan.systems.change.map((c) => c.name), ...plan.systems.remove]).toEqual(
      [],
    );
    await expect(mod.declarations.exportFiles(developer)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('applies every file or none: a bad second file, or a failure while writing', async () => {
    const mod = make();
    const before = await snapshot();
    const edited = {
      name: 'BK_SOPS.yaml',
      text: SOPS_FILE.replace('label: List templates', 'label: Templates'),
    };
    const bad = { name: 'OTHER.yaml', text: 'system:\n  name: OTHER\n  labl: x\n' };
    await expect(mod.declarations.sync(operator, [edited, bad])).rejects.toMatchObject({
      code: 'APIGW_YAML_INVALID',
      details: { file: 'OTHER.yaml', line: 3, field: 'system.labl' },
    });
    expect(await snapshot()).toEqual(before);

    const failing = make(t.store, {
      record: async () => {
        throw new Error('the audit log is down');
      },
    });
    const added = { name: 'NEW.yaml', text: systemFile('NEW', [{ name: 'n', path: '/new/' }]) };
    await expect(failing.declarations.sync(operator, [edited, added])).rejects.toThrow(
      'the audit log is down',
    );
    expect(await snapshot()).toEqual(before);
  });

  it('removes the system of a file that is gone, with its components', async () => {
    const mod = make();
    const v = await version();
    const { plan, applied } = await mod.declarations.sync(operator, [SOPS]);
    expect(applied).toBe(true);
    expect(plan.systems.remove).toEqual(['BK_SOPS_CE']);
    expect(await version()).toBe(v + 1);
    const rows = await t.store.db.selectFrom('apigw_components').select('system').distinct().execute();
    expect(rows.map((r) => r.system)).toEqual(['BK_SOPS']);
    await expect(mod.declarations.getSystem(operator, 'BK_SOPS_CE')).rejects.toMatchObject({
      code: 'APIGW_SYSTEM_NOT_FOUND',
    });
  });

  it('shows hidden components to staff only, and lets only staff sync, edit and delete', async () => {
    const mod = make();
    const all = await mod.declarations.listComponents(operator, { system: 'BK_SOPS' });
    expect(all.map((c) => c.name)).toEqual(['get_template_list', 'create_task', 'any_call']);
    const shown = await mod.declarations.listComponents(developer, { system: 'BK_SOPS' });
    expect(shown.map((c) => c.name)).toEqual(['get_template_list', 'any_call']);
    expect((await mod.declarations.listSystems(developer))[1]).toMatchObject({
      name: 'BK_SOPS',
      components: 2,
      updatedBy: 'ops',
    });
    await expect(mod.declarations.listComponents(developer, { system: 'NOPE' })).rejects.toMatchObject({
      code: 'APIGW_SYSTEM_NOT_FOUND',
    });
    for (const call of [
      () => mod.declarations.sync(developer, [SOPS], { dryRun: true }),
      () => mod.declarations.putSystem(developer, 'BK_SOPS', SOPS_FILE),
      () => mod.declarations.deleteSystem(developer, 'BK_SOPS'),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
  });

  it('lists the built-in system berth and refuses to declare, change, export or remove it', async () => {
    const mod = make();
    const [builtin] = await mod.declarations.listSystems(developer);
    expect(builtin).toMatchObject({ name: 'berth', builtIn: true, components: 4 });
    const components = await mod.declarations.listComponents(developer, { system: 'berth' });
    expect(components.map((c) => [c.name, c.method, c.path, c.builtIn, c.dest])).toEqual([
      ['get_user', 'GET', '/users/{username}', true, undefined],
      ['list_users', 'GET', '/users', true, undefined],
      ['get_app', 'GET', '/apps/{code}', true, undefined],
      ['send_notification', 'POST', '/notifications', true, undefined],
    ]);
    expect((await mod.declarations.getSystem(developer, 'berth')).components).toHaveLength(4);
    const all = await mod.declarations.listComponents(operator);
    expect(all.filter((c) => c.system === 'berth')).toHaveLength(4);
    for (const name of ['berth', 'BERTH']) {
      await expect(mod.declarations.putSystem(operator, name, systemFile(name, []))).rejects.toMatchObject({
        code: 'APIGW_SYSTEM_RESERVED',
      });
      await expect(mod.declarations.deleteSystem(operator, name)).rejects.toMatchObject({
        code: 'APIGW_SYSTEM_RESERVED',
      });
    }
    // A directory holding the built-in system's file is refused whole, naming the file and field.
    const v = await version();
    await expect(
      mod.declarations.sync(operator, [SOPS, { name: 'berth.yaml', text: systemFile('berth', []) }]),
    ).rejects.toMatchObject({
      code: 'APIGW_SYSTEM_RESERVED',
      details: { file: 'berth.yaml', line: 2, field: 'system.name' },
    });
    await expect(
      mod.declarations.sync(operator, [SOPS, { name: 'berth.yaml', text: SOPS_CE_FILE }]),
    ).rejects.toMatchObject({ code: 'APIGW_SYSTEM_RESERVED', details: { file: 'berth.yaml', field: null } });
    await expect(
      mod.declarations.sync(operator, [SOPS, { name: 'mine.yaml', text: systemFile('Berth', []) }]),
    ).rejects.toMatchObject({
      code: 'APIGW_SYSTEM_RESERVED',
      details: { file: 'mine.yaml', field: 'system.name' },
    });
    expect(await version()).toBe(v);
    // A sync never removes it, export never writes it.
    await mod.declarations.sync(operator, [SOPS]);
    expect((await mod.declarations.listSystems(operator)).map((s) => s.name)).toEqual(['berth', 'BK_SOPS']);
    expect((await mod.declarations.exportFiles(operator)).map((f) => f.name)).toEqual(['BK_SOPS.yaml']);
    // Calls find it at /api/c/berth/… only, never through compapi.
    const found = await mod.directory.lookup({ system: 'berth', method: 'GET', path: '/users/alice' });
    expect(found).toMatchObject({ component: { name: 'get_user' }, vars: { username: 'alice' } });
    expect(await mod.directory.lookup({ system: null, method: 'GET', path: '/users/alice' })).toBeUndefined();
    expect(await mod.directory.system('berth')).toMatchObject({ builtIn: true });
  });

  it('puts and deletes one system, refusing a path another system answers', async () => {
    const mod = make();
    const put = await mod.declarations.putSystem(
      operator,
      'SHOP',
      systemFile('SHOP', [{ name: 'list', path: '/shop/list/' }]),
    );
    expect(put.plan.systems.add).toEqual(['SHOP']);
    expect(put.components.map((c) => c.name)).toEqual(['list']);
    expect((await mod.declarations.listSystems(operator)).map((s) => s.name)).toEqual([
      'berth',
      'BK_SOPS',
      'SHOP',
    ]);
    await expect(
      mod.declarations.putSystem(
        operator,
        'SHOP',
        systemFile('SHOP', [{ name: 'x', path: '/v2/sops/create_task/', method: 'POST' }]),
      ),
    ).rejects.toMatchObject({
      code: 'APIGW_YAML_INVALID',
      details: { file: 'SHOP.yaml', field: 'components[0].path' },
      message: expect.stringMatching(/declared in BK_SOPS\.yaml \(line \d+\) too/),
    });
    await expect(mod.declarations.putSystem(operator, 'SHOP', systemFile('OTHER', []))).rejects.toMatchObject(
      {
        code: 'APIGW_YAML_INVALID',
        details: { file: 'SHOP.yaml', line: 2, field: 'system.name' },
      },
    );
    await mod.declarations.deleteSystem(operator, 'SHOP');
    await expect(mod.declarations.deleteSystem(operator, 'SHOP')).rejects.toMatchObject({
      code: 'APIGW_SYSTEM_NOT_FOUND',
    });
  });

  it("finds components, and sees another replica's change once its recheck is due", async () => {
    const here = make();
    const there = make(t.openAnother());
    const lookup = (path: string, method = 'GET', system: string | null = null) =>
      here.directory.lookup({ system, method, path });
    const found = await lookup('/v2/sops/get_template_list/7/');
    expect(found?.component.name).toBe('get_template_list');
    expect(found?.vars).toEqual({ bk_biz_id: '7' });
    expect(found?.system).toMatchObject({ name: 'BK_SOPS', timeoutMs: 30_000 });
    expect((await lookup('/v2/sops/create_task/', 'POST', 'BK_SOPS'))?.component.name).toBe('create_task');
    expect(await lookup('/v2/sops/create_task/', 'POST', 'OTHER')).toBeUndefined();
    expect(await lookup('/v2/sops/create_task/', 'GET')).toBeUndefined();

    // Another replica adds a system: not seen before the recheck is due, seen after.
    await there.declarations.putSystem(
      operator,
      'CMDB',
      systemFile('CMDB', [{ name: 'hosts', path: '/v2/cc/hosts/' }]),
    );
    expect(await lookup('/v2/cc/hosts/')).toBeUndefined();
    expect(await here.directory.system('CMDB')).toBeUndefined();
    clock += 1000;
    expect((await lookup('/v2/cc/hosts/'))?.component).toMatchObject({ system: 'CMDB', name: 'hosts' });
    expect(await here.directory.system('CMDB')).toMatchObject({ label: 'CMDB label' });

    // This replica's own change is seen at once.
    await here.declarations.deleteSystem(operator, 'CMDB');
    expect(await lookup('/v2/cc/hosts/')).toBeUndefined();
  });
});
