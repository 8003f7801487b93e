// The jobs endpoints in a real berthd: who sees and cancels which jobs, log paging, error codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/jobs/index.ts';
import { systemDialects } from '../support/databases.ts';
import { ADMIN_PASSWORD, createUsers, startTestBerthd, type TestBerthd } from '../support/harness.ts';
import { settleClosedConnections } from './helpers.ts';

const PASSWORD = 'correct-horse-battery';

describe.each(systemDialects())('jobs API on %s', (dialect) => {
  let t: TestBerthd;
  const cookies: Record<string, string> = {};
  let shopJob: JobRecord;
  let otherAppJob: JobRecord;
  let platformJob: JobRecord;

  beforeAll(async () => {
    t = await startTestBerthd({ dialect });
    cookies['admin'] = await t.login('admin', ADMIN_PASSWORD);
    Object.assign(
      cookies,
      await createUsers(
        t,
        cookies['admin']!,
        [
          ['dev', 'developer'],
          ['stranger', 'developer'],
          ['aud', 'auditor'],
          ['op', 'operator'],
        ],
        PASSWORD,
      ),
    );
    for (const code of ['shop', 'other']) {
      const res = await t.api('POST', '/api/v1/apps', {
        cookie: cookies[code === 'shop' ? 'dev' : 'admin'],
        body: { code, name: code },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    // No handler runs these kinds in this berthd: they stay queued until cancelled.
    const jobs = t.berthd.jobs;
    shopJob = await jobs.enqueue('api.test', { n: 1 }, { appCode: 'shop', key: 'deploy:shop:prod' });
    otherAppJob = await jobs.enqueue('api.test', { n: 2 }, { appCode: 'other' });
    platformJob = await jobs.enqueue('api.maintenance', { n: 3 });
    await jobs.appendLog(
      shopJob.id,
      Array.from({ length: 7 }, (_, i) => ({ level: 'info' as const, line: `step ${i + 1}` })),
    );
  });
  afterAll(async () => {
    await t?.berthd.close();
    await settleClosedConnections();
    await t?.stop();
  });

  const get = (who: string, path: string) => t.api('GET', path, { cookie: cookies[who] });
  const ids = (body: { jobs: Array<{ id: string }> }) => body.jobs.map((j) => j.id);

  it('refuses unauthenticated requests', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/jobs'],
      ['GET', `/api/v1/jobs/${shopJob.id}`],
      ['GET', `/api/v1/jobs/${shopJob.id}/logs`],
      ['POST', `/api/v1/jobs/${shopJob.id}/cancel`],
    ] as const) {
      const res = await t.api(method, path);
      expect([res.status, res.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    }
  });

  it('admins, operators and auditors list every job; developers only their apps', async () => {
    const all = [platformJob.id, otherAppJob.id, shopJob.id];
    for (const who of ['admin', 'op', 'aud']) {
      const res = await get(who, '/api/v1/jobs');
      expect(res.status).toBe(200);
      expect(ids(res.body)).toEqual(all);
    }
    expect(ids((await get('dev', '/api/v1/jobs')).body)).toEqual([shopJob.id]);
    expect(ids((await get('stranger', '/api/v1/jobs')).body)).toEqual([]);
    expect(ids((await get('dev', '/api/v1/jobs?app=shop')).body)).toEqual([shopJob.id]);
    const foreign = await get('dev', '/api/v1/jobs?app=other');
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'APP_NOT_FOUND']);
  });

  it('filters and pages the list', async () => {
    expect(ids((await get('admin', '/api/v1/jobs?kind=api.test')).body)).toEqual([
      otherAppJob.id,
      shopJob.id,
    ]);
    const first = await get('admin', '/api/v1/jobs?status=queued&limit=1');
    expect(ids(first.body)).toEqual([platformJob.id]);
    const next = await get('admin', `/api/v1/jobs?status=queued&limit=1&cursor=${first.body.nextCursor}`);
    expect(ids(next.body)).toEqual([otherAppJob.id]);
    const forged = await get('admin', '/api/v1/jobs?cursor=bm90LWEtY3Vyc29y');
    expect([forged.status, forged.body.error.code]).toEqual([400, 'INVALID_CURSOR']);
    const bad = await get('admin', '/api/v1/jobs?status=sleeping');
    expect([bad.status, bad.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const unknownField = await get('admin', '/api/v1/jobs?colour=red');
    expect([unknownField.status, unknownField.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('shows a job to those who may see it, and hides it from the others', async () => {
    const res = await get('dev', `/api/v1/jobs/${shopJob.id}`);
    expect(res.status).toBe(200);
    expect(res.body.job).toMatchObject({
      id: shopJob.id,
      kind: 'api.test',
      appCode: 'shop',
      key: 'deploy:shop:prod',
      status: 'queued',
      attempts: 0,
      maxAttempts: 3,
      payload: { n: 1 },
      result: null,
      error: null,
      cancelRequested: false,
    });
    expect(Object.keys(res.body.job).sort()).toEqual(Object.keys(shopJob).sort());
    for (const [who, job] of [
      ['stranger', shopJob],
      ['dev', otherAppJob],
      ['dev', platformJob],
    ] as const) {
      const hidden = await get(who, `/api/v1/jobs/${job.id}`);
      expect([hidden.status, hidden.body.error.code]).toEqual([404, 'JOB_NOT_FOUND']);
      const logs = await get(who, `/api/v1/jobs/${job.id}/logs`);
      expect([logs.status, logs.body.error.code]).toEqual([404, 'JOB_NOT_FOUND']);
    }
    expect((await get('aud', `/api/v1/jobs/${platformJob.id}`)).status).toBe(200);
    const missing = await get('admin', '/api/v1/jobs/job_nope');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'JOB_NOT_FOUND']);
  });

  it('pages through the log lines with after and limit', async () => {
    const p1 = await get('dev', `/api/v1/jobs/${shopJob.id}/logs?limit=3`);
    expect(p1.status).toBe(200);
    expect(p1.body.lines.map((l: { seq: number; line: string }) => [l.seq, l.line])).toEqual([
      [1, 'step 1'],
      [2, 'step 2'],
      [3, 'step 3'],
    ]);
    expect(p1.body.lines[0]).toEqual({ seq: 1, at: expect.any(Number), level: 'info', line: 'step 1' });
    expect(p1.body.nextAfter).toBe(3);
    const p2 = await get('dev', `/api/v1/jobs/${shopJob.id}/logs?after=3&limit=100`);
    expect(p2.body.lines.map((l: { seq: number }) => l.seq)).toEqual([4, 5, 6, 7]);
    const p3 = await get('dev', `/api/v1/jobs/${shopJob.id}/logs?after=7`);
    expect(p3.body).toEqual({ lines: [], nextAfter: 7 });
  });

  it('cancels: auditors may not, developers their apps only, operators anything', async () => {
    const byAuditor = await t.api('POST', `/api/v1/jobs/${shopJob.id}/cancel`, { cookie: cookies['aud'] });
    expect([byAuditor.status, byAuditor.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const byStranger = await t.api('POST', `/api/v1/jobs/${shopJob.id}/cancel`, {
      cookie: cookies['stranger'],
    });
    expect([byStranger.status, byStranger.body.error.code]).toEqual([404, 'JOB_NOT_FOUND']);
    const byDevOnPlatform = await t.api('POST', `/api/v1/jobs/${platformJob.id}/cancel`, {
      cookie: cookies['dev'],
    });
    expect([byDevOnPlatform.status, byDevOnPlatform.body.error.code]).toEqual([404, 'JOB_NOT_FOUND']);

    const byDev = await t.api('POST', `/api/v1/jobs/${shopJob.id}/cancel`, { cookie: cookies['dev'] });
    expect(byDev.status).toBe(200);
    expect(byDev.body.job).toMatchObject({ id: shopJob.id, status: 'cancelled', cancelRequested: true });
    const again = await t.api('POST', `/api/v1/jobs/${shopJob.id}/cancel`, { cookie: cookies['dev'] });
    expect([again.status, again.body.error.code]).toEqual([409, 'JOB_NOT_CANCELLABLE']);

    const byOperator = await t.api('POST', `/api/v1/jobs/${platformJob.id}/cancel`, {
      cookie: cookies['op'],
    });
    expect([byOperator.status, byOperator.body.job.status]).toEqual([200, 'cancelled']);
    const byAdmin = await t.api('POST', `/api/v1/jobs/${otherAppJob.id}/cancel`, {
      cookie: cookies['admin'],
    });
    expect([byAdmin.status, byAdmin.body.job.status]).toEqual([200, 'cancelled']);
  });

  it('documents the endpoints in the OpenAPI document', async () => {
    const res = await t.api('GET', '/api/v1/openapi.json');
    for (const path of [
      '/api/v1/jobs',
      '/api/v1/jobs/{id}',
      '/api/v1/jobs/{id}/logs',
      '/api/v1/jobs/{id}/cancel',
    ]) {
      expect(res.body.paths[path], path).toBeDefined();
    }
  });
});
