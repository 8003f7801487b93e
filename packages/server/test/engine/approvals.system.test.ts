// Production deploys under the approval policy, with real roles against a real berthd: nobody deploys
// to prod directly; a developer files a request, someone else decides it; a refused or withdrawn
// request deploys nothing; an approved one deploys exactly once, however many approve at once; a
// scheduled one starts in its window, or ends cancelled when the window passed; every move is audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDialects } from '../support/databases.ts';
import { type EngineFixture, json, startEngineFixture, tinyApp } from './support.ts';

const PW = 'approvals-password-1';
const code = 'gated';

describe.each(systemDialects())('deploy approvals on %s', (dialect) => {
  let f: EngineFixture;
  const cookies: Record<string, string> = {};
  const as = async (
    user: string,
    method: string,
    p: string,
    body?: unknown,
    // biome-ignore lint/suspicious/noExplicitAny: wire JSON
  ): Promise<{ status: number; body: any }> => {
    const res = await f.t.api(method, p, { cookie: cookies[user]!, ...(body === undefined ? {} : { body }) });
    return { status: res.status, body: res.body };
  };
  const file = async (user: string, body: Record<string, unknown>) => {
    const res = await as(user, 'POST', `/api/v1/apps/${code}/envs/prod/requests`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.deploy;
  };
  const prodDeploys = async () =>
    (await f.api('GET', `/api/v1/apps/${code}/envs/prod/deploys?limit=100`)).body.deploys as Array<{
      id: string;
      status: string;
      jobId?: string;
    }>;
  const prodReleases = async () =>
    (await f.api('GET', `/api/v1/apps/${code}/envs/prod/releases`)).body.releases as Array<{
      version: number;
    }>;

  beforeAll(async () => {
    f = await startEngineFixture(dialect, { BERTH_PROD_APPROVAL: 'on', BERTH_REQUEST_POLL: '100ms' });
    for (const [username, role] of [
      ['dev', 'developer'],
      ['dev2', 'developer'],
      ['outsider', 'developer'],
      ['op', 'operator'],
      ['aud', 'auditor'],
    ] as const) {
      const res = await f.api('POST', '/api/v1/users', { username, password: PW, role });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      cookies[username] = await f.t.login(username, PW);
    }
    cookies['admin'] = f.cookie;
    await f.createApp(code);
    for (const username of ['dev', 'dev2']) {
      const res = await f.api('POST', `/api/v1/apps/${code}/members`, { username });
      expect(res.status).toBeLessThan(300);
    }
    // stag needs no approval: the developer deploys it directly.
    const upload = await fetch(`${f.t.url}/api/v1/apps/${code}/envs/stag/deploys`, {
      method: 'POST',
      headers: { cookie: `${f.t.cookieName}=${cookies['dev']}`, 'content-type': 'application/gzip' },
      body: await tinyApp({ text: 'gated' }),
    });
    expect(upload.status).toBe(202);
    const done = await f.waitDeploy((await json(upload)).deploy.id);
    expect(done.status).toBe('succeeded');
  }, 120_000);
  afterAll(async () => f?.stop(), 60_000);

  it('nobody deploys to prod directly under the policy; an emergency rollback needs an operator and a reason', async () => {
    const pkg = await tinyApp({ text: 'direct' });
    for (const user of ['dev', 'op', 'admin']) {
      const upload = await fetch(`${f.t.url}/api/v1/apps/${code}/envs/prod/deploys`, {
        method: 'POST',
        headers: { cookie: `${f.t.cookieName}=${cookies[user]}`, 'content-type': 'application/gzip' },
        body: pkg,
      });
      expect(upload.status).toBe(403);
      expect((await json(upload)).error.code).toBe('APPROVAL_REQUIRED');
      expect((await as(user, 'POST', `/api/v1/apps/${code}/promote`, {})).body.error.code).toBe(
        'APPROVAL_REQUIRED',
      );
      expect((await as(user, 'POST', `/api/v1/apps/${code}/envs/prod/rollback`, {})).body.error.code).toBe(
        'APPROVAL_REQUIRED',
      );
    }
    const devEmergency = await as('dev', 'POST', `/api/v1/apps/${code}/envs/prod/rollback`, {
      emergencyReason: 'I want to',
    });
    expect(devEmergency.body.error.code).toBe('FORBIDDEN');
    // The auditor sees the app but may not even ask; the outsider does not see it.
    expect(
      (await as('aud', 'POST', `/api/v1/apps/${code}/envs/prod/requests`, { kind: 'promote' })).body.error
        .code,
    ).toBe('FORBIDDEN');
    expect(
      (await as('outsider', 'POST', `/api/v1/apps/${code}/envs/prod/requests`, { kind: 'promote' })).body
        .error.code,
    ).toBe('APP_NOT_FOUND');
    expect(await prodDeploys()).toEqual([]);
    const perms = (await as('dev', 'GET', `/api/v1/apps/${code}/permissions`)).body;
    expect(perms.envs.prod.approval).toBe(true);
    expect(perms.envs.prod.actions).toContain('deploy.request');
    expect(perms.envs.prod.actions).not.toContain('approve');
    expect(perms.envs.stag.approval).toBe(false);
  });

  it('a refused or withdrawn request deploys nothing and cannot be approved afterwards', async () => {
    const refused = await file('dev', { kind: 'promote', note: 'please' });
    expect(refused).toMatchObject({
      status: 'requested',
      kind: 'promote',
      request: { note: 'please', fromVersion: 1 },
    });
    expect(refused.jobId).toBeUndefined();
    // Nobody decides their own request; a developer who is no named approver decides none.
    expect((await as('dev', 'POST', `/api/v1/requests/${refused.id}/approve`, {})).body.error.code).toBe(
      'SELF_APPROVAL_FORBIDDEN',
    );
    expect((await as('dev2', 'POST', `/api/v1/requests/${refused.id}/approve`, {})).body.error.code).toBe(
      'FORBIDDEN',
    );
    expect((await as('op', 'POST', `/api/v1/requests/${refused.id}/refuse`, {})).body.error.code).toBe(
      'VALIDATION_FAILED',
    );
    const no = await as('op', 'POST', `/api/v1/requests/${refused.id}/refuse`, {
      reason: 'not during the sale',
    });
    expect(no.status).toBe(200);
    expect(no.body.deploy).toMatchObject({
      status: 'refused',
      request: { decidedBy: 'op', reason: 'not during the sale' },
    });
    expect((await as('admin', 'POST', `/api/v1/requests/${refused.id}/approve`, {})).body.error.code).toBe(
      'REQUEST_NOT_PENDING',
    );

    const withdrawn = await file('dev', { kind: 'promote' });
    expect((await as('dev2', 'POST', `/api/v1/requests/${withdrawn.id}/withdraw`, {})).body.error.code).toBe(
      'FORBIDDEN',
    );
    expect(
      (await as('dev', 'POST', `/api/v1/requests/${withdrawn.id}/withdraw`, {})).body.deploy.status,
    ).toBe('withdrawn');
    expect((await as('op', 'POST', `/api/v1/requests/${withdrawn.id}/approve`, {})).body.error.code).toBe(
      'REQUEST_NOT_PENDING',
    );
    const deploys = await prodDeploys();
    expect(deploys.map((d) => d.status).sort()).toEqual(['refused', 'withdrawn']);
    expect(deploys.every((d) => d.jobId === undefined)).toBe(true);
    expect(await prodReleases()).toEqual([]);
    expect((await f.get(`/o/${code}/`)).status).not.toBe(200);
  });

  it('an approved request deploys exactly once, however many approve it at once', async () => {
    const request = await file('dev', { kind: 'promote', note: 'ship v1' });
    const inbox = (await as('op', 'GET', '/api/v1/requests?filter=to-approve')).body.deploys;
    expect(inbox.map((d: { id: string }) => d.id)).toContain(request.id);
    expect((await as('dev', 'GET', '/api/v1/requests?filter=to-approve')).body.deploys).toEqual([]);
    expect((await as('dev', 'GET', '/api/v1/requests?filter=mine')).body.deploys[0].id).toBe(request.id);

    const answers = await Promise.all(
      ['op', 'admin', 'op', 'admin'].map((user) =>
        as(user, 'POST', `/api/v1/requests/${request.id}/approve`, {}),
      ),
    );
    const ok = answers.filter((a) => a.status === 200);
    expect(ok).toHaveLength(1);
    for (const other of answers.filter((a) => a.status !== 200)) {
      expect(other.body.error.code).toBe('REQUEST_NOT_PENDING');
    }
    expect(['queued', 'running']).toContain(ok[0]!.body.deploy.status);
    const done = await f.waitDeploy(request.id);
    expect(done).toMatchObject({ status: 'succeeded', release: 1, request: { note: 'ship v1' } });
    expect((await f.get(`/o/${code}/`)).text).toBe('gated v1');
    expect((await prodReleases()).map((r) => r.version)).toEqual([1]);
    const jobs = (await f.api('GET', `/api/v1/jobs?app=${code}&kind=deploy&limit=100`)).body.jobs as Array<{
      payload: { deployId: string };
    }>;
    expect(jobs.filter((j) => j.payload.deployId === request.id)).toHaveLength(1);

    // Each move of the deploy is in the audit log, in order.
    const audit = (await f.api('GET', `/api/v1/audit?limit=200&targetId=${code}`)).body.events as Array<{
      action: string;
      detail?: { deployId?: string };
    }>;
    const moves = audit
      .filter((e) => e.detail?.deployId === request.id)
      .map((e) => e.action)
      .reverse();
    expect(moves).toEqual([
      'deploy.request',
      'deploy.approve',
      'deploy.queued',
      'deploy.running',
      'deploy.succeeded',
    ]);
  });

  it('a scheduled request waits for its window; one approved after its window ends cancelled', async () => {
    const notBefore = Date.now() + 1500;
    const scheduled = await file('dev', {
      kind: 'rollback',
      version: 1,
      notBefore,
      note: 'at the quiet hour',
    });
    const approved = await as('op', 'POST', `/api/v1/requests/${scheduled.id}/approve`, {
      reason: 'ok at night',
    });
    expect(approved.body.deploy).toMatchObject({ status: 'approved', request: { notBefore } });
    expect(approved.body.deploy.jobId).toBeUndefined();
    const done = await f.waitDeploy(scheduled.id);
    expect(done.status).toBe('succeeded');
    expect(done.startedAt).toBeGreaterThanOrEqual(notBefore);

    const late = await file('dev', { kind: 'rollback', version: 1, notAfter: Date.now() + 300 });
    await new Promise((r) => setTimeout(r, 600));
    const missed = await as('op', 'POST', `/api/v1/requests/${late.id}/approve`, {});
    expect(missed.status).toBe(200);
    expect(missed.body.deploy).toMatchObject({
      status: 'cancelled',
      error: { code: 'REQUEST_WINDOW_MISSED' },
    });
    expect((await f.api('GET', `/api/v1/apps/${code}/envs/prod/releases`)).body.releases).toHaveLength(2);

    const bad = await as('dev', 'POST', `/api/v1/apps/${code}/envs/prod/requests`, {
      kind: 'promote',
      notBefore: Date.now() + 10_000,
      notAfter: Date.now() + 5_000,
    });
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('named approvers decide; policies are changed by operators only and only narrow', async () => {
    expect(
      (await as('dev', 'PUT', `/api/v1/apps/${code}/envs/prod/policy`, { approval: false })).body.error.code,
    ).toBe('FORBIDDEN');
    expect(
      (await as('op', 'PUT', `/api/v1/apps/${code}/envs/prod/policy`, { roles: { deploy: ['auditor'] } }))
        .body.error.code,
    ).toBe('VALIDATION_FAILED');
    expect(
      (await as('op', 'PUT', `/api/v1/apps/${code}/envs/prod/policy`, { approvers: ['outsider'] })).body.error
        .code,
    ).toBe('VALIDATION_FAILED');
    const set = await as('op', 'PUT', `/api/v1/apps/${code}/envs/prod/policy`, { approvers: ['dev2'] });
    expect(set.body.policy).toMatchObject({
      env: 'prod',
      approval: true,
      approvers: ['dev2'],
      default: false,
    });

    const request = await file('dev', { kind: 'rollback', version: 1 });
    expect(
      (await as('dev2', 'GET', '/api/v1/requests?filter=to-approve')).body.deploys.map(
        (d: { id: string }) => d.id,
      ),
    ).toEqual([request.id]);
    expect((await as('dev2', 'POST', `/api/v1/requests/${request.id}/approve`, {})).status).toBe(200);
    expect((await f.waitDeploy(request.id)).status).toBe('succeeded');

    // Narrowed: operators no longer approve in prod; the named approver and admins still do.
    await as('op', 'PUT', `/api/v1/apps/${code}/envs/prod/policy`, { roles: { approve: ['admin'] } });
    const next = await file('dev', { kind: 'rollback', version: 1 });
    expect((await as('op', 'POST', `/api/v1/requests/${next.id}/approve`, {})).body.error.code).toBe(
      'FORBIDDEN',
    );
    expect((await as('dev', 'POST', `/api/v1/requests/${next.id}/withdraw`, {})).status).toBe(200);

    // An operator's emergency rollback goes through at once, with its reason kept and audited.
    await as('admin', 'PUT', `/api/v1/apps/${code}/envs/prod/policy`, { roles: {} });
    const emergency = await as('op', 'POST', `/api/v1/apps/${code}/envs/prod/rollback`, {
      version: 1,
      emergencyReason: 'v3 corrupts orders',
    });
    expect(emergency.status).toBe(202);
    expect(emergency.body.deploy.emergency).toEqual({ reason: 'v3 corrupts orders' });
    expect((await f.waitDeploy(emergency.body.deploy.id)).status).toBe('succeeded');
    const audit = (await f.api('GET', `/api/v1/audit?limit=100&targetId=${code}`)).body.events as Array<{
      action: string;
      detail?: { reason?: string };
    }>;
    expect(audit.find((e) => e.action === 'deploy.rollback.emergency')?.detail?.reason).toBe(
      'v3 corrupts orders',
    );

    // Approval off: the developer promotes directly.
    await as('op', 'PUT', `/api/v1/apps/${code}/envs/prod/policy`, { approval: false });
    const direct = await as('dev', 'POST', `/api/v1/apps/${code}/promote`, {});
    expect(direct.status).toBe(202);
    expect((await f.waitDeploy(direct.body.deploy.id)).status).toBe('succeeded');
  });
});
