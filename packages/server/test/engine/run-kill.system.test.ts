// kill -9 of berthd during `berth run` (process runtime): the run's process group outlives berthd
// (nothing is left to kill it), and the next berthd on the same data dir kills it as it recovers,
// background children included.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { processGroupMembers } from '../../src/runtime/process/proc.ts';
import type { Fixture } from '../jobs/processes.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { ADMIN_PASSWORD, berthdTestEnv, loginCookieHeader } from '../support/harness.ts';
import { killLeft, startKillable } from './killable.ts';
import { startRun } from './run-client.ts';
import { tinyApp } from './support.ts';

const APP = 'runk9';

describe('a run when berthd is killed', () => {
  let db: TestDatabase | undefined;
  let dataDir: string | undefined;
  let pgid: number | undefined;
  const running: Fixture[] = [];
  afterAll(async () => {
    killLeft(running);
    if (pgid !== undefined && processGroupMembers(pgid).length > 0) process.kill(-pgid, 'SIGKILL');
    await db?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('is killed by the next berthd, with everything it started', async () => {
    db = await createTestDatabase('sqlite');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-run-k9-'));
    const env = { ...berthdTestEnv(db, dataDir), BERTH_JOB_POLL: '100ms', BERTH_DRAIN: '200ms' };
    const a = await startKillable(env, APP, running);
    expect((await a.api('POST', '/api/v1/apps', { code: APP, name: APP })).app.code).toBe(APP);
    const deploy = await a.upload(await tinyApp());
    expect((await a.waitFor(deploy.id, ['succeeded', 'failed'])).status).toBe('succeeded');

    const cookie = await loginCookieHeader(a.url, 'admin', ADMIN_PASSWORD);
    const session = await startRun(a.url, { cookie }, APP, 'stag', [
      'sh',
      '-c',
      'echo "group $$"; sleep 1000 & sleep 1000',
    ]);
    await session.waitForStdout('group ');
    pgid = Number(/group (\d+)/.exec(session.stdout())?.[1]);
    const answer = session.done.catch((err: unknown) => err);
    a.p.child.kill('SIGKILL');
    await a.p.exited;
    // The answer breaks off without an exit frame.
    expect(await answer).toBeInstanceOf(Error);
    // Nobody killed it: berthd is gone.
    expect(processGroupMembers(pgid).length).toBeGreaterThanOrEqual(2);

    const b = await startKillable(env, APP, running);
    await vi.waitFor(() => expect(processGroupMembers(pgid!)).toEqual([]), { timeout: 15_000 });
    const stop = await b.api('POST', `/api/v1/apps/${APP}/envs/stag/stop`);
    await b.waitFor(stop.deploy.id, ['succeeded', 'failed']);
    b.p.child.kill('SIGTERM');
    await b.p.exited;
  }, 120_000);
});
