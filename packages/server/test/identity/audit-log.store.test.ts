import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/identity/index.ts';
import { testDialects } from '../support/databases.ts';
import { adminActor, codeOf, createIdentityFixture, type IdentityFixture, makeUser } from './fixture.ts';

describe.each(testDialects())('audit log (%s)', (dialect) => {
  let f: IdentityFixture;
  let admin: Actor;
  let t0: number;

  beforeAll(async () => {
    f = await createIdentityFixture(dialect);
    admin = await adminActor(f.identity);
    // a fixed history, one event per second, on top of the bootstrap's user.create
    f.clock.advance(1000);
    t0 = f.clock.now;
    const other: Actor = { ...admin, userId: 'usr_other', username: 'robot', ip: '10.9.9.9' };
    for (let i = 0; i < 30; i++) {
      await f.audit.record(f.store.db, {
        actor: i % 3 === 0 ? other : admin,
        action: i % 2 === 0 ? 'app.deploy' : 'app_x.create',
        targetType: i % 5 === 0 ? 'app' : 'job',
        targetId: `t${i % 4}`,
        detail: { i, nested: { ok: true } },
      });
      f.clock.advance(1000);
    }
  });
  afterAll(async () => f?.close());

  it('records who, what, when and from where', async () => {
    const { events } = await f.audit.list(admin, { limit: 1 });
    expect(events[0]).toEqual({
      id: expect.stringMatching(/^aud_/),
      at: t0 + 29_000,
      actorId: admin.userId,
      actorName: 'admin',
      action: 'app_x.create',
      targetType: 'job',
      targetId: 't1',
      ip: '127.0.0.1',
      detail: { i: 29, nested: { ok: true } },
    });
  });

  it('lists newest first and pages with a cursor', async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await f.audit.list(admin, { limit: 7, since: t0, ...(cursor ? { cursor } : {}) });
      seen.push(...page.events.map((e) => e.detail?.['i'] as number));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, k) => 29 - k));
    expect(await codeOf(f.audit.list(admin, { cursor: 'garbage' }))).toBe('INVALID_CURSOR');
  });

  it('filters by actor, action prefix, target, time range and limit', async () => {
    const ids = async (filter: Parameters<typeof f.audit.list>[1]) =>
      (await f.audit.list(admin, { since: t0, ...filter })).events.map((e) => e.detail?.['i']);
    expect(await ids({ actor: 'robot' })).toEqual([27, 24, 21, 18, 15, 12, 9, 6, 3, 0]);
    expect(await ids({ action: 'app.' })).toEqual([28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0]);
    // "_" is not a wildcard: app_ matches app_x.create only, "app" matches both
    expect((await ids({ action: 'app_' })).length).toBe(15);
    expect((await ids({ action: 'app' })).length).toBe(30);
    expect(await ids({ action: 'ap%' })).toEqual([]);
    expect(await ids({ targetType: 'app' })).toEqual([25, 20, 15, 10, 5, 0]);
    expect(await ids({ targetType: 'job', targetId: 't0' })).toEqual([28, 24, 16, 12, 8, 4]);
    expect(await ids({ since: t0 + 10_000, until: t0 + 13_000 })).toEqual([12, 11, 10]);
    expect(await ids({ limit: 2 })).toEqual([29, 28]);
    const bootstrap = await f.audit.list(admin, { actor: 'system' });
    expect(bootstrap.events.map((e) => e.action)).toEqual(['user.create']);
  });

  it('is readable by admins and auditors only', async () => {
    const auditor = await makeUser(f.identity, 'reader', 'auditor');
    expect((await f.audit.list(auditor, { limit: 1 })).events).toHaveLength(1);
    for (const role of ['operator', 'developer'] as const) {
      const actor = await makeUser(f.identity, `no-${role}`, role);
      expect(await codeOf(f.audit.list(actor))).toBe('FORBIDDEN');
    }
  });

  it('writes nothing when the transaction of the change rolls back', async () => {
    const before = (await f.audit.list(admin, { action: 'rollback' })).events.length;
    await expect(
      f.store.db.transaction().execute(async (trx) => {
        await f.audit.record(trx, { actor: admin, action: 'rollback.test', targetType: 'x', targetId: '1' });
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    expect((await f.audit.list(admin, { action: 'rollback' })).events.length).toBe(before);
  });
});
