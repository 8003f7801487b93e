// Scheduled work on every dialect: schedulers sharing a store run each period once, a period whose
// owner's lease ran out is taken over (and recorded as such), a live lease is never taken, missed
// past periods are not run, and stop() waits for a running task.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScheduler, type Scheduler } from '../../src/jobs/index.ts';
import { insertRun, periodStartOf, recentRuns } from '../../src/jobs/schedule-runs.ts';
import { silentLogger } from '../../src/logger.ts';
import { testDialects } from '../support/databases.ts';
import { createJobsTestStore, deferred, type JobsTestStore, waitFor } from './helpers.ts';

describe.each(testDialects())('scheduled work on %s', (dialect) => {
  let t: JobsTestStore;
  const schedulers: Scheduler[] = [];
  beforeAll(async () => {
    t = await createJobsTestStore(dialect);
  });
  afterAll(async () => {
    await Promise.all(schedulers.map((s) => s.stop()));
    await t?.close();
  });

  const scheduler = (
    replica: string,
    o: { leaseMs?: number; stopGraceMs?: number; store?: 'another' } = {},
  ) => {
    const s = createScheduler({
      store: o.store === 'another' ? t.openAnother() : t.store,
      logger: silentLogger(),
      replica,
      leaseMs: o.leaseMs ?? 2000,
      ...(o.stopGraceMs !== undefined ? { stopGraceMs: o.stopGraceMs } : {}),
    });
    schedulers.push(s);
    return s;
  };

  it('claims a period once when replicas race for it', async () => {
    const other = t.openAnother();
    const claims = await Promise.all(
      ['r1', 'r2', 'r3', 'r4'].map((replica, i) =>
        insertRun(i % 2 === 0 ? t.store.db : other.db, {
          schedule: 'race',
          periodStart: periodStartOf(Date.now(), 60_000),
          replica,
          leaseMs: 1000,
          now: Date.now(),
        }),
      ),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    const [row] = await recentRuns(t.store.db, 'race', 10);
    expect(row?.owner).toBe(['r1', 'r2', 'r3', 'r4'][claims.indexOf(true)]);
  });

  it('two schedulers run each period exactly once between them', async () => {
    const periodMs = 200;
    const ran = new Map<number, string[]>();
    const task =
      (replica: string) =>
      async ({ periodStart }: { periodStart: number }) => {
        ran.set(periodStart, [...(ran.get(periodStart) ?? []), replica]);
        await sleep(20);
      };
    const a = scheduler('a', { store: 'another' });
    const b = scheduler('b');
    a.every('tick', periodMs, task('a'));
    b.every('tick', periodMs, task('b'));
    a.start();
    b.start();
    await sleep(2200);
    await Promise.all([a.stop(), b.stop()]);

    const runs = await recentRuns(t.store.db, 'tick', 100);
    expect(runs.length).toBeGreaterThanOrEqual(8);
    for (const run of runs) {
      expect(run).toMatchObject({ status: 'succeeded', handedOverFrom: null });
      expect(run.periodStart % periodMs).toBe(0);
    }
    // Every period a task saw itself in ran once, on one replica, the run's owner.
    for (const [period, replicas] of ran) {
      expect(replicas, `period ${period}`).toHaveLength(1);
      expect(runs.find((r) => r.periodStart === period)?.owner).toBe(replicas[0]);
    }
    expect(ran.size).toBe(runs.length);
    // No period was skipped while both ran.
    const periods = runs.map((r) => r.periodStart).sort((x, y) => x - y);
    expect(periods.at(-1)! - periods[0]!).toBe((periods.length - 1) * periodMs);
  });

  it('takes over a period whose owner died, and records from whom', async () => {
    // An hour: a new period starting during the test is unlikely, and the checks are about this one.
    const periodMs = 3_600_000;
    const now = Date.now();
    const period = periodStartOf(now, periodMs);
    // A replica claimed the current period and died: its lease runs out 300 ms from now.
    expect(
      await insertRun(t.store.db, {
        schedule: 'dead-owner',
        periodStart: period,
        replica: 'dead',
        leaseMs: 300,
        now,
      }),
    ).toBe(true);
    const ran: number[] = [];
    const b = scheduler('b');
    b.every('dead-owner', periodMs, async (run) => {
      if (run.periodStart === period) ran.push(Date.now());
    });
    b.start();
    await waitFor('the take-over', async () =>
      (await recentRuns(t.store.db, 'dead-owner', 5)).some(
        (r) => r.periodStart === period && r.status === 'succeeded',
      ),
    );
    expect(ran).toHaveLength(1);
    expect(ran[0]!).toBeGreaterThanOrEqual(now + 300);
    expect(
      (await recentRuns(t.store.db, 'dead-owner', 10)).find((r) => r.periodStart === period),
    ).toMatchObject({
      periodStart: period,
      owner: 'b',
      status: 'succeeded',
      handedOverFrom: 'dead',
    });
    // Done is done: the period does not run again.
    await sleep(1200);
    expect(ran).toHaveLength(1);
    await b.stop();
  });

  it('never takes a live lease: the owner keeps it with heartbeats while its task outlasts it', async () => {
    // An hour, and every check is about a's period: a new period starting meanwhile (which b may
    // rightly run) changes nothing.
    const periodMs = 3_600_000;
    const released = deferred();
    const ranA: number[] = [];
    const ranB: number[] = [];
    // Leases of 2 s renewed every ~0.7 s: only a stall of over a second (not a busy CI machine's
    // scheduling delay) could lose one.
    const a = scheduler('a', { leaseMs: 2000 });
    a.every('long', periodMs, async (run) => {
      ranA.push(run.periodStart);
      await released.promise;
    });
    a.start();
    await waitFor('a to run', () => ranA.length === 1);
    const period = ranA[0]!;
    const b = scheduler('b', { leaseMs: 2000, store: 'another' });
    b.every('long', periodMs, async (run) => {
      ranB.push(run.periodStart);
    });
    b.start();
    // Three leases long: b asks every 1 s and finds the period a's.
    await sleep(6000);
    expect(ranB).not.toContain(period);
    const runs = await recentRuns(t.store.db, 'long', 5);
    expect(runs.find((r) => r.periodStart === period)).toMatchObject({
      owner: 'a',
      status: 'running',
      handedOverFrom: null,
    });
    released.resolve();
    await waitFor('a to finish', async () =>
      (await recentRuns(t.store.db, 'long', 5)).some(
        (r) => r.periodStart === period && r.status === 'succeeded',
      ),
    );
    expect(ranA.filter((p) => p === period)).toHaveLength(1);
    expect(ranB).not.toContain(period);
    await Promise.all([a.stop(), b.stop()]);
  }, 30_000);

  it('does not run periods it missed, only the current one', async () => {
    const periodMs = 60_000;
    const now = Date.now();
    const current = periodStartOf(now, periodMs);
    // Three periods ago a replica ran it; nobody ran the two after.
    expect(
      await insertRun(t.store.db, {
        schedule: 'missed',
        periodStart: current - 3 * periodMs,
        replica: 'old',
        leaseMs: 1000,
        now: current - 3 * periodMs,
      }),
    ).toBe(true);
    await t.store.db
      .updateTable('schedule_runs')
      .set({ status: 'succeeded', finished_at: current - 3 * periodMs + 10 })
      .where('schedule', '=', 'missed')
      .execute();
    const b = scheduler('b');
    b.every('missed', periodMs, async () => {});
    b.start();
    const ran = await waitFor('the current period', async () => {
      const [latest] = await recentRuns(t.store.db, 'missed', 1);
      return latest !== undefined &&
        latest.periodStart > current - 3 * periodMs &&
        latest.status === 'succeeded'
        ? latest
        : undefined;
    });
    await b.stop();
    // The period it ran is the one it started in (the next, should a minute have begun meanwhile).
    expect(ran.periodStart).toBe(periodStartOf(ran.startedAt, periodMs));
    expect(ran.periodStart).toBeGreaterThanOrEqual(current);
    const periods = (await recentRuns(t.store.db, 'missed', 10)).map((r) => r.periodStart);
    expect(periods).toEqual([ran.periodStart, current - 3 * periodMs]);
  });

  it('records a failed task with its error', async () => {
    const b = scheduler('b');
    b.every('failing', 60_000, async () => {
      throw new Error('the disk is full');
    });
    b.start();
    await waitFor(
      'the failure',
      async () => (await recentRuns(t.store.db, 'failing', 1))[0]?.status === 'failed',
    );
    expect((await recentRuns(t.store.db, 'failing', 1))[0]).toMatchObject({
      owner: 'b',
      error: 'the disk is full',
    });
    expect((await b.overview(5))[0]).toMatchObject({ name: 'failing', periodMs: 60_000 });
    await b.stop();
  });

  it('stop() waits for a running task; past its grace it aborts the task and returns', async () => {
    const started = deferred();
    let finished = false;
    const b = scheduler('b');
    b.every('slow', 60_000, async () => {
      started.resolve();
      await sleep(400);
      finished = true;
    });
    b.start();
    await started.promise;
    await b.stop();
    expect(finished).toBe(true);
    expect((await recentRuns(t.store.db, 'slow', 1))[0]).toMatchObject({ owner: 'b', status: 'succeeded' });

    const hung = deferred();
    let reason: unknown;
    const c = scheduler('c', { stopGraceMs: 200 });
    c.every('hung', 60_000, ({ signal }) => {
      hung.resolve();
      return new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          reason = signal.reason;
          reject(signal.reason);
        });
      });
    });
    c.start();
    await hung.promise;
    const before = Date.now();
    await c.stop();
    expect(Date.now() - before).toBeLessThan(2000);
    expect(String(reason)).toContain('stopping');
  });

  it('purges old runs but the recent ones and a live running one', async () => {
    const s = scheduler('p');
    s.every('purged', 1000, async () => {});
    const now = Date.now();
    const hour = 3_600_000;
    for (const [periodStart, lease] of [
      [periodStartOf(now - 2 * hour, 1000), 1000],
      [periodStartOf(now - 3 * hour, 1000), 10 * hour],
      [periodStartOf(now - 60_000, 1000), 1000],
    ] as const) {
      await insertRun(t.store.db, { schedule: 'purged', periodStart, replica: 'x', leaseMs: lease, now });
    }
    await t.store.db
      .updateTable('schedule_runs')
      .set({ status: 'succeeded' })
      .where('schedule', '=', 'purged')
      .where('lease_expires_at', '<', now + hour)
      .execute();
    // A schedule nobody runs any more: gone after 7 days.
    await insertRun(t.store.db, {
      schedule: 'retired',
      periodStart: now - 8 * 24 * hour,
      replica: 'x',
      leaseMs: 1,
      now: now - 8 * 24 * hour,
    });
    expect(await s.purgeRuns()).toBe(2);
    const left = (await recentRuns(t.store.db, 'purged', 10)).map((r) => r.periodStart);
    expect(left).toEqual([periodStartOf(now - 60_000, 1000), periodStartOf(now - 3 * hour, 1000)]);
    expect(await recentRuns(t.store.db, 'retired', 10)).toEqual([]);
  });
});
