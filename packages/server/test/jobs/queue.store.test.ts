// The job queue and its workers at service level, on every store dialect under test.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isBerthError } from '../../src/errors.ts';
import {
  createJobWorkers,
  JobAbortedError,
  type JobContext,
  type JobHandlers,
  type JobQueue,
  type JobWorkers,
  permanentFailure,
  WORKER_LOST,
} from '../../src/jobs/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { testDialects } from '../support/databases.ts';
import {
  aborted,
  createJobsTestStore,
  deferred,
  type JobsTestStore,
  waitFor,
  waitForStatus,
} from './helpers.ts';

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    if (isBerthError(err)) return err.code;
    throw err;
  }
  return undefined;
}

describe.each(testDialects())('job queue on %s', (dialect) => {
  let t: JobsTestStore;
  const workers: JobWorkers[] = [];
  beforeAll(async () => {
    t = await createJobsTestStore(dialect);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });
  afterAll(async () => {
    await t?.close();
  });

  function startWorkers(
    queue: JobQueue,
    handlers: JobHandlers,
    options: { concurrency?: number; owner?: string; stopGraceMs?: number } = {},
  ): JobWorkers {
    const w = createJobWorkers({
      queue,
      handlers,
      logger: silentLogger(),
      concurrency: options.concurrency ?? 2,
      pollMs: 25,
      owner: options.owner,
      stopGraceMs: options.stopGraceMs,
    });
    workers.push(w);
    w.start();
    return w;
  }

  it('enqueues, leases with a compare-and-set, and completes', async () => {
    const queue = t.queue();
    const job = await queue.enqueue('basic.manual', { n: 1 }, { appCode: 'shop' });
    expect(job).toMatchObject({
      kind: 'basic.manual',
      appCode: 'shop',
      key: null,
      status: 'queued',
      attempts: 0,
      maxAttempts: 3,
      payload: { n: 1 },
      state: null,
      result: null,
      cancelRequested: false,
    });
    expect(await queue.get(job.id)).toEqual(job);

    const [leased, ...more] = await queue.lease({ owner: 'w1', kinds: ['basic.manual'], limit: 5 });
    expect(more).toEqual([]);
    expect(leased!.job).toMatchObject({ id: job.id, status: 'running', attempts: 1, leaseOwner: 'w1' });
    expect(leased!.job.leaseExpiresAt).toBeGreaterThan(Date.now());
    expect(leased!.lease).toEqual({ jobId: job.id, owner: 'w1', attempt: 1 });
    // Nobody else gets it while the lease holds.
    expect(await queue.lease({ owner: 'w2', kinds: ['basic.manual'] })).toEqual([]);
    expect(await queue.heartbeat(leased!.lease)).toEqual({ held: true, cancelRequested: false });

    const done = await queue.complete(leased!.lease, { ok: true });
    expect(done).toMatchObject({ status: 'succeeded', result: { ok: true }, leaseOwner: null });
    expect(done!.finishedAt).toBeGreaterThanOrEqual(done!.startedAt!);
    // A finished attempt can neither complete again nor heartbeat.
    expect(await queue.complete(leased!.lease, { again: true })).toBeNull();
    expect(await queue.heartbeat(leased!.lease)).toEqual({ held: false, cancelRequested: false });
    expect((await queue.get(job.id)).result).toEqual({ ok: true });
  });

  it('two queues racing for the same jobs lease each one exactly once', async () => {
    const a = t.queue();
    const b = createJobsQueueOn(t, 'another');
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add((await a.enqueue('race.manual', { i })).id);
    const leased = (
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? a : b).lease({ owner: `w${i}`, kinds: ['race.manual'], limit: 5 }),
        ),
      )
    ).flat();
    const again = await a.lease({ owner: 'late', kinds: ['race.manual'], limit: 50 });
    const all = [...leased, ...again].map((l) => l.job.id);
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all)).toEqual(ids);
  });

  it('runs handlers: payload, attempt, durable logs and the result', async () => {
    const queue = t.queue();
    const job = await queue.enqueue('run.simple', { name: 'x' });
    startWorkers(queue, {
      'run.simple': async (ctx) => {
        await ctx.log('hello');
        await ctx.log('careful', 'warn');
        return { greeted: (ctx.payload as { name: string }).name, attempt: ctx.attempt, state: ctx.state };
      },
    });
    const done = await waitForStatus(queue, job.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      result: { greeted: 'x', attempt: 1, state: null },
    });
    const logs = await queue.logs(job.id);
    expect(logs.lines.map((l) => [l.seq, l.level, l.line])).toEqual([
      [1, 'info', 'hello'],
      [2, 'warn', 'careful'],
    ]);
  });

  it('retries with back-off, then succeeds', async () => {
    const queue = t.queue({ backoff: { baseMs: 400, maxMs: 400 } });
    const job = await queue.enqueue('retry.manual', {});
    const [first] = await queue.lease({ owner: 'w', kinds: ['retry.manual'] });
    expect(first!.job.id).toBe(job.id);
    const before = Date.now();
    const failed = await queue.fail(first!.lease, { message: 'flaky network' });
    // Back-off: base 400 ms with jitter between 50% and 100%.
    expect(failed).toMatchObject({
      status: 'queued',
      attempts: 1,
      error: { code: 'JOB_FAILED', message: 'flaky network' },
      leaseOwner: null,
    });
    expect(failed!.runAt).toBeGreaterThanOrEqual(before + 200);
    expect(failed!.runAt).toBeLessThanOrEqual(Date.now() + 400);
    expect(await queue.lease({ owner: 'w', kinds: ['retry.manual'] })).toEqual([]);
    const [second] = await waitFor('the retry to be due', async () => {
      const l = await queue.lease({ owner: 'w', kinds: ['retry.manual'] });
      return l.length ? l : undefined;
    });
    expect(second!.job.attempts).toBe(2);
    expect(Date.now()).toBeGreaterThanOrEqual(failed!.runAt);
    expect(await queue.complete(second!.lease, 'fine')).toMatchObject({ status: 'succeeded', error: null });

    // The same through workers: two failures, then success on the third attempt.
    const fast = t.queue();
    const flaky = await fast.enqueue('retry.flaky', {});
    startWorkers(fast, {
      'retry.flaky': async (ctx) => {
        if (ctx.attempt < 3) throw new Error(`boom ${ctx.attempt}`);
        return 'third time lucky';
      },
    });
    const done = await waitForStatus(fast, flaky.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 3, result: 'third time lucky' });
    const lines = (await fast.logs(flaky.id)).lines.map((l) => l.line);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^attempt 1\/3 failed: boom 1; retrying in/);
    expect(lines[1]).toMatch(/^attempt 2\/3 failed: boom 2; retrying in/);
  });

  it('fails for good when attempts are exhausted', async () => {
    const queue = t.queue();
    const job = await queue.enqueue('exhaust.always', {}, { maxAttempts: 2 });
    let runs = 0;
    startWorkers(queue, {
      'exhaust.always': async () => {
        runs += 1;
        throw new Error('still broken');
      },
    });
    const done = await waitForStatus(queue, job.id, ['failed', 'succeeded']);
    expect(done).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { code: 'JOB_FAILED', message: 'still broken' },
      leaseOwner: null,
    });
    expect(done.finishedAt).not.toBeNull();
    await sleep(150);
    expect(runs).toBe(2);
  });

  it('fails at once on a permanent failure', async () => {
    const queue = t.queue();
    const job = await queue.enqueue('permanent.fail', {}, { maxAttempts: 5 });
    startWorkers(queue, {
      'permanent.fail': async () => {
        throw permanentFailure('the image does not exist');
      },
    });
    const done = await waitForStatus(queue, job.id, ['failed', 'succeeded']);
    expect(done).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'JOB_FAILED', message: 'the image does not exist' },
    });
    const lines = (await queue.logs(job.id)).lines.map((l) => l.line);
    expect(lines).toEqual(['attempt 1/5 failed: the image does not exist (not retryable)']);
  });

  it('resumes from the checkpoint on the next attempt', async () => {
    const queue = t.queue();
    const job = await queue.enqueue('resume.steps', {});
    const seen: unknown[] = [];
    startWorkers(queue, {
      'resume.steps': async (ctx) => {
        seen.push(ctx.state);
        if (ctx.attempt === 1) {
          await ctx.checkpoint({ step: 1 });
          expect(ctx.state).toEqual({ step: 1 });
          throw new Error('crash after step 1');
        }
        return { resumedFrom: ctx.state };
      },
    });
    const done = await waitForStatus(queue, job.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, result: { resumedFrom: { step: 1 } } });
    expect(seen).toEqual([null, { step: 1 }]);
  });

  it('cancels a queued job at once; finished jobs are not cancellable', async () => {
    const queue = t.queue();
    const job = await queue.enqueue('cancel.queued', {}, { runAt: Date.now() + 3_600_000 });
    const cancelled = await queue.cancel(job.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelRequested: true });
    expect(cancelled.finishedAt).not.toBeNull();
    expect(await codeOf(queue.cancel(job.id))).toBe('JOB_NOT_CANCELLABLE');
    expect(await codeOf(queue.cancel('job_nope'))).toBe('JOB_NOT_FOUND');
    expect(await codeOf(queue.get('job_nope'))).toBe('JOB_NOT_FOUND');
    expect(await queue.lease({ owner: 'w', kinds: ['cancel.queued'] })).toEqual([]);
  });

  it('cancels a running job: its signal aborts and it ends cancelled', async () => {
    const queue = t.queue({ leaseMs: 300 });
    const started = deferred();
    const reasons: unknown[] = [];
    startWorkers(queue, {
      'cancel.running': async (ctx) => {
        started.resolve();
        const reason = await aborted(ctx.signal);
        reasons.push(reason);
        throw reason;
      },
    });
    // Cancelled through this process's queue: the workers hear it at once.
    const local = await queue.enqueue('cancel.running', {});
    await started.promise;
    expect(await queue.cancel(local.id)).toMatchObject({ status: 'running', cancelRequested: true });
    expect(await waitForStatus(queue, local.id, ['cancelled', 'failed', 'succeeded'])).toMatchObject({
      status: 'cancelled',
      attempts: 1,
    });

    // Cancelled through another process's queue: the heartbeat notices.
    const otherQueue = createJobsQueueOn(t, 'other');
    const remote = await queue.enqueue('cancel.running', {});
    await waitForStatus(queue, remote.id, ['running']);
    await otherQueue.cancel(remote.id);
    expect(await waitForStatus(queue, remote.id, ['cancelled', 'failed', 'succeeded'])).toMatchObject({
      status: 'cancelled',
    });
    expect(reasons).toHaveLength(2);
    for (const reason of reasons) {
      expect(reason).toBeInstanceOf(JobAbortedError);
      expect((reason as JobAbortedError).reason).toBe('cancelled');
    }
    expect(await codeOf(queue.cancel(remote.id))).toBe('JOB_NOT_CANCELLABLE');
    const lines = (await queue.logs(remote.id)).lines.map((l) => l.line);
    expect(lines).toEqual(['cancel requested', 'attempt 1/3 stopped: cancelled']);
  });

  it('runs jobs sharing a key one at a time, in order; other keys in parallel', async () => {
    const queue = t.queue();
    const active = new Map<string, number>();
    let overlap = false;
    let parallelAcrossKeys = false;
    const order: number[] = [];
    // The first k1 job runs until the test has seen it running (a fixed 40 ms could pass between
    // two polls of a busy machine); the others take 40 ms.
    let releaseFirst = () => {};
    const firstHeld = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    const handler = async (ctx: JobContext) => {
      const { key, n } = ctx.payload as { key: string; n: number };
      if (active.get(key)) overlap = true;
      active.set(key, (active.get(key) ?? 0) + 1);
      if ([...active.values()].filter((c) => c > 0).length > 1) parallelAcrossKeys = true;
      if (key === 'k1') order.push(n);
      await (key === 'k1' && n === 1 ? firstHeld : sleep(40));
      active.set(key, active.get(key)! - 1);
    };
    startWorkers(queue, { 'keys.serial': handler }, { concurrency: 3 });
    // A second set of workers on its own connections (as another process) competes for the jobs.
    startWorkers(createJobsQueueOn(t, 'second'), { 'keys.serial': handler }, { concurrency: 3 });
    const ids: string[] = [];
    for (let n = 1; n <= 5; n++) {
      ids.push((await queue.enqueue('keys.serial', { key: 'k1', n }, { key: 'deploy:k1' })).id);
      if (n <= 3) ids.push((await queue.enqueue('keys.serial', { key: 'k2', n }, { key: 'deploy:k2' })).id);
    }
    // While the first job of k1 runs, the later ones wait, visibly queued.
    try {
      await waitFor('the first k1 job to run', async () => (await queue.get(ids[0]!)).status === 'running');
      expect((await queue.get(ids[2]!)).status).toBe('queued');
    } finally {
      releaseFirst();
    }
    for (const id of ids) await waitForStatus(queue, id, ['succeeded', 'failed']);
    expect(overlap).toBe(false);
    expect(parallelAcrossKeys).toBe(true);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    // This test's jobs hold no lock any more (asked by its own jobs, not the whole table).
    const locks = await t.store.db.selectFrom('job_locks').selectAll().where('job_id', 'in', ids).execute();
    expect(locks).toEqual([]);
  });

  it('a key lock taken by a running job makes a later job of the key wait, even out of order', async () => {
    const queue = t.queue();
    const first = await queue.enqueue('keys.manual', {}, { key: 'k3' });
    const [leased] = await queue.lease({ owner: 'w', kinds: ['keys.manual'] });
    expect(leased!.job.id).toBe(first.id);
    // A job of the same key created "earlier" (a clock behind ours) is first in line, but the lock
    // held by the running job keeps it from starting.
    const early = await createJobsQueueOn(t, 'skewed', () => Date.now() - 60_000).enqueue(
      'keys.manual',
      {},
      { key: 'k3' },
    );
    expect(await queue.lease({ owner: 'w2', kinds: ['keys.manual'] })).toEqual([]);
    expect((await queue.get(early.id)).status).toBe('queued');
    await queue.complete(leased!.lease, null);
    const [next] = await queue.lease({ owner: 'w2', kinds: ['keys.manual'] });
    expect(next!.job.id).toBe(early.id);
    await queue.complete(next!.lease, null);
  });

  it('takes over a job whose worker died (lease expired), and it finishes', async () => {
    const queue = t.queue({ leaseMs: 300 });
    const job = await queue.enqueue('expiry.takeover', {}, { key: 'exp:1' });
    // A worker leases it and dies: no heartbeat, no outcome.
    const [dead] = await queue.lease({ owner: 'dead-worker', kinds: ['expiry.takeover'] });
    expect(dead!.job.status).toBe('running');
    startWorkers(queue, { 'expiry.takeover': async (ctx) => ({ attempt: ctx.attempt }) }, { owner: 'alive' });
    const done = await waitForStatus(queue, job.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, result: { attempt: 2 } });
    const lines = (await queue.logs(job.id)).lines.map((l) => l.line);
    expect(lines).toEqual(['interrupted: the berthd running this stopped; it runs again now']);
    // The dead worker's late outcome is ignored.
    expect(await queue.complete(dead!.lease, 'zombie')).toBeNull();
    expect((await queue.get(job.id)).result).toEqual({ attempt: 2 });
  });

  it('fails a job whose worker died on its last attempt; nothing stays running', async () => {
    const queue = t.queue({ leaseMs: 200 });
    const job = await queue.enqueue('expiry.last', {}, { maxAttempts: 1, key: 'exp:2' });
    await queue.lease({ owner: 'dead-worker', kinds: ['expiry.last'] });
    // Workers that do not even handle this kind still clean it up.
    startWorkers(queue, { 'expiry.other': async () => null });
    const done = await waitForStatus(queue, job.id, ['failed', 'succeeded', 'queued']);
    expect(done).toMatchObject({
      status: 'failed',
      error: { code: 'JOB_WORKER_LOST', message: WORKER_LOST },
      attempts: 1,
      leaseOwner: null,
    });
    // Nothing of this test's stays running or locked (its own rows: other tests' jobs may run).
    const running = await t.store.db
      .selectFrom('jobs')
      .select('id')
      .where('kind', '=', 'expiry.last')
      .where('status', '=', 'running')
      .execute();
    expect(running).toEqual([]);
    const locks = await t.store.db
      .selectFrom('job_locks')
      .selectAll()
      .where('lock_key', '=', 'exp:2')
      .execute();
    expect(locks).toEqual([]);
  });

  it('aborts a handler whose lease was lost and discards its outcome', async () => {
    const queue = t.queue({ leaseMs: 300 });
    const job = await queue.enqueue('lease.lost', {});
    const reason = deferred<unknown>();
    startWorkers(queue, {
      'lease.lost': async (ctx) => {
        reason.resolve(await aborted(ctx.signal));
        return 'should be discarded';
      },
    });
    await waitForStatus(queue, job.id, ['running']);
    // Another worker took the job over meanwhile (as after a long pause of this process), with a
    // lease of its own that outlasts the test (else, on a busy machine, the 300 ms lease runs out
    // and a worker here leases the job again).
    await t.store.db
      .updateTable('jobs')
      .set({ lease_owner: 'thief', attempts: 2, lease_expires_at: Date.now() + 60_000 })
      .where('id', '=', job.id)
      .execute();
    const why = await reason.promise;
    expect(why).toBeInstanceOf(JobAbortedError);
    expect((why as JobAbortedError).reason).toBe('lease-lost');
    await sleep(200);
    expect(await queue.get(job.id)).toMatchObject({ status: 'running', leaseOwner: 'thief', result: null });
    await queue.complete({ jobId: job.id, owner: 'thief', attempt: 2 }, 'thief finished');
  });

  it('stop() aborts running jobs and hands them back without counting the attempt', async () => {
    const queue = t.queue();
    const job = await queue.enqueue('stop.handback', {});
    const started = deferred();
    const w = startWorkers(queue, {
      'stop.handback': async (ctx) => {
        await ctx.checkpoint({ half: true });
        started.resolve();
        throw await aborted(ctx.signal);
      },
    });
    await started.promise;
    await w.stop();
    expect(await queue.get(job.id)).toMatchObject({ status: 'queued', attempts: 0, state: { half: true } });
    startWorkers(queue, { 'stop.handback': async (ctx) => ({ state: ctx.state, attempt: ctx.attempt }) });
    expect(await waitForStatus(queue, job.id, ['succeeded', 'failed'])).toMatchObject({
      status: 'succeeded',
      result: { state: { half: true }, attempt: 1 },
    });
  });

  it('runs no jobs with concurrency 0, and leaves kinds it does not handle queued', async () => {
    const queue = t.queue();
    const job = await queue.enqueue('idle.kind', {});
    const other = await queue.enqueue('unhandled.kind', {});
    let ran = false;
    startWorkers(
      queue,
      {
        'idle.kind': async () => {
          ran = true;
        },
      },
      { concurrency: 0 },
    );
    startWorkers(queue, { 'something.else': async () => null });
    await sleep(300);
    expect(ran).toBe(false);
    expect((await queue.get(job.id)).status).toBe('queued');
    expect((await queue.get(other.id)).status).toBe('queued');
    await queue.cancel(job.id);
    await queue.cancel(other.id);
  });

  it('fails a job at once when its kind has no handler or its result is not JSON', async () => {
    const queue = t.queue();
    const handlers: JobHandlers = {
      'nohandler.kind': async () => 'never',
      'badresult.kind': async () => ({ big: 1n }),
    };
    const w = createJobWorkers({ queue, handlers, logger: silentLogger(), concurrency: 2, pollMs: 25 });
    workers.push(w);
    // The handler disappears after the workers chose the kinds they lease (as with a bad deploy of
    // berthd): the job must fail with a clear error rather than hang.
    delete handlers['nohandler.kind'];
    w.start();
    const orphan = await queue.enqueue('nohandler.kind', {}, { maxAttempts: 3 });
    const bad = await queue.enqueue('badresult.kind', {}, { maxAttempts: 3 });
    expect(await waitForStatus(queue, orphan.id, ['failed', 'succeeded'])).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'JOB_FAILED', message: 'no handler for job kind "nohandler.kind" in this berthd' },
    });
    const failed = await waitForStatus(queue, bad.id, ['failed', 'succeeded']);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, result: null });
    expect(failed.error).toMatchObject({ code: 'JOB_FAILED' });
    expect(failed.error?.message).toMatch(/result is not JSON-serialisable/);
  });

  it('pages through logs with afterSeq, and caps line length and line count', async () => {
    const queue = t.queue();
    const job = await queue.enqueue('logs.paging', {});
    await queue.appendLog(
      job.id,
      Array.from({ length: 25 }, (_, i) => ({ level: 'info' as const, line: `line ${i + 1}` })),
    );
    const p1 = await queue.logs(job.id, { limit: 10 });
    expect(p1.lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(p1.lines[0]).toMatchObject({ seq: 1, level: 'info', line: 'line 1' });
    expect(p1.nextAfter).toBe(10);
    const p2 = await queue.logs(job.id, { afterSeq: p1.nextAfter, limit: 10 });
    expect(p2.lines.map((l) => l.line)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i + 11}`));
    const p3 = await queue.logs(job.id, { afterSeq: p2.nextAfter, limit: 10 });
    expect(p3.lines.map((l) => l.seq)).toEqual([21, 22, 23, 24, 25]);
    const p4 = await queue.logs(job.id, { afterSeq: p3.nextAfter });
    expect(p4).toEqual({ lines: [], nextAfter: 25 });
    expect(await codeOf(queue.logs('job_nope'))).toBe('JOB_NOT_FOUND');

    // Long lines are cut to 8 KiB.
    await queue.appendLog(job.id, [{ level: 'error', line: 'é'.repeat(10_000) }]);
    const [long] = (await queue.logs(job.id, { afterSeq: 25 })).lines;
    expect(Buffer.byteLength(long!.line, 'utf8')).toBeLessThanOrEqual(8192);
    expect(long!.line).toMatch(/^éé.*\[truncated\]$/);

    // At the line cap, one truncation notice, then nothing.
    await t.store.db.updateTable('jobs').set({ log_seq: 99_998 }).where('id', '=', job.id).execute();
    await queue.appendLog(
      job.id,
      ['a', 'b', 'c', 'd'].map((line) => ({ level: 'info' as const, line })),
    );
    await queue.appendLog(job.id, [{ level: 'info', line: 'e' }]);
    const tail = await queue.logs(job.id, { afterSeq: 99_990 });
    expect(tail.lines.map((l) => [l.seq, l.line])).toEqual([
      [99_999, 'a'],
      [100_000, 'b'],
      [100_001, expect.stringMatching(/^log truncated/)],
    ]);
  });

  it('lists jobs newest first with filters and paging', async () => {
    const queue = t.queue();
    const a = await queue.enqueue('list.a', {}, { appCode: 'alpha' });
    const b = await queue.enqueue('list.b', {}, { appCode: 'beta' });
    const c = await queue.enqueue('list.a', {}, { appCode: 'beta' });
    const d = await queue.enqueue('list.a', {});
    await queue.cancel(b.id);
    const ids = (page: { items: { id: string }[] }) => page.items.map((j) => j.id);
    expect(ids(await queue.list({ kind: 'list.a' }))).toEqual([d.id, c.id, a.id]);
    expect(ids(await queue.list({ kind: 'list.a', appCodes: ['beta', 'alpha'] }))).toEqual([c.id, a.id]);
    expect(await queue.list({ appCodes: [] })).toEqual({ items: [] });
    expect(ids(await queue.list({ status: 'cancelled', appCodes: ['beta'] }))).toEqual([b.id]);
    const page1 = await queue.list({ kind: 'list.a', limit: 2 });
    expect(ids(page1)).toEqual([d.id, c.id]);
    expect(ids(await queue.list({ kind: 'list.a', limit: 2, cursor: page1.nextCursor! }))).toEqual([a.id]);
    expect(await codeOf(queue.list({ cursor: 'job_nope' }))).toBe('INVALID_CURSOR');
    for (const j of [a, c, d]) await queue.cancel(j.id);
  });

  it("enqueues inside the caller's transaction", async () => {
    const queue = t.queue();
    let rolledBack: string | undefined;
    await t.store.db
      .transaction()
      .execute(async (tx) => {
        rolledBack = (await queue.enqueue('tx.kind', {}, { db: tx })).id;
        throw new Error('rollback');
      })
      .catch(() => {});
    expect(await queue.find(rolledBack!)).toBeUndefined();
    const committed = await t.store.db
      .transaction()
      .execute(async (tx) => (await queue.enqueue('tx.kind', {}, { db: tx })).id);
    expect((await queue.get(committed)).status).toBe('queued');
    await queue.cancel(committed);
  });

  it('refuses invalid jobs', async () => {
    const queue = t.queue();
    expect(await codeOf(queue.enqueue('Bad Kind', {}))).toBe('VALIDATION_FAILED');
    expect(await codeOf(queue.enqueue('ok.kind', { n: 1n }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(queue.enqueue('ok.kind', 'x'.repeat(1_100_000)))).toBe('VALIDATION_FAILED');
    expect(await codeOf(queue.enqueue('ok.kind', {}, { maxAttempts: 0 }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(queue.enqueue('ok.kind', {}, { key: 'k'.repeat(256) }))).toBe('VALIDATION_FAILED');
  });
});

/** A queue on a separate connection pool, as another berthd process would have. */
function createJobsQueueOn(t: JobsTestStore, _name: string, now?: () => number): JobQueue {
  return t.queue({ store: t.openAnother(), ...(now ? { now } : {}) });
}
