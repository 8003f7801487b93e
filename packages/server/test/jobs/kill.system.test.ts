// kill -9 of a berthd while a job runs: a second berthd on the same data dir / database takes the job
// over once its lease runs out, resumes it from its checkpoint, and it succeeds; nothing stays running.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createJobQueue } from '../../src/jobs/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/databases.ts';
import { settleClosedConnections, waitFor } from './helpers.ts';
import { type Fixture, startFixture } from './processes.ts';

// Two dialects although a system test: how a killed berthd's hold on the store ends differs (the OS
// drops its SQLite file locks; the PostgreSQL server notices its connections gone).
const dialects = testDialects().filter((d) => d === 'sqlite' || d === 'postgres');

describe.each(dialects)('kill -9 of berthd during a job on %s', (dialect) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-kill-'));
  const markerDir = path.join(dataDir, 'markers');
  fs.mkdirSync(markerDir);
  let database: TestDatabase | undefined;
  let store: Store | undefined;
  const fixtures: Fixture[] = [];

  afterAll(async () => {
    for (const f of fixtures) f.child.kill('SIGKILL');
    await Promise.all(fixtures.map((f) => f.exited));
    await store?.close();
    await settleClosedConnections();
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a second berthd resumes the job from its checkpoint and finishes it', async () => {
    const env: Record<string, string> = {
      BERTH_DATA_DIR: dataDir,
      BERTH_PORT: '0',
      BERTH_HOST: '127.0.0.1',
      BERTH_ADMIN_PASSWORD: 'admin-test-password-1',
      BERTH_LOG_LEVEL: 'silent',
      BERTH_JOB_WORKERS: '2',
      BERTH_JOB_LEASE: '2s',
      BERTH_JOB_POLL: '100ms',
    };
    if (dialect === 'sqlite') {
      // The embedded default: the store lives in the data dir.
      store = openStore({ dialect: 'sqlite', file: path.join(dataDir, 'berth.db') });
    } else {
      database = await createTestDatabase(dialect);
      if (database.config.dialect === 'sqlite') throw new Error('unexpected dialect');
      env['BERTH_DATABASE_URL'] = database.config.url;
      store = openStore(database.config);
    }

    const first = startFixture('berthd-job.ts', env);
    fixtures.push(first);
    await first.line('ready');
    const queue = createJobQueue({ store, logger: silentLogger(), leaseMs: 2000 });
    const job = await queue.enqueue('test.resumable', { markerDir }, { key: 'deploy:kill:prod' });

    const waiting = path.join(markerDir, `waiting-${first.child.pid}`);
    await waitFor('the first berthd to start the job', () => fs.existsSync(waiting), 30_000);
    expect(await queue.get(job.id)).toMatchObject({ status: 'running', attempts: 1, state: { step: 1 } });

    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    // Nobody cleaned up: the job is still "running" under the dead process's lease.
    expect((await queue.get(job.id)).status).toBe('running');

    const second = startFixture('berthd-job.ts', env);
    fixtures.push(second);
    await second.line('ready');
    const done = await waitFor(
      'the job to finish',
      async () => {
        const j = await queue.get(job.id);
        return j.status === 'queued' || j.status === 'running' ? undefined : j;
      },
      60_000,
    );
    expect(done).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      result: { resumedFrom: { step: 1, by: first.child.pid }, attempt: 2, pid: second.child.pid },
    });
    // It resumed rather than starting over.
    expect(fs.existsSync(path.join(markerDir, `resumed-${second.child.pid}`))).toBe(true);
    expect(fs.existsSync(path.join(markerDir, `waiting-${second.child.pid}`))).toBe(false);
    const lines = (await queue.logs(job.id)).lines.map((l) => l.line);
    expect(lines).toEqual([
      'step 1 done',
      'interrupted: the berthd running this stopped; it runs again now',
      'resumed from the checkpoint',
    ]);

    const running = await store.db.selectFrom('jobs').select('id').where('status', '=', 'running').execute();
    expect(running).toEqual([]);
    expect(await store.db.selectFrom('job_locks').selectAll().execute()).toEqual([]);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
