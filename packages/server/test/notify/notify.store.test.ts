// The notify module's queries on every store dialect: channels paged by name and unique by name,
// subscriptions written twice, events queued in the caller's transaction (or not at all), deliveries
// sent by real job workers to a real receiver, and what removing a channel or an app takes along.
import crypto from 'node:crypto';
import type { NotifyEvent } from '@berth/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSecretBox } from '../../src/crypto/secret-box.ts';
import { BerthError } from '../../src/errors.ts';
import { createAuditLog } from '../../src/identity/index.ts';
import { createJobWorkers, type JobWorkers } from '../../src/jobs/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { createNotify, type Notify } from '../../src/notify/index.ts';
import { codeOf } from '../identity/fixture.ts';
import { createJobsTestStore, type JobsTestStore } from '../jobs/helpers.ts';
import { testActor } from '../support/actors.ts';
import { testDialects } from '../support/databases.ts';
import { type Receiver, startReceiver } from './receiver.ts';

const SECRET = 'store-test-secret-0123456789';

const actor = testActor;
const admin = actor('root', 'admin');
const dev = actor('dev', 'developer');

describe.each(testDialects())('notify store on %s', (dialect) => {
  let t: JobsTestStore;
  let notify: Notify;
  let workers: JobWorkers;
  let receiver: Receiver;
  /** The apps `dev` may change (the injected authorisation). */
  const devApps = new Set(['shop']);

  beforeAll(async () => {
    t = await createJobsTestStore(dialect);
    receiver = await startReceiver();
    const queue = t.queue();
    notify = createNotify({
      store: t.store,
      queue,
      secretBox: createSecretBox(crypto.randomBytes(32)),
      audit: createAuditLog({ store: t.store }),
      logger: silentLogger(),
      authorize: async (who, _action, code) => {
        if (who.role !== 'admin' && !devApps.has(code)) throw new BerthError('APP_NOT_FOUND');
      },
      settings: { maxAttempts: 3, timeoutMs: 5000 },
    });
    workers = createJobWorkers({
      queue,
      handlers: notify.jobHandlers,
      logger: silentLogger(),
      concurrency: 2,
      pollMs: 25,
    });
    workers.start();
  });
  afterEach(() => {
    receiver.answer(200, { ok: true });
  });
  afterAll(async () => {
    await workers?.stop();
    await receiver?.close();
    await t?.close();
  });

  const event = (extra: Partial<NotifyEvent> = {}): NotifyEvent => ({
    type: 'deploy.failed',
    app: 'shop',
    env: 'stag',
    at: Date.now(),
    ...extra,
  });

  async function webhook(name: string): Promise<string> {
    const channel = await notify.channels.create(admin, {
      name,
      config: { kind: 'webhook', url: `${receiver.url}/${name}`, secret: SECRET },
    });
    return channel.id;
  }

  it('pages channels by name and keeps names unique', async () => {
    const ids = [await webhook('b-chan'), await webhook('a-chan'), await webhook('c-chan')];
    const first = await notify.channels.list(dev, { limit: 2 });
    expect(first.items.map((c) => c.name)).toEqual(['a-chan', 'b-chan']);
    expect(first.items[0]).toEqual({ id: ids[1], name: 'a-chan', kind: 'webhook', enabled: true });
    const second = await notify.channels.list(dev, { limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((c) => c.name)).toEqual(['c-chan']);
    expect(second.nextCursor).toBeUndefined();
    expect(await codeOf(webhook('a-chan'))).toBe('CHANNEL_NAME_TAKEN');
    expect(await codeOf(notify.channels.update(admin, ids[0]!, { name: 'c-chan' }))).toBe(
      'CHANNEL_NAME_TAKEN',
    );
    expect(
      await codeOf(
        notify.channels.create(dev, {
          name: 'x',
          config: { kind: 'webhook', url: receiver.url, secret: SECRET },
        }),
      ),
    ).toBe('FORBIDDEN');
    for (const id of ids) await notify.channels.remove(admin, id);
    expect((await notify.channels.list(admin)).items).toEqual([]);
  });

  it('keeps a secret sealed and changes only what a patch names', async () => {
    const id = await webhook('patched');
    const row = await t.store.db
      .selectFrom('notify_channels')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(SECRET);
    expect(JSON.stringify(row)).not.toContain('/patched');
    const changed = await notify.channels.update(admin, id, {
      language: 'zh-CN',
      config: { kind: 'webhook', url: `${receiver.url}/moved` },
    });
    expect(changed).toMatchObject({
      language: 'zh-CN',
      config: { kind: 'webhook', url: `${receiver.url}/…`, secretSet: true },
    });
    await notify.subscriptions.put(admin, 'shop', id, { events: ['deploy.failed'] });
    const [deliveryId] = await t.store.db.transaction().execute((trx) => notify.notifier.emit(trx, event()));
    await vi.waitFor(
      async () => {
        const page = await notify.subscriptions.deliveries(admin, 'shop');
        expect(page.items.find((d) => d.id === deliveryId)?.status).toBe('sent');
      },
      { timeout: 20_000, interval: 25 },
    );
    // The old secret still signs (it was kept); the new URL is used.
    const request = receiver.requests.find((r) => r.headers['berth-delivery'] === deliveryId)!;
    expect(request.url).toBe('/moved');
    expect(JSON.parse(request.raw).language).toBe('zh-CN');
    await notify.channels.remove(admin, id);
  });

  it('writes a subscription twice as one, and queues only what it asks for, only when the caller commits', async () => {
    const id = await webhook('events');
    await notify.subscriptions.put(dev, 'shop', id, { events: ['deploy.succeeded'], envs: ['prod'] });
    const again = await notify.subscriptions.put(dev, 'shop', id, {
      events: ['deploy.failed', 'instance.crashloop'],
      envs: ['prod', 'stag'],
    });
    expect(again).toMatchObject({
      events: ['deploy.failed', 'instance.crashloop'],
      envs: ['stag', 'prod'],
      createdBy: 'dev',
    });
    expect((await notify.subscriptions.list(dev, 'shop')).items).toEqual([again]);
    expect(await codeOf(notify.subscriptions.put(dev, 'other', id, { events: ['deploy.failed'] }))).toBe(
      'APP_NOT_FOUND',
    );
    expect(
      await codeOf(notify.subscriptions.put(dev, 'shop', 'chn_none', { events: ['deploy.failed'] })),
    ).toBe('CHANNEL_NOT_FOUND');

    const db = t.store.db;
    expect(
      await db.transaction().execute((trx) => notify.notifier.emit(trx, event({ type: 'deploy.succeeded' }))),
    ).toEqual([]);
    let rolledBack: string[] = [];
    await expect(
      db.transaction().execute(async (trx) => {
        rolledBack = await notify.notifier.emit(trx, event());
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(rolledBack).toHaveLength(1);
    expect(
      await db.selectFrom('notify_deliveries').select('id').where('id', '=', rolledBack[0]!).execute(),
    ).toEqual([]);
    expect(
      await db
        .selectFrom('jobs')
        .select('id')
        .where('kind', '=', 'notify')
        .where('payload', 'like', `%${rolledBack[0]}%`)
        .execute(),
    ).toEqual([]);

    const [kept] = await db
      .transaction()
      .execute((trx) => notify.notifier.emit(trx, event({ type: 'instance.crashloop' })));
    await vi.waitFor(
      async () => {
        const d = (await notify.subscriptions.deliveries(dev, 'shop')).items.find((x) => x.id === kept);
        expect(d).toMatchObject({ status: 'sent', attempts: 1, channelName: 'events' });
      },
      { timeout: 20_000, interval: 25 },
    );
    await expect(
      notify.notifier.emit(db, { type: 'deploy.failed', app: 'shop' } as NotifyEvent),
    ).rejects.toThrow(/not a notify event/);
    await notify.channels.remove(admin, id);
    expect((await notify.subscriptions.list(dev, 'shop')).items).toEqual([]);
    expect(
      (await notify.subscriptions.deliveries(dev, 'shop')).items.filter((d) => d.channelId === id),
    ).toEqual([]);
  });

  it('retries a failing receiver and records the last error, then fails after the last attempt', async () => {
    receiver.answer(503, { busy: true });
    const id = await webhook('busy');
    await notify.subscriptions.put(admin, 'shop', id, { events: ['deploy.failed'] });
    const [deliveryId] = await t.store.db.transaction().execute((trx) => notify.notifier.emit(trx, event()));
    const failed = await vi.waitFor(
      async () => {
        const d = (await notify.subscriptions.deliveries(admin, 'shop')).items.find(
          (x) => x.id === deliveryId,
        );
        expect(d?.status).toBe('failed');
        return d!;
      },
      { timeout: 20_000, interval: 25 },
    );
    expect(failed).toMatchObject({ attempts: 3, lastError: 'the receiver answered 503', sentAt: null });
    expect(receiver.requests.filter((r) => r.headers['berth-delivery'] === deliveryId)).toHaveLength(3);
    await notify.channels.remove(admin, id);
  });

  it('forgets apps that are gone', async () => {
    const id = await webhook('forget');
    devApps.add('gone');
    await notify.subscriptions.put(dev, 'gone', id, { events: ['deploy.failed'] });
    await notify.subscriptions.put(dev, 'shop', id, { events: ['deploy.failed'] });
    await t.store.db.transaction().execute((trx) => notify.notifier.emit(trx, event({ app: 'gone' })));
    await notify.forgetMissingApps(new Set(['shop']));
    const db = t.store.db;
    expect(
      await db.selectFrom('notify_subscriptions').select('app_code').where('channel_id', '=', id).execute(),
    ).toEqual([{ app_code: 'shop' }]);
    expect(
      await db.selectFrom('notify_deliveries').select('id').where('app_code', '=', 'gone').execute(),
    ).toEqual([]);
    await notify.appDeleted('shop');
    expect(
      await db.selectFrom('notify_subscriptions').select('app_code').where('channel_id', '=', id).execute(),
    ).toEqual([]);
    await notify.channels.remove(admin, id);
  });
});
