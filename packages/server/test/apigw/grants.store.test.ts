// Grants and trusted apps on every dialect: a component grant or a system grant lets an app call,
// the later expiry wins, an expired grant says when it ran out; granting again renews; another
// replica's change (a second connection pool with its own cache) is seen within RECHECK_MS and not
// before, this replica's own at once; who may grant (staff, the owner app's builders) and trust
// (staff); every change is audited; a deleted app's grants and trust go.
import type { ApigwGrantCreateBody } from '@berth/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECHECK_MS } from '../../src/apigw/grant-cache.ts';
import { createGrants, type Grants } from '../../src/apigw/grants.ts';
import { createAuditLog } from '../../src/identity/index.ts';
import type { Store } from '../../src/store/store.ts';
import { createJobsTestStore, type JobsTestStore } from '../jobs/helpers.ts';
import { testDialects } from '../support/databases.ts';
import { sessionActor } from './actors.ts';

const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;

const actor = sessionActor;
const admin = actor('admin', 'admin');
const operator = actor('op', 'operator');
const builder = actor('dev', 'developer');
const stranger = actor('other', 'developer');
const auditor = actor('aud', 'auditor');

describe.each(testDialects())('gateway grants on %s', (dialect) => {
  let t: JobsTestStore;
  let grants: Grants;
  let replica: Grants;
  let clock = T0;
  const apps = new Set(['shop', 'blog', 'sops', 'gone']);
  /** The owner app of each system, as the declarations would say. */
  const owners: Record<string, string> = { BK_SOPS: 'sops' };
  /** Who builds which app (a developer member). */
  const members: Record<string, string[]> = { dev: ['sops'], other: ['blog'] };

  function service(store: Store): Grants {
    return createGrants({
      store,
      audit: createAuditLog({ store }),
      ownerOf: async (system) => owners[system],
      isBuilder: async (a, app) => (members[a.username] ?? []).includes(app),
      readableCodes: async (a) => (a.role === 'developer' ? (members[a.username] ?? []) : 'all'),
      appExists: async (code) => apps.has(code),
      now: () => clock,
    });
  }

  beforeAll(async () => {
    t = await createJobsTestStore(dialect);
    grants = service(t.store);
    replica = service(t.openAnother());
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const grant = (body: ApigwGrantCreateBody, by = admin) => grants.grant(by, body);

  it('lets a component grant or a system grant through, and nothing else', async () => {
    clock = T0;
    await grant({ app: 'shop', system: 'BK_SOPS', component: 'get_task' });
    await grant({ app: 'blog', system: 'BK_CMDB' });
    const at = clock + 1;
    expect(await grants.check('shop', 'BK_SOPS', 'get_task', at)).toBe('ok');
    expect(await grants.check('shop', 'BK_SOPS', 'create_task', at)).toEqual({ denied: true });
    expect(await grants.check('blog', 'BK_CMDB', 'search_host', at)).toBe('ok');
    expect(await grants.check('blog', 'BK_SOPS', 'get_task', at)).toEqual({ denied: true });
    expect(await grants.check('shop', 'BK_CMDB', 'search_host', at)).toEqual({ denied: true });
    // Names are case-sensitive.
    expect(await grants.check('blog', 'bk_cmdb', 'search_host', at)).toEqual({ denied: true });
  });

  it('answers an expired grant with its expiry; of two grants the later expiry wins', async () => {
    clock = T0;
    const { grant: g } = await grant({
      app: 'shop',
      system: 'BK_JOB',
      component: 'run',
      expiresAt: T0 + HOUR,
    });
    expect(g).toMatchObject({ component: 'run', expiresAt: T0 + HOUR, expired: false, grantedBy: 'admin' });
    expect(await grants.check('shop', 'BK_JOB', 'run', T0 + HOUR - 1)).toBe('ok');
    expect(await grants.check('shop', 'BK_JOB', 'run', T0 + HOUR)).toEqual({ expired: T0 + HOUR });
    // A system grant running longer lets the component through; once both ran out, the later says.
    await grant({ app: 'shop', system: 'BK_JOB', expiresAt: T0 + 2 * HOUR });
    expect(await grants.check('shop', 'BK_JOB', 'run', T0 + HOUR + 1)).toBe('ok');
    expect(await grants.check('shop', 'BK_JOB', 'other', T0 + HOUR + 1)).toBe('ok');
    expect(await grants.check('shop', 'BK_JOB', 'run', T0 + 3 * HOUR)).toEqual({ expired: T0 + 2 * HOUR });
    // A grant without expiry beats any expired one.
    await grant({ app: 'shop', system: 'BK_JOB', component: 'run' });
    expect(await grants.check('shop', 'BK_JOB', 'run', T0 + 3 * HOUR)).toBe('ok');
    const listed = await grants.list(admin, { app: 'shop', system: 'BK_JOB' });
    expect(listed.map((x) => [x.component, x.expiresAt])).toEqual([
      [null, T0 + 2 * HOUR],
      ['run', null],
    ]);
  });

  it('renews a grant made already (same id), and refuses an expiry in the past', async () => {
    clock = T0;
    const first = await grant({ app: 'blog', system: 'BK_LOG', expiresAt: T0 + HOUR });
    expect(first.created).toBe(true);
    const again = await grant({ app: 'blog', system: 'BK_LOG', expiresAt: T0 + 5 * HOUR }, operator);
    expect(again.created).toBe(false);
    expect(again.grant).toMatchObject({ id: first.grant.id, expiresAt: T0 + 5 * HOUR, grantedBy: 'op' });
    await expect(grant({ app: 'blog', system: 'BK_LOG', expiresAt: T0 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(grant({ app: 'nosuch', system: 'BK_LOG' })).rejects.toMatchObject({ code: 'APP_NOT_FOUND' });
    // System names are case-sensitive on every dialect: two systems, two grants.
    const upper = await grant({ app: 'blog', system: 'BK_CASE' });
    const lower = await grant({ app: 'blog', system: 'bk_case' });
    expect(lower.created).toBe(true);
    expect(lower.grant.id).not.toBe(upper.grant.id);
    // Two grants of one thing at once: one row, both answered.
    const both = await Promise.all([
      grant({ app: 'blog', system: 'BK_RACE' }),
      replica.grant(admin, { app: 'blog', system: 'BK_RACE' }),
    ]);
    expect(both[0].grant.id).toBe(both[1].grant.id);
  });

  it("sees another replica's change within RECHECK_MS, and its own at once", async () => {
    clock = T0;
    const at = T0 + 10 * HOUR;
    expect(await grants.check('shop', 'BK_NEW', 'x', at)).toEqual({ denied: true });
    const { grant: made } = await replica.grant(admin, { app: 'shop', system: 'BK_NEW' });
    // This replica's copy is fresh for RECHECK_MS: it may still say no, then it must say yes.
    expect(await grants.check('shop', 'BK_NEW', 'x', at + 1)).toEqual({ denied: true });
    expect(await grants.check('shop', 'BK_NEW', 'x', at + RECHECK_MS)).toBe('ok');
    // The replica that made it knew at once.
    expect(await replica.check('shop', 'BK_NEW', 'x', at + 2)).toBe('ok');
    await replica.revoke(admin, made.id);
    expect(await replica.check('shop', 'BK_NEW', 'x', at + 3)).toEqual({ denied: true });
    expect(await grants.check('shop', 'BK_NEW', 'x', at + RECHECK_MS + 1)).toBe('ok');
    expect(await grants.check('shop', 'BK_NEW', 'x', at + 2 * RECHECK_MS)).toEqual({ denied: true });
    // Trust travels the same way.
    expect(await grants.isTrusted('blog', at + 2 * RECHECK_MS)).toBe(false);
    await replica.trust(operator, 'blog');
    expect(await replica.isTrusted('blog', at + 2 * RECHECK_MS)).toBe(true);
    expect(await grants.isTrusted('blog', at + 3 * RECHECK_MS)).toBe(true);
    await grants.untrust(admin, 'blog');
    expect(await grants.isTrusted('blog', at + 3 * RECHECK_MS)).toBe(false);
  });

  it("lets staff and the owner app's builders grant and revoke; others get FORBIDDEN", async () => {
    clock = T0;
    // dev builds sops, which owns BK_SOPS.
    const { grant: g } = await grants.grant(builder, { app: 'blog', system: 'BK_SOPS', component: 'list' });
    await expect(grants.grant(builder, { app: 'blog', system: 'BK_CMDB' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(grants.grant(stranger, { app: 'blog', system: 'BK_SOPS' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(grants.grant(auditor, { app: 'blog', system: 'BK_SOPS' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(grants.revoke(stranger, g.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await grants.revoke(builder, g.id);
    await expect(grants.revoke(admin, g.id)).rejects.toMatchObject({ code: 'APIGW_GRANT_NOT_FOUND' });
    // Trusting is staff's alone; auditors read.
    await expect(grants.trust(builder, 'sops')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(grants.untrust(auditor, 'sops')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(grants.trusted(builder)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(grants.trust(admin, 'nosuch')).rejects.toMatchObject({ code: 'APP_NOT_FOUND' });
    const trusted = await grants.trust(admin, 'sops');
    expect(await grants.trust(operator, 'sops')).toEqual(trusted);
    expect(await grants.trusted(auditor)).toEqual([trusted]);
  });

  it("shows developers the grants of their apps, as callers or as the system's owners", async () => {
    await grant({ app: 'shop', system: 'BK_SOPS', component: 'owned_view' });
    const seen = (await grants.list(builder)).map((g) => `${g.app} ${g.system}`);
    // dev builds sops (owner of BK_SOPS): every BK_SOPS grant, no other system's.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.endsWith(' BK_SOPS'))).toBe(true);
    // other builds blog: blog's own grants, whichever system.
    const theirs = await grants.list(stranger);
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.every((g) => g.app === 'blog')).toBe(true);
    expect((await grants.list(auditor)).length).toBe((await grants.list(admin)).length);
  });

  it('audits every change', async () => {
    const events = await t.store.db
      .selectFrom('audit_events')
      .select(['action', 'actor_name', 'target_type', 'target_id'])
      .where('action', 'like', 'apigw.%')
      .execute();
    const seen = new Set(events.map((e) => `${e.action} ${e.target_type}`));
    expect([...seen].sort()).toEqual([
      'apigw.grant app',
      'apigw.grant.revoke app',
      'apigw.trust app',
      'apigw.untrust app',
    ]);
  });

  it("forgets a deleted app's grants and trust", async () => {
    clock = T0;
    await grant({ app: 'gone', system: 'BK_SOPS' });
    await grants.trust(admin, 'gone');
    await grants.forget('gone');
    expect(await grants.check('gone', 'BK_SOPS', 'x', T0 + 1)).toEqual({ denied: true });
    expect(await grants.isTrusted('gone', T0 + 1)).toBe(false);
    expect(await grants.list(admin, { app: 'gone' })).toEqual([]);
  });
});
