// Deploy history retention: old deploys whose release is gone lose their rows, jobs and job logs;
// deploys of kept releases, recent deploys and unfinished jobs stay. Runs on every store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeDeployHistory } from '../../src/engine/purge-history.ts';
import { silentLogger } from '../../src/logger.ts';
import { testDialects } from '../support/databases.ts';
import { type EngineFixture, startEngineFixture, tinyApp } from './support.ts';

describe.each(testDialects())('deploy history purge on %s', (dialect) => {
  let f: EngineFixture;
  const code = 'purgeme';
  beforeAll(async () => {
    f = await startEngineFixture(dialect, { BERTH_KEEP_RELEASES: '1' });
    await f.createApp(code);
  }, 60_000);
  afterAll(async () => f?.stop(), 60_000);

  it('deletes old deploys of pruned or failed releases with their logs, and keeps the rest', async () => {
    const { store, jobs } = f.t.berthd;
    const deps = { store, queue: jobs, logger: silentLogger() };
    const v1 = await f.deploy(code, 'stag', await tinyApp({ text: 'one' }));
    const v2 = await f.deploy(code, 'stag', await tinyApp({ text: 'two' }));
    const failed = await f.waitDeploy(
      (await f.upload(code, 'stag', await tinyApp({ berthYaml: 'runtime: node\nprocesses: {}\n' }))).id,
    );
    expect(failed.status).toBe('failed');
    const v3 = await f.deploy(code, 'stag', await tinyApp({ text: 'three' }));
    const scaled = await f.waitDeploy(
      (await f.api('PUT', `/api/v1/apps/${code}/envs/stag/formation`, { processes: { web: 1 } })).body.deploy
        .id,
    );
    expect(scaled.status).toBe('succeeded');
    // Releases are pruned after the deploy that replaced them: only v3 (current) keeps its artifact.
    const kept = await store.db
      .selectFrom('releases')
      .select('version')
      .where('app_code', '=', code)
      .where('pruned', '=', 0)
      .where('status', '=', 'ready')
      .execute();
    expect(kept.map((r) => r.version)).toEqual([v3.release]);
    expect((await f.logsOf(v1.id)).length).toBeGreaterThan(0);

    // Nothing is older than a cut-off in the past.
    expect(await purgeDeployHistory(deps, Date.now() - 3_600_000)).toBe(0);

    const cutoff = Date.now() + 1;
    expect(await purgeDeployHistory(deps, cutoff)).toBe(4);
    for (const gone of [v1, v2, failed, scaled]) {
      expect((await f.api('GET', `/api/v1/deploys/${gone.id}`)).body.error.code).toBe('DEPLOY_NOT_FOUND');
      expect(await jobs.find(gone.jobId)).toBeUndefined();
    }
    // The deploy that made the current release, its job and its build log stay.
    expect((await f.api('GET', `/api/v1/deploys/${v3.id}`)).status).toBe(200);
    expect(await f.logsOf(v3.id)).toContain('Unpacking');
    const listed = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/deploys`)).body.deploys as {
      id: string;
    }[];
    expect(listed.map((d) => d.id)).toEqual([v3.id]);
    // A second pass finds nothing more.
    expect(await purgeDeployHistory(deps, cutoff)).toBe(0);
  }, 120_000);

  it('removes only finished jobs', async () => {
    const { jobs } = f.t.berthd;
    const queued = await jobs.enqueue('purge-test-kind', {}, { runAt: Date.now() + 3_600_000 });
    expect(await jobs.removeFinished([queued.id, 'job_does_not_exist'])).toEqual([]);
    expect((await jobs.get(queued.id)).status).toBe('queued');
    await jobs.cancel(queued.id);
    expect(await jobs.removeFinished([queued.id])).toEqual([queued.id]);
    expect(await jobs.find(queued.id)).toBeUndefined();
  });
});
