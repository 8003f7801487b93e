// Several real worker processes share one PostgreSQL / MySQL queue: every job runs exactly once,
// jobs sharing a key never overlap and keep their order, and every job succeeds.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverDialects } from '../support/databases.ts';
import { createJobsTestStore, type JobsTestStore, waitFor } from './helpers.ts';
import { type Fixture, startFixture } from './processes.ts';

const PROCESSES = 3;
const PLAIN_JOBS = 160;
const KEYS = 4;
const JOBS_PER_KEY = 10;
const dialects = serverDialects();

describe.skipIf(dialects.length === 0)('jobs across processes', () => {
  describe.each(dialects)('on %s', (dialect) => {
    let t: JobsTestStore;
    const fixtures: Fixture[] = [];
    beforeAll(async () => {
      t = await createJobsTestStore(dialect);
      await sql`create table drain_exec (id varchar(64) primary key, job_id varchar(64) not null, worker varchar(64) not null)`.execute(
        t.store.db,
      );
      await sql`create table drain_done (job_id varchar(64) primary key, lock_key varchar(64), n integer not null)`.execute(
        t.store.db,
      );
      await sql`create table drain_key_active (lock_key varchar(64) primary key, job_id varchar(64) not null)`.execute(
        t.store.db,
      );
    });
    afterAll(async () => {
      for (const f of fixtures) f.child.kill('SIGKILL');
      await Promise.all(fixtures.map((f) => f.exited));
      await t?.close();
    });

    it(`${PROCESSES} processes drain ${PLAIN_JOBS + KEYS * JOBS_PER_KEY} jobs, each exactly once`, async () => {
      for (let i = 0; i < PROCESSES; i++) {
        fixtures.push(
          startFixture('drain-worker.ts', {
            BERTH_TEST_DRAIN_DB: JSON.stringify(t.db.config),
            BERTH_TEST_DRAIN_NAME: `proc${i}`,
            BERTH_TEST_DRAIN_CONCURRENCY: '4',
          }),
        );
      }
      await Promise.all(fixtures.map((f) => f.line('ready')));

      const queue = t.queue();
      const ids: string[] = [];
      // All jobs become visible at once (one transaction); the keyed ones first, the keys round-robin,
      // so that all processes compete for every key at the same time.
      await t.store.db.transaction().execute(async (tx) => {
        for (let n = 1; n <= JOBS_PER_KEY; n++) {
          for (let k = 0; k < KEYS; k++) {
            const key = `deploy:app${k}:prod`;
            ids.push((await queue.enqueue('drain.job', { n, key }, { key, db: tx })).id);
          }
        }
        for (let i = 0; i < PLAIN_JOBS; i++) {
          ids.push((await queue.enqueue('drain.job', { n: i, key: null }, { db: tx })).id);
        }
      });
      expect(ids).toHaveLength(PLAIN_JOBS + KEYS * JOBS_PER_KEY);

      const db = t.store.db;
      await waitFor(
        'every job to finish',
        async () => {
          const open = await db
            .selectFrom('jobs')
            .select((eb) => eb.fn.countAll<number>().as('c'))
            .where('status', 'in', ['queued', 'running'])
            .executeTakeFirstOrThrow();
          return Number(open.c) === 0;
        },
        120_000,
      );

      const jobs = await db.selectFrom('jobs').select(['id', 'status', 'attempts', 'error']).execute();
      expect(jobs).toHaveLength(ids.length);
      const notSucceeded = jobs.filter((j) => j.status !== 'succeeded' || Number(j.attempts) !== 1);
      expect(notSucceeded).toEqual([]);

      const execs = await sql<{
        job_id: string;
        worker: string;
      }>`select job_id, worker from drain_exec`.execute(db);
      expect(execs.rows).toHaveLength(ids.length);
      expect(new Set(execs.rows.map((r) => r.job_id))).toEqual(new Set(ids));
      const done = await sql<{ job_id: string }>`select job_id from drain_done`.execute(db);
      expect(done.rows).toHaveLength(ids.length);
      // The work really was shared between the processes.
      const byWorker = new Set(execs.rows.map((r) => r.worker));
      expect(byWorker.size).toBe(PROCESSES);

      expect(await db.selectFrom('job_locks').selectAll().execute()).toEqual([]);

      for (const f of fixtures) f.child.kill('SIGTERM');
      expect(await Promise.all(fixtures.map((f) => f.exited))).toEqual(fixtures.map(() => 0));
    });
  });
});
