// A gateway worker's batches of call records: calls are counted per (minute, system, component,
// app) as the recorder counts them, errors by the recorder's rule; a batch keeps the newest 20
// errors per (system, component) and survives JSON; nothing is sent when nothing was counted; the
// timer sends every `everyMs` (1 s by default); close() sends what is left and nothing is counted
// after.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CallRecord, KEPT_ERRORS, MINUTE_MS, type RecordBatch } from '../../src/apigw/call-records.ts';
import { addCall, emptyTotals } from '../../src/apigw/call-totals.ts';
import { createRecordBatcher } from '../../src/apigw/record-batches.ts';
import { callRecord } from './fixtures.ts';

const T0 = Date.UTC(2026, 11, 13, 10, 0, 0);

function call(overrides: Partial<CallRecord> = {}): CallRecord {
  return callRecord(T0, overrides);
}

describe('record batches of a gateway worker', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts calls per minute, system, component and app, and sends them on flush', () => {
    const sent: RecordBatch[] = [];
    const batcher = createRecordBatcher({ send: (b) => sent.push(b), everyMs: 3_600_000 });
    batcher.flush();
    expect(sent).toEqual([]);
    batcher.record(call({ durationMs: 3 }));
    batcher.record(call({ status: 502, durationMs: 40, requestId: 'req-2', at: T0 + 59_999 }));
    batcher.record(call({ status: 429, code: 'APIGW_RATE_LIMITED', requestId: 'req-3', at: T0 + 60_000 }));
    batcher.record(call({ app: 'blog', status: 404 }));
    batcher.flush();
    expect(sent).toHaveLength(1);
    const [batch] = sent as [RecordBatch];
    const first = emptyTotals();
    addCall(first, { status: 200, durationMs: 3, error: false });
    addCall(first, { status: 502, durationMs: 40, error: true });
    const second = emptyTotals();
    addCall(second, { status: 429, durationMs: 12, error: true });
    const blog = emptyTotals();
    addCall(blog, { status: 404, durationMs: 12, error: false });
    const names = { system: 'BK_SOPS', component: 'get_task' };
    expect(batch.minutes).toEqual([
      { bucket: T0, ...names, app: 'shop', totals: first },
      { bucket: T0 + MINUTE_MS, ...names, app: 'shop', totals: second },
      { bucket: T0, ...names, app: 'blog', totals: blog },
    ]);
    expect(batch.errors.map((e) => e.requestId)).toEqual(['req-2', 'req-3']);
    expect(JSON.parse(JSON.stringify(batch))).toEqual(batch);
    // What was sent is not sent again.
    batcher.flush();
    expect(sent).toHaveLength(1);
  });

  it(`keeps the newest ${KEPT_ERRORS} errors of each component in a batch`, () => {
    const sent: RecordBatch[] = [];
    const batcher = createRecordBatcher({ send: (b) => sent.push(b), everyMs: 3_600_000 });
    for (let i = 0; i < 30; i++) batcher.record(call({ status: 500, at: T0 + i, requestId: `e-${i}` }));
    batcher.record(call({ component: 'other', status: 503, requestId: 'other' }));
    batcher.flush();
    const errors = sent[0]!.errors;
    expect(errors.filter((e) => e.component === 'get_task').map((e) => e.requestId)).toEqual(
      Array.from({ length: KEPT_ERRORS }, (_, i) => `e-${10 + i}`),
    );
    expect(errors.filter((e) => e.component === 'other').map((e) => e.requestId)).toEqual(['other']);
    // The calls all count, though.
    expect(sent[0]!.minutes.find((m) => m.component === 'get_task')!.totals).toMatchObject({
      calls: 30,
      errors: 30,
    });
  });

  it('sends a batch every second by default, only when it counted something', () => {
    vi.useFakeTimers();
    const sent: RecordBatch[] = [];
    const batcher = createRecordBatcher({ send: (b) => sent.push(b) });
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(0);
    batcher.record(call());
    vi.advanceTimersByTime(999);
    expect(sent).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(1);
    batcher.record(call({ at: T0 + 1000 }));
    batcher.record(call({ at: T0 + 2000 }));
    vi.advanceTimersByTime(1000);
    expect(sent.map((b) => b.minutes[0]!.totals.calls)).toEqual([1, 2]);
    batcher.close();
  });

  it('sends what is left on close(), then counts nothing and sends no more', () => {
    vi.useFakeTimers();
    const sent: RecordBatch[] = [];
    const batcher = createRecordBatcher({ send: (b) => sent.push(b), everyMs: 10 });
    batcher.record(call());
    batcher.close();
    expect(sent).toHaveLength(1);
    batcher.record(call());
    batcher.flush();
    vi.advanceTimersByTime(100);
    batcher.close();
    expect(sent).toHaveLength(1);
  });
});
