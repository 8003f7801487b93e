// Two real berthd replicas on one PostgreSQL database: each period of scheduled work (approved
// requests, healing, the history purge, and the fixture's slow `test.slow`) runs on one replica,
// both replicas own some periods, and a replica killed with -9 while it runs a period hands that
// period over: the other one runs it again once the lease ran out (recorded as handed over from the
// dead replica) and runs every later period.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { periodStartOf } from '../../src/jobs/schedule-runs.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/databases.ts';
import { loginCookieHeader } from '../support/harness.ts';
import { settleClosedConnections, waitFor } from './helpers.ts';
import { type Fixture, startFixture } from './processes.ts';

const SLOW_PERIOD_MS = 1000;
const SLOW_WORK_MS = 400;
const LEASE_MS = 2000;
const ADMIN_PASSWORD = 'admin-test-password-1';
const ENGINE_SCHEDULES = ['engine.request-poll', 'engine.heal', 'engine.history-purge'];
const hasPostgres = testDialects().includes('postgres');

interface Replica {
  fixture: Fixture;
  url: string;
  id: string;
  pid: number;
}

describe.skipIf(!hasPostgres)(
  'scheduled work on two berthd replicas (PostgreSQL: BERTH_TEST_POSTGRES_URL)',
  () => {
    const markerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-replicas-'));
    /** A data dir of its own per replica (as on hosts of their own). */
    const dataDirs: string[] = [];
    let database: TestDatabase | undefined;
    let store: Store | undefined;
    const fixtures: Fixture[] = [];

    afterAll(async () => {
      for (const f of fixtures) f.child.kill('SIGKILL');
      await Promise.all(fixtures.map((f) => f.exited));
      await store?.close();
      await settleClosedConnections();
      await database?.drop();
      for (const dir of [markerDir, ...dataDirs]) fs.rmSync(dir, { recursive: true, force: true });
    });

    const startReplica = async (name: string, env: Record<string, string>): Promise<Replica> => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `berth-replica-${name}-`));
      dataDirs.push(dataDir);
      const fixture = startFixture('berthd-schedules.ts', { ...env, BERTH_DATA_DIR: dataDir });
      fixtures.push(fixture);
      const [, url, id] = (await fixture.line('ready')).split(' ');
      return { fixture, url: url!, id: id!, pid: fixture.child.pid! };
    };

    /** Markers the slow task wrote: `started` or `done`, by period, with the pids that wrote them. */
    const markers = (what: 'started' | 'done'): Map<number, number[]> => {
      const found = new Map<number, number[]>();
      for (const file of fs.readdirSync(markerDir)) {
        const [kind, period, pid] = file.split('-');
        if (kind !== what) continue;
        found.set(Number(period), [...(found.get(Number(period)) ?? []), Number(pid)]);
      }
      return found;
    };

    const runs = (schedule?: string) => {
      let q = store!.db.selectFrom('schedule_runs').selectAll().orderBy('period_start');
      if (schedule !== undefined) q = q.where('schedule', '=', schedule);
      return q.execute();
    };

    it('runs each period once across the replicas and hands a killed replica its periods over', async () => {
      database = await createTestDatabase('postgres');
      if (database.config.dialect !== 'postgres') throw new Error('unexpected dialect');
      store = openStore(database.config);
      const env: Record<string, string> = {
        BERTH_DATABASE_URL: database.config.url,
        // One key for both: they share the store's sealed secrets.
        BERTH_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
        BERTH_PORT: '0',
        BERTH_APPS_PORT: '0',
        BERTH_HOST: '127.0.0.1',
        BERTH_GATEWAY_WORKERS: '0',
        BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
        BERTH_LOG_LEVEL: 'warn',
        BERTH_JOB_WORKERS: '1',
        BERTH_REQUEST_POLL: '500ms',
        BERTH_HEAL_INTERVAL: '1s',
        BERTH_HISTORY_PURGE_INTERVAL: '1s',
        BERTH_SCHEDULE_LEASE: `${LEASE_MS}ms`,
        BERTH_TEST_MARKER_DIR: markerDir,
        BERTH_TEST_SLOW_PERIOD: String(SLOW_PERIOD_MS),
        BERTH_TEST_SLOW_WORK: String(SLOW_WORK_MS),
      };
      // One after the other: the first start migrates the store and makes the admin.
      const a = await startReplica('a', env);
      const b = await startReplica('b', env);
      const bothFrom = Date.now();

      // Both run for a while; then `a` is killed while it runs a period of the slow schedule.
      await new Promise((resolve) => setTimeout(resolve, 4000));
      const killed = await waitFor(
        'a running period of test.slow owned by a',
        async () => {
          const [row] = await store!.db
            .selectFrom('schedule_runs')
            .selectAll()
            .where('schedule', '=', 'test.slow')
            .where('status', '=', 'running')
            .where('owner', '=', a.id)
            .execute();
          if (row === undefined) return undefined;
          const period = Number(row.period_start);
          // Its task is under way (the claim is in, the marker written).
          return markers('started').get(period)?.includes(a.pid) ? period : undefined;
        },
        20_000,
      );
      a.fixture.child.kill('SIGKILL');
      expect(await a.fixture.exited).toBe('SIGKILL');
      const killedAt = Date.now();

      // Once its lease ran out, b runs that period again.
      const handed = await waitFor(
        'b to take the period over',
        async () => {
          const [row] = await store!.db
            .selectFrom('schedule_runs')
            .selectAll()
            .where('schedule', '=', 'test.slow')
            .where('period_start', '=', killed)
            .execute();
          return row?.status === 'succeeded' ? row : undefined;
        },
        LEASE_MS + 15_000,
      );
      expect(handed).toMatchObject({ owner: b.id, handed_over_from: a.id, status: 'succeeded' });
      expect(Number(handed.started_at)).toBeGreaterThanOrEqual(killedAt);
      // ... and goes on with every later period.
      const until = periodStartOf(Date.now(), SLOW_PERIOD_MS) + 3 * SLOW_PERIOD_MS;
      await waitFor(
        'three more periods',
        async () =>
          (await runs('test.slow')).some((r) => Number(r.period_start) >= until && r.status !== 'running'),
        20_000,
      );

      // The slow task ran once per period: one `done` per period with a run, by the run's owner; the
      // handed-over period was started by both replicas and finished by b only.
      const slow = (await runs('test.slow')).filter((r) => r.status !== 'running');
      const done = markers('done');
      const pidOf = (replica: string) => (replica === a.id ? a.pid : replica === b.id ? b.pid : -1);
      for (const run of slow) {
        expect(done.get(Number(run.period_start)), `period ${run.period_start}`).toEqual([pidOf(run.owner)]);
      }
      expect(done.size).toBe(slow.length);
      expect(markers('started').get(killed)?.sort()).toEqual([a.pid, b.pid].sort());

      // Every slow period from b's start on has its run, without a gap, the kill included.
      const periods = slow.map((r) => Number(r.period_start)).filter((p) => p > bothFrom);
      for (let i = 1; i < periods.length; i++) expect(periods[i]! - periods[i - 1]!).toBe(SLOW_PERIOD_MS);

      // While both lived, both owned periods (of every schedule together); after the kill only b did,
      // and every period that started after the kill succeeded.
      const all = await runs();
      const whileBoth = all.filter(
        (r) => Number(r.period_start) >= bothFrom && Number(r.started_at) < killedAt,
      );
      expect(new Set(whileBoth.map((r) => r.owner))).toEqual(new Set([a.id, b.id]));
      const afterKill = all.filter((r) => Number(r.period_start) > killedAt && r.status !== 'running');
      expect(afterKill.length).toBeGreaterThan(0);
      for (const r of afterKill) expect(r).toMatchObject({ owner: b.id, status: 'succeeded' });
      for (const schedule of ENGINE_SCHEDULES) {
        const own = all.filter((r) => r.schedule === schedule);
        expect(own.length, schedule).toBeGreaterThanOrEqual(3);
        expect(
          own.filter((r) => r.status === 'failed'),
          schedule,
        ).toEqual([]);
      }
      // Only the killed replica's periods were handed over.
      for (const r of all.filter((r) => r.handed_over_from !== null)) {
        expect(r).toMatchObject({ handed_over_from: a.id, owner: b.id });
      }

      // Operators read the same from the API.
      const cookie = await loginCookieHeader(b.url, 'admin', ADMIN_PASSWORD);
      const res = await fetch(`${b.url}/api/v1/schedules`, { headers: { cookie } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        replica: string;
        schedules: Array<{ name: string; periodMs: number; lastRun: { owner: string } | null }>;
      };
      expect(body.replica).toBe(b.id);
      expect(body.schedules.map((s) => [s.name, s.periodMs]).sort()).toEqual(
        [
          ['apigw.records-purge', 3_600_000],
          ['apigw.security-purge', 60_000],
          ['engine.heal', 1000],
          ['engine.history-purge', 1000],
          ['engine.request-poll', 500],
          ['test.slow', SLOW_PERIOD_MS],
        ].sort(),
      );
      // Every short period since the kill ran on b (the hourly purges last ran in a's period).
      for (const s of body.schedules.filter((x) => x.periodMs <= SLOW_PERIOD_MS))
        expect(s.lastRun?.owner, s.name).toBe(b.id);

      b.fixture.child.kill('SIGTERM');
      expect(await b.fixture.exited).toBe(0);
    });
  },
);
