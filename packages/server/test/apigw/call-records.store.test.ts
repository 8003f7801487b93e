// The call records on every store dialect: two recorders (two replicas, on pools of their own where
// the dialect allows) count calls of the same minute, each writes only its own row and the stats sum
// them; flushing again without new calls changes nothing; a minute that left memory and gets a late
// call adds to its row; each (system, component) keeps its last 20 errors; names differ by case;
// the purge removes what is older than the retention; close() writes what is left. Batches of the
// gateway's workers: calls counted by two workers' batchers (sent as JSON) and absorbed by a
// recorder, with calls it recorded itself, give the same rows and errors as recording every call
// there (names and messages cut alike); a batch's minute that left memory adds to its row; the
// errors of batches and of the recorder keep the newest 20 per component.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CallRecord,
  type CallRecorder,
  createCallRecorder,
  KEPT_ERRORS,
  MINUTE_MS,
  type RecordBatch,
} from '../../src/apigw/call-records.ts';
import { createCallStats } from '../../src/apigw/call-stats.ts';
import { createRecordBatcher, type RecordBatcher } from '../../src/apigw/record-batches.ts';
import { purgeCallRecords } from '../../src/apigw/records-purge.ts';
import { silentLogger } from '../../src/logger.ts';
import type { Store } from '../../src/store/store.ts';
import { createJobsTestStore, type JobsTestStore } from '../jobs/helpers.ts';
import { testDialects } from '../support/databases.ts';
import { callRecord } from './fixtures.ts';

/** A minute's start, and a clock the recorders share. */
const T0 = Date.UTC(2026, 11, 13, 10, 0, 0);
const DAY = 86_400_000;

describe.each(testDialects())('API gateway call records on %s', (dialect) => {
  let t: JobsTestStore;
  let other: Store;
  let clock = T0;
  const now = () => clock;
  const recorders: CallRecorder[] = [];

  function recorder(replica: string, store: Store = t.store): CallRecorder {
    // The timer never fires in a test: flush() is called where the test wants it.
    const r = createCallRecorder({ db: store.db, replica, logger: silentLogger(), flushMs: 3_600_000, now });
    recorders.push(r);
    return r;
  }

  function call(overrides: Partial<CallRecord> = {}): CallRecord {
    return callRecord(clock, overrides);
  }

  const stats = (query: { system?: string; component?: string; app?: string } = {}, sinceMs = DAY) =>
    createCallStats({ db: t.store.db }).stats({ ...query, sinceMs, now: clock });

  const rows = () =>
    t.store.db
      .selectFrom('apigw_call_records')
      .selectAll()
      .orderBy('bucket_start')
      .orderBy('system')
      .orderBy('component')
      .orderBy('app')
      .orderBy('replica')
      .execute();

  beforeAll(async () => {
    t = await createJobsTestStore(dialect);
    other = t.openAnother();
  }, 60_000);
  beforeEach(async () => {
    clock = T0;
    await t.store.db.deleteFrom('apigw_call_records').execute();
    await t.store.db.deleteFrom('apigw_call_errors').execute();
  });
  afterAll(async () => {
    for (const r of recorders) await r.close();
    await t?.close();
  });

  it('sums the rows two replicas write for the same minute; a flush without new calls changes nothing', async () => {
    const a = recorder('host-a/1/aaaaaa');
    const b = recorder('host-b/2/bbbbbb', other);
    for (let i = 1; i <= 10; i++) a.record(call({ durationMs: i, at: T0 + i * 1000 }));
    a.record(
      call({
        status: 404,
        durationMs: 3,
        code: 'APIGW_COMPONENT_NOT_FOUND',
        message: 'no such',
        at: T0 + 20_000,
      }),
    );
    for (let i = 1; i <= 5; i++) b.record(call({ durationMs: 100 * i, at: T0 + 30_000 }));
    b.record(call({ status: 502, durationMs: 2000, requestId: 'req-b', at: T0 + 10_000 }));
    b.record(call({ app: 'blog', status: 302, durationMs: 1 }));
    await Promise.all([a.flush(), b.flush()]);

    const written = await rows();
    expect(written.map((r) => [Number(r.bucket_start), r.app, r.replica, Number(r.calls)])).toEqual([
      [T0, 'blog', 'host-b/2/bbbbbb', 1],
      [T0, 'shop', 'host-a/1/aaaaaa', 11],
      [T0, 'shop', 'host-b/2/bbbbbb', 6],
    ]);
    const items = await stats();
    expect(items.map((s) => [s.system, s.component, s.app, s.calls])).toEqual([
      ['BK_SOPS', 'get_task', 'blog', 1],
      ['BK_SOPS', 'get_task', 'shop', 17],
    ]);
    const shop = items[1]!;
    expect(shop.status).toEqual({ '2xx': 15, '3xx': 0, '4xx': 1, '5xx': 1 });
    expect(shop.errors).toBe(2);
    expect(shop.errorRate).toBeCloseTo(2 / 17, 4);
    expect(shop.latencyMs.max).toBe(2000);
    // 1..10, 3, 100..500, 2000 ms: the 9th of 17 is 8 ms.
    expect(shop.latencyMs.p50).toBeGreaterThan(8 * 0.77);
    expect(shop.latencyMs.p50).toBeLessThan(8 * 1.29);
    expect(shop.lastErrors.map((e) => [e.status, e.code, e.requestId])).toEqual([
      [404, 'APIGW_COMPONENT_NOT_FOUND', 'req-1'],
      [502, undefined, 'req-b'],
    ]);
    expect(items[0]!.lastErrors).toEqual([]);

    // Again, with nothing new: the same rows, the same errors.
    await Promise.all([a.flush(), b.flush()]);
    expect(await rows()).toEqual(written);
    expect(await stats()).toEqual(items);
    // More calls: each replica's row holds its own running total.
    a.record(call({ durationMs: 1 }));
    await a.flush();
    expect((await rows()).map((r) => Number(r.calls))).toEqual([1, 12, 6]);
    expect((await stats({ app: 'shop' }))[0]!.calls).toBe(18);
  });

  it('filters by system, component and app, and counts only the window', async () => {
    const a = recorder('host-a/1/filters');
    a.record(call({ at: T0 - 2 * 3_600_000 }));
    a.record(call({ component: 'create_task', app: 'blog' }));
    a.record(call({ system: 'BK_CMDB', component: 'search_host' }));
    await a.flush();
    clock = T0 + 30_000;
    expect((await stats({}, 3_600_000)).map((s) => [s.system, s.component, s.app, s.calls])).toEqual([
      ['BK_CMDB', 'search_host', 'shop', 1],
      ['BK_SOPS', 'create_task', 'blog', 1],
    ]);
    expect((await stats()).find((s) => s.component === 'get_task')?.calls).toBe(1);
    expect((await stats({ system: 'BK_SOPS' })).map((s) => s.component)).toEqual(['create_task', 'get_task']);
    expect((await stats({ component: 'search_host' })).map((s) => s.system)).toEqual(['BK_CMDB']);
    expect((await stats({ app: 'blog' })).map((s) => s.component)).toEqual(['create_task']);
    expect(
      await createCallStats({ db: t.store.db }).stats({ apps: ['blog'], sinceMs: DAY, now: clock }),
    ).toHaveLength(1);
    expect(await createCallStats({ db: t.store.db }).stats({ apps: [], sinceMs: DAY, now: clock })).toEqual(
      [],
    );
  });

  it('tells names apart by case', async () => {
    const a = recorder('host-a/1/casing');
    a.record(call({ system: 'BK_SOPS' }));
    a.record(call({ system: 'bk_sops' }));
    a.record(call({ system: 'bk_sops', status: 500 }));
    await a.flush();
    expect((await stats()).map((s) => [s.system, s.calls])).toEqual([
      ['BK_SOPS', 1],
      ['bk_sops', 2],
    ]);
    expect((await stats({ system: 'bk_sops' }))[0]!.lastErrors).toHaveLength(1);
  });

  it('adds a late call of a minute that left memory to its row', async () => {
    const a = recorder('host-a/1/late');
    a.record(call({ durationMs: 5 }));
    a.record(call({ durationMs: 7 }));
    await a.flush();
    // Ten minutes on, a flush lets the minute go; then a long call started in it ends.
    clock = T0 + 10 * MINUTE_MS;
    a.record(call({ at: clock }));
    await a.flush();
    a.record(call({ at: T0 + 59_000, durationMs: 45_000, status: 504, code: 'APIGW_DEST_TIMEOUT' }));
    await a.flush();
    const written = await rows();
    expect(written.map((r) => [Number(r.bucket_start), Number(r.calls), Number(r.errors)])).toEqual([
      [T0, 3, 1],
      [T0 + 10 * MINUTE_MS, 1, 0],
    ]);
    expect(Number(written[0]!.latency_max_us)).toBe(45_000_000);
    // And flushing again still changes nothing.
    await a.flush();
    expect(await rows()).toEqual(written);
  });

  it("keeps each component's last 20 errors, of every replica", async () => {
    const a = recorder('host-a/1/errors');
    const b = recorder('host-b/2/errors', other);
    for (let i = 0; i < 15; i++) {
      a.record(call({ status: 503, at: T0 + i * 10, requestId: `a-${i}`, message: `down ${i}` }));
    }
    a.record(call({ component: 'other', status: 500, requestId: 'keep-me' }));
    await a.flush();
    for (let i = 15; i < 30; i++) {
      b.record(call({ status: 429, code: 'APIGW_RATE_LIMITED', at: T0 + i * 10, requestId: `b-${i}` }));
    }
    await b.flush();
    const kept = await t.store.db
      .selectFrom('apigw_call_errors')
      .select(['request_id', 'component'])
      .orderBy('at', 'desc')
      .execute();
    expect(kept.filter((e) => e.component === 'get_task').map((e) => e.request_id)).toEqual([
      ...Array.from({ length: 15 }, (_, i) => `b-${29 - i}`),
      ...Array.from({ length: 5 }, (_, i) => `a-${14 - i}`),
    ]);
    expect(kept.filter((e) => e.component === 'other').map((e) => e.request_id)).toEqual(['keep-me']);
    const item = (await stats({ component: 'get_task' }))[0]!;
    expect(item.errors).toBe(30);
    expect(item.lastErrors).toHaveLength(20);
    expect(item.lastErrors[0]).toEqual({
      at: T0 + 290,
      status: 429,
      code: 'APIGW_RATE_LIMITED',
      requestId: 'b-29',
    });
    expect(item.lastErrors.at(-1)).toEqual({
      at: T0 + 100,
      status: 503,
      message: 'down 10',
      requestId: 'a-10',
    });
  });

  it('cuts a long message to 500 characters', async () => {
    const a = recorder('host-a/1/message');
    a.record(call({ status: 500, message: `${'é'.repeat(499)}😀😀 and more` }));
    await a.flush();
    const [e] = (await stats())[0]!.lastErrors;
    expect(Array.from(e!.message!)).toHaveLength(500);
    expect(e!.message!.endsWith('é😀')).toBe(true);
  });

  /** A worker's batcher whose batches cross a JSON channel into `into` (flushed by the test). */
  function worker(into: CallRecorder): RecordBatcher {
    return createRecordBatcher({
      send: (batch) => into.absorb(JSON.parse(JSON.stringify(batch)) as RecordBatch),
      everyMs: 3_600_000,
    });
  }

  const errorRows = async () =>
    (
      await t.store.db
        .selectFrom('apigw_call_errors')
        .selectAll()
        .orderBy('at')
        .orderBy('request_id')
        .execute()
    ).map(({ id: _id, ...rest }) => rest);

  it('stores a worker’s absorbed batches as it stores the same calls recorded itself', async () => {
    const long = (name: string, width: number) => `${name}${'x'.repeat(width)}`;
    const calls: CallRecord[] = [];
    for (let i = 0; i < 40; i++) {
      calls.push(
        call({
          component: ['get_task', 'create_task', long('c', 130), long('c', 140)][i % 4]!,
          app: i % 3 ? 'shop' : long('app', 70),
          system: i % 5 ? 'BK_SOPS' : long('S', 66),
          status: [200, 201, 302, 404, 429, 500, 502][i % 7]!,
          ...(i % 7 === 4 ? { code: 'APIGW_RATE_LIMITED' } : {}),
          ...(i % 7 >= 5 ? { message: `${'é'.repeat(600)} ${i}` } : {}),
          durationMs: (i * 37) % 3000,
          requestId: `req-${i}`,
          at: T0 + i * 3000, // two minutes
        }),
      );
    }
    // Every call recorded by one recorder.
    const direct = recorder('host-a/1/batches');
    for (const c of calls) direct.record(c);
    await direct.flush();
    const expected = { rows: await rows(), errors: await errorRows() };
    expect(expected.rows.length).toBeGreaterThan(4);
    expect(expected.errors.length).toBeGreaterThan(4);
    await t.store.db.deleteFrom('apigw_call_records').execute();
    await t.store.db.deleteFrom('apigw_call_errors').execute();

    // The same calls spread over the recorder and two workers, each worker sending two batches.
    const primary = recorder('host-a/1/batches');
    const w1 = worker(primary);
    const w2 = worker(primary);
    calls.forEach((c, i) => {
      [primary, w1, w2][i % 3]!.record(c);
      if (i === 20) w1.flush();
    });
    w1.flush();
    w2.close();
    await primary.flush();
    expect(await rows()).toEqual(expected.rows);
    expect(await errorRows()).toEqual(expected.errors);
  });

  it('adds an absorbed minute that left memory to its row', async () => {
    const a = recorder('host-a/1/late-batch');
    a.record(call({ durationMs: 5 }));
    await a.flush();
    clock = T0 + 10 * MINUTE_MS;
    a.record(call({ at: clock }));
    await a.flush();
    const w = worker(a);
    w.record(call({ at: T0 + 59_000, durationMs: 45_000, status: 504, code: 'APIGW_DEST_TIMEOUT' }));
    w.record(call({ at: T0 + 59_500, durationMs: 7 }));
    w.flush();
    await a.flush();
    const written = await rows();
    expect(written.map((r) => [Number(r.bucket_start), Number(r.calls), Number(r.errors)])).toEqual([
      [T0, 3, 1],
      [T0 + 10 * MINUTE_MS, 1, 0],
    ]);
    expect(Number(written[0]!.latency_max_us)).toBe(45_000_000);
  });

  it(`keeps each component's newest ${KEPT_ERRORS} errors of batches and of the recorder's own calls`, async () => {
    const a = recorder('host-a/1/batch-errors');
    const w1 = worker(a);
    const w2 = worker(a);
    for (let i = 0; i < 30; i++) w1.record(call({ status: 500, at: T0 + i, requestId: `w1-${i}` }));
    for (let i = 30; i < 40; i++) w2.record(call({ status: 503, at: T0 + i, requestId: `w2-${i}` }));
    for (let i = 40; i < 45; i++) a.record(call({ status: 502, at: T0 + i, requestId: `a-${i}` }));
    w2.record(call({ component: 'other', status: 500, requestId: 'other' }));
    w1.flush();
    w2.flush();
    await a.flush();
    const kept = await errorRows();
    expect(kept.filter((e) => e.component === 'get_task').map((e) => e.request_id)).toEqual([
      ...Array.from({ length: 5 }, (_, i) => `w1-${25 + i}`),
      ...Array.from({ length: 10 }, (_, i) => `w2-${30 + i}`),
      ...Array.from({ length: 5 }, (_, i) => `a-${40 + i}`),
    ]);
    expect(kept.filter((e) => e.component === 'other').map((e) => e.request_id)).toEqual(['other']);
    expect((await stats({ component: 'get_task' }))[0]).toMatchObject({ calls: 45, errors: 45 });
  });

  it('purges minutes and errors older than the retention', async () => {
    const a = recorder('host-a/1/purge');
    const old = T0 - 8 * DAY;
    a.record(call({ at: old, status: 500 }));
    a.record(call({ at: T0 - 7 * DAY + MINUTE_MS, status: 500, requestId: 'young' }));
    a.record(call({ at: T0, status: 500, requestId: 'now' }));
    await a.flush();
    const gone = await purgeCallRecords(t.store.db, { retentionMs: 7 * DAY, now: T0 });
    expect(gone).toEqual({ records: 1, errors: 1 });
    expect((await rows()).map((r) => Number(r.bucket_start))).toEqual([T0 - 7 * DAY + MINUTE_MS, T0]);
    const left = await t.store.db
      .selectFrom('apigw_call_errors')
      .select('request_id')
      .orderBy('at')
      .execute();
    expect(left.map((e) => e.request_id)).toEqual(['young', 'now']);
    expect(await purgeCallRecords(t.store.db, { retentionMs: 7 * DAY, now: T0 })).toEqual({
      records: 0,
      errors: 0,
    });
  });

  it('writes what is left on close(), and counts nothing after', async () => {
    const a = recorder('host-a/1/close');
    a.record(call());
    a.record(call({ status: 500 }));
    await a.close();
    expect((await stats())[0]).toMatchObject({ calls: 2, errors: 1 });
    a.record(call());
    await a.close();
    await a.flush();
    expect((await stats())[0]!.calls).toBe(2);
  });
});
