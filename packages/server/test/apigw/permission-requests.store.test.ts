// Permission requests on every dialect: a developer of the calling app files one; the system's owner
// (its app's builders) or staff approve it, which writes the grant the gateway then honours, or refuse
// it; the requester withdraws it. One open request per app and target, also when two replicas file at
// once; a decision is made once, also when two replicas approve at once; who sees and decides what;
// targets that are not declared or need no permission are refused; every step is audited; a deleted
// app's requests go.
import type { ApigwComponent, NotifyEvent } from '@berth/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrants, type Grants } from '../../src/apigw/grants.ts';
import { createPermissionRequests, type PermissionRequests } from '../../src/apigw/permission-requests.ts';
import type { Actor } from '../../src/identity/actor.ts';
import { createAuditLog } from '../../src/identity/index.ts';
import type { Store } from '../../src/store/store.ts';
import { createJobsTestStore, type JobsTestStore } from '../jobs/helpers.ts';
import { testDialects } from '../support/databases.ts';
import { sessionActor } from './actors.ts';

const T0 = 1_800_000_000_000;
const DAY = 86_400_000;

const actor = sessionActor;
const admin = actor('admin', 'admin');
const operator = actor('op', 'operator');
/** Builds sops, the owner app of BK_SOPS. */
const owner = actor('owner', 'developer');
/** Builds shop, the calling app. */
const dev = actor('dev', 'developer');
/** Another developer of shop. */
const teammate = actor('mate', 'developer');
/** Builds blog only. */
const stranger = actor('other', 'developer');
const auditor = actor('aud', 'auditor');

function component(system: string, name: string, permLevel: ApigwComponent['permLevel']): ApigwComponent {
  return {
    system,
    name,
    label: name,
    path: `/${name}/`,
    method: 'GET',
    dest: { app: 'sops', env: 'prod', path: `/${name}/` },
    type: 'query',
    permLevel,
    hidden: false,
  };
}

describe.each(testDialects())('permission requests on %s', (dialect) => {
  let t: JobsTestStore;
  let grants: Grants;
  let requests: PermissionRequests;
  let replica: PermissionRequests;
  let clock = T0;
  /** The notifications the requests queued, as notify.notifier.emit got them. */
  const told: NotifyEvent[] = [];
  const apps = new Set(['shop', 'blog', 'sops', 'gone']);
  const owners: Record<string, string> = { BK_SOPS: 'sops' };
  const members: Record<string, string[]> = {
    owner: ['sops'],
    dev: ['shop'],
    mate: ['shop'],
    other: ['blog'],
  };
  const declared = new Map<string, Map<string, ApigwComponent>>([
    [
      'BK_SOPS',
      new Map([
        ['get_task', component('BK_SOPS', 'get_task', 'normal')],
        ['create_task', component('BK_SOPS', 'create_task', 'sensitive')],
        ['ping', component('BK_SOPS', 'ping', 'unlimited')],
      ]),
    ],
    ['BK_CMDB', new Map([['search_host', component('BK_CMDB', 'search_host', 'normal')]])],
  ]);

  function services(store: Store): { grants: Grants; requests: PermissionRequests } {
    const common = {
      store,
      audit: createAuditLog({ store }),
      ownerOf: async (system: string) => owners[system],
      isBuilder: async (a: Actor, app: string) => (members[a.username] ?? []).includes(app),
      readableCodes: async (a: Actor) =>
        a.role === 'developer' ? (members[a.username] ?? []) : ('all' as const),
      appExists: async (code: string) => apps.has(code),
      now: () => clock,
    };
    const g = createGrants(common);
    return {
      grants: g,
      requests: createPermissionRequests({
        ...common,
        grants: g,
        components: async (s) => declared.get(s),
        systemsOwnedBy: async (codes) => Object.keys(owners).filter((s) => codes.has(owners[s]!)),
        notify: async (_db, event) => told.push(event),
        consoleUrl: () => 'https://console.example.com',
      }),
    };
  }

  beforeAll(async () => {
    t = await createJobsTestStore(dialect);
    ({ grants, requests } = services(t.store));
    replica = services(t.openAnother()).requests;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('files a request, and its approval writes the grant the gateway honours', async () => {
    clock = T0;
    const filed = await requests.file(dev, {
      app: 'shop',
      system: 'BK_SOPS',
      component: 'get_task',
      expiresAt: T0 + 30 * DAY,
      reason: 'the shop shows task status',
    });
    expect(filed).toMatchObject({
      app: 'shop',
      system: 'BK_SOPS',
      component: 'get_task',
      expiresAt: T0 + 30 * DAY,
      status: 'requested',
      requestedBy: 'dev',
      decidedBy: null,
      grantId: null,
    });
    expect(await grants.check('shop', 'BK_SOPS', 'get_task', T0 + 1)).toEqual({ denied: true });

    clock = T0 + 1000;
    const approved = await requests.approve(owner, filed.id, 'fine');
    expect(approved).toMatchObject({
      status: 'approved',
      decidedBy: 'owner',
      decidedAt: T0 + 1000,
      decisionReason: 'fine',
    });
    expect(approved.grantId).toMatch(/^grant/);
    const [grant] = await grants.list(admin, { app: 'shop', system: 'BK_SOPS' });
    expect(grant).toMatchObject({
      id: approved.grantId,
      component: 'get_task',
      expiresAt: T0 + 30 * DAY,
      grantedBy: 'owner',
    });
    expect(await grants.check('shop', 'BK_SOPS', 'get_task', T0 + 2000)).toBe('ok');
    // As the grant says: not another component, and not after its expiry.
    expect(await grants.check('shop', 'BK_SOPS', 'create_task', T0 + 2000)).toEqual({ denied: true });
    expect(await grants.check('shop', 'BK_SOPS', 'get_task', T0 + 31 * DAY)).toEqual({
      expired: T0 + 30 * DAY,
    });
    // Decided for good.
    await expect(requests.refuse(owner, filed.id, 'changed my mind')).rejects.toMatchObject({
      code: 'APIGW_REQUEST_DECIDED',
    });
    await expect(requests.withdraw(dev, filed.id)).rejects.toMatchObject({ code: 'APIGW_REQUEST_DECIDED' });
    // Asking again for the same is a new request (a renewal, say).
    const again = await requests.file(dev, {
      app: 'shop',
      system: 'BK_SOPS',
      component: 'get_task',
      reason: 'renew',
    });
    expect(again.id).not.toBe(filed.id);
    await requests.withdraw(dev, again.id);
  });

  it('keeps one open request per app and target, also when two replicas file at once', async () => {
    clock = T0;
    const body = { app: 'shop', system: 'BK_CMDB', reason: 'hosts' };
    const results = await Promise.allSettled([requests.file(dev, body), replica.file(teammate, body)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const open = (won[0] as PromiseFulfilledResult<{ id: string }>).value;
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({
      code: 'APIGW_REQUEST_PENDING',
      details: { request: open.id },
    });
    // Another target, or another app, is another request.
    const component = await requests.file(dev, { ...body, component: 'search_host' });
    const blog = await requests.file(stranger, { ...body, app: 'blog' });
    // Once decided, the same may be asked again.
    await requests.refuse(admin, open.id, 'ask for search_host only');
    const next = await requests.file(dev, body);
    for (const id of [component.id, blog.id, next.id]) await requests.withdraw(admin, id);
  });

  it('decides a request once when two replicas approve it at once, and writes one grant', async () => {
    clock = T0;
    const filed = await requests.file(dev, {
      app: 'shop',
      system: 'BK_SOPS',
      component: 'create_task',
      reason: 'x',
    });
    const results = await Promise.allSettled([
      requests.approve(owner, filed.id),
      replica.approve(admin, filed.id),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: 'APIGW_REQUEST_DECIDED' });
    const decided = await requests.get(admin, filed.id);
    expect(decided.status).toBe('approved');
    const written = (await grants.list(admin, { app: 'shop', system: 'BK_SOPS' })).filter(
      (g) => g.component === 'create_task',
    );
    expect(written.map((g) => g.id)).toEqual([decided.grantId]);
  });

  it('refuses targets that are not declared or need no permission, and bad expiries', async () => {
    clock = T0;
    const ask = (more: object) =>
      requests.file(dev, { app: 'shop', system: 'BK_SOPS', reason: 'x', ...more });
    await expect(ask({ system: 'NOPE' })).rejects.toMatchObject({ code: 'APIGW_SYSTEM_NOT_FOUND' });
    await expect(ask({ component: 'nope' })).rejects.toMatchObject({ code: 'APIGW_COMPONENT_NOT_FOUND' });
    await expect(ask({ component: 'ping' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(ask({ expiresAt: T0 - 1 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(requests.file(admin, { app: 'nope', system: 'BK_SOPS', reason: 'x' })).rejects.toMatchObject(
      {
        code: 'APP_NOT_FOUND',
      },
    );
    // An approval after the requested expiry would write a grant that never holds: refused.
    const late = await ask({ component: 'get_task', expiresAt: T0 + DAY });
    clock = T0 + 2 * DAY;
    await expect(requests.approve(admin, late.id)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await requests.get(admin, late.id)).status).toBe('requested');
    await requests.refuse(admin, late.id, 'expired before anyone looked');
  });

  it('lets members of the app file and withdraw, the owner and staff decide, and hides requests from others', async () => {
    clock = T0;
    const body = { app: 'shop', system: 'BK_SOPS', component: 'get_task', reason: 'x' } as const;
    // Filing: the app's developer members and staff; not a stranger or an auditor.
    await expect(requests.file(stranger, body)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(requests.file(auditor, body)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(requests.file(owner, body)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const filed = await requests.file(dev, body);
    // Seeing: the app's members, the owner app's members, staff and auditors; others get NOT_FOUND.
    for (const who of [dev, teammate, owner, admin, operator, auditor]) {
      expect((await requests.get(who, filed.id)).id).toBe(filed.id);
    }
    await expect(requests.get(stranger, filed.id)).rejects.toMatchObject({ code: 'APIGW_REQUEST_NOT_FOUND' });
    expect((await requests.list(stranger)).map((r) => r.id)).not.toContain(filed.id);
    expect((await requests.list(owner, { system: 'BK_SOPS' })).map((r) => r.id)).toContain(filed.id);
    // Deciding: the owner app's builders and staff; the requester cannot approve their own (they
    // may not grant), an auditor cannot, a stranger does not even see it.
    await expect(requests.approve(dev, filed.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(requests.approve(auditor, filed.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(requests.refuse(stranger, filed.id, 'no')).rejects.toMatchObject({
      code: 'APIGW_REQUEST_NOT_FOUND',
    });
    // Withdrawing: the requester, the app's members, staff; not the owner or an auditor.
    await expect(requests.withdraw(owner, filed.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(requests.withdraw(auditor, filed.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const withdrawn = await requests.withdraw(teammate, filed.id, 'not needed');
    expect(withdrawn).toMatchObject({
      status: 'withdrawn',
      decidedBy: 'mate',
      decisionReason: 'not needed',
      grantId: null,
    });
    // A BK_CMDB request (no owner) is staff's alone to decide.
    const cmdb = await requests.file(dev, { app: 'shop', system: 'BK_CMDB', reason: 'x' });
    await expect(requests.approve(owner, cmdb.id)).rejects.toMatchObject({ code: 'APIGW_REQUEST_NOT_FOUND' });
    expect((await requests.approve(operator, cmdb.id)).status).toBe('approved');
  });

  it('lists newest first, filtered by app, system and status', async () => {
    clock = T0 + 10 * DAY;
    // dev does not build blog.
    await expect(
      requests.file(dev, { app: 'blog', system: 'BK_SOPS', component: 'get_task', reason: 'a' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const first = await requests.file(stranger, {
      app: 'blog',
      system: 'BK_SOPS',
      component: 'get_task',
      reason: 'a',
    });
    clock += 1;
    const second = await requests.file(stranger, {
      app: 'blog',
      system: 'BK_SOPS',
      component: 'create_task',
      reason: 'b',
    });
    const mine = await requests.list(stranger, { app: 'blog', status: 'requested' });
    expect(mine.map((r) => r.id).slice(0, 2)).toEqual([second.id, first.id]);
    expect((await requests.list(admin, { status: 'approved' })).every((r) => r.status === 'approved')).toBe(
      true,
    );
    expect((await requests.list(admin, { system: 'BK_CMDB' })).every((r) => r.system === 'BK_CMDB')).toBe(
      true,
    );
    await requests.withdraw(stranger, first.id);
    await requests.withdraw(stranger, second.id);
  });

  it("tells the system's owner app of a filed request, and the calling app of the decision", async () => {
    clock = T0 + 20 * DAY;
    told.length = 0;
    const filed = await requests.file(dev, {
      app: 'shop',
      system: 'BK_SOPS',
      component: 'get_task',
      reason: 'status',
    });
    await requests.refuse(owner, filed.id, 'use the events instead');
    const again = await requests.file(dev, {
      app: 'shop',
      system: 'BK_SOPS',
      component: 'get_task',
      reason: 'please',
    });
    await requests.approve(admin, again.id);
    const cmdb = await requests.file(dev, { app: 'shop', system: 'BK_CMDB', reason: 'hosts' });
    await requests.withdraw(dev, cmdb.id);
    const common = { env: 'prod', caller: 'shop', system: 'BK_SOPS', component: 'get_task' };
    const url = 'https://console.example.com/apigw?tab=requests';
    expect(told).toEqual([
      {
        ...common,
        type: 'apigw.request.filed',
        app: 'sops',
        at: clock,
        actor: 'dev',
        requestId: filed.id,
        note: 'status',
        url,
      },
      {
        ...common,
        type: 'apigw.request.refused',
        app: 'shop',
        at: clock,
        actor: 'owner',
        requestId: filed.id,
        reason: 'use the events instead',
        url,
      },
      {
        ...common,
        type: 'apigw.request.filed',
        app: 'sops',
        at: clock,
        actor: 'dev',
        requestId: again.id,
        note: 'please',
        url,
      },
      {
        ...common,
        type: 'apigw.request.approved',
        app: 'shop',
        at: clock,
        actor: 'admin',
        requestId: again.id,
        url,
      },
      // BK_CMDB has no owner app to tell; a withdrawal tells nobody.
    ]);
  });

  it("lists a developer's requests also behind more than a list's worth of requests they may not see", async () => {
    clock = T0 + 30 * DAY;
    const mine = await requests.file(dev, {
      app: 'shop',
      system: 'BK_SOPS',
      component: 'get_task',
      reason: 'x',
    });
    const theirs = await requests.file(owner, {
      app: 'sops',
      system: 'BK_SOPS',
      component: 'get_task',
      reason: 'x',
    });
    // 600 newer requests of blog for BK_CMDB (no owner): neither dev nor owner sees them.
    const rows = Array.from({ length: 600 }, (_, n) => ({
      id: `preq_bulk_${String(n).padStart(4, '0')}`,
      app_code: 'blog',
      system_name: 'BK_CMDB',
      component_name: '',
      expires_at: null,
      reason: 'bulk',
      status: 'refused',
      open_key: null,
      requested_by: 'other',
      requested_by_id: 'u_other',
      created_at: clock + 1 + n,
      decided_by: 'admin',
      decided_at: clock + 1 + n,
      decision_reason: 'bulk',
      grant_id: null,
    }));
    await t.store.db.insertInto('apigw_permission_requests').values(rows).execute();
    // As the calling app's developer, and as the owner app's.
    expect((await requests.list(dev)).map((r) => r.id)).toContain(mine.id);
    expect((await requests.list(owner)).map((r) => r.id)).toEqual(
      expect.arrayContaining([mine.id, theirs.id]),
    );
    // Staff read the newest 500 of everything.
    expect(await requests.list(admin)).toHaveLength(500);
    await t.store.db.deleteFrom('apigw_permission_requests').where('reason', '=', 'bulk').execute();
    await requests.withdraw(dev, mine.id);
    await requests.withdraw(owner, theirs.id);
  });

  it('audits every step', async () => {
    const events = await t.store.db
      .selectFrom('audit_events')
      .select(['action', 'target_type'])
      .where('action', 'like', 'apigw.request.%')
      .execute();
    expect([...new Set(events.map((e) => `${e.action} ${e.target_type}`))].sort()).toEqual([
      'apigw.request.approve app',
      'apigw.request.file app',
      'apigw.request.refuse app',
      'apigw.request.withdraw app',
    ]);
  });

  it("forgets a deleted app's requests", async () => {
    clock = T0;
    const filed = await requests.file(admin, { app: 'gone', system: 'BK_SOPS', reason: 'x' });
    await requests.forget('gone');
    await expect(requests.get(admin, filed.id)).rejects.toMatchObject({ code: 'APIGW_REQUEST_NOT_FOUND' });
    // A new app of the code starts with no open request.
    const fresh = await requests.file(admin, { app: 'gone', system: 'BK_SOPS', reason: 'x' });
    await requests.withdraw(admin, fresh.id);
  });
});
