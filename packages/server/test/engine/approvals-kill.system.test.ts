import { describe, expect, it } from 'vitest';
import { systemDialects } from '../support/databases.ts';
import { ADMIN_PASSWORD, loginCookieHeader } from '../support/harness.ts';
import { killableSurroundings, startKillable } from './killable.ts';
import { json, tinyApp } from './support.ts';

const PW = 'approvals-kill-password-1';

describe.each(systemDialects())('kill -9 around approvals on %s', (dialect) => {
  const around = killableSurroundings(dialect, 'berth-approve-k9-');
  const running = around.running;

  it('approved requests start exactly once after berthd was killed between approval and start', async () => {
    const env = await around.env({ BERTH_PROD_APPROVAL: 'on', BERTH_REQUEST_POLL: '200ms' });
    const start = () => startKillable(env, 'gk9', running);
    const a = await start();
    expect((await a.api('POST', '/api/v1/apps', { code: 'gk9', name: 'gk9' })).app.code).toBe('gk9');
    for (const [username, role] of [
      ['dev', 'developer'],
      ['op', 'operator'],
    ]) {
      expect((await a.api('POST', '/api/v1/users', { username, password: PW, role })).user.username).toBe(
        username,
      );
    }
    const member = await fetch(`${a.url}/api/v1/apps/gk9/members`, {
      method: 'POST',
      headers: {
        cookie: await loginCookieHeader(a.url, 'admin', ADMIN_PASSWORD),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ username: 'dev' }),
    });
    expect(member.status).toBe(204);
    const stag = await a.upload(await tinyApp({ text: 'gk9' }));
    expect((await a.waitFor(stag.id, ['succeeded', 'failed'])).status).toBe('succeeded');

    // Logged in before the clock starts: password checks are slow on a busy machine.
    const cookies = new Map<string, string>();
    for (const user of ['dev', 'op']) cookies.set(user, await loginCookieHeader(a.url, user, PW));
    const as = async (url: string, user: string, method: string, p: string, body: unknown) => {
      const res = await fetch(url + p, {
        method,
        headers: { cookie: cookies.get(user)!, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return json(res);
    };
    const later = await as(a.url, 'dev', 'POST', '/api/v1/apps/gk9/envs/prod/requests', {
      kind: 'promote',
      notBefore: Date.now() + 10_000,
    });
    const now = await as(a.url, 'dev', 'POST', '/api/v1/apps/gk9/envs/prod/requests', { kind: 'promote' });
    expect(
      (await as(a.url, 'op', 'POST', `/api/v1/requests/${later.deploy.id}/approve`, {})).deploy.status,
    ).toBe('approved');
    // Approved with its window open: queued in the approval's transaction (a worker may have it already).
    expect(['queued', 'running']).toContain(
      (await as(a.url, 'op', 'POST', `/api/v1/requests/${now.deploy.id}/approve`, {})).deploy.status,
    );
    a.p.child.kill('SIGKILL');
    await a.p.exited;

    const b = await start();
    const first = await b.waitFor(now.deploy.id, ['succeeded', 'failed', 'cancelled']);
    const second = await b.waitFor(later.deploy.id, ['succeeded', 'failed', 'cancelled']);
    expect([first.status, second.status]).toEqual(['succeeded', 'succeeded']);
    expect(second.startedAt).toBeGreaterThanOrEqual(later.deploy.request.notBefore);
    const releases = (await b.api('GET', '/api/v1/apps/gk9/envs/prod/releases')).releases;
    // Two releases, one per request (a release the killed attempt had begun may leave a gap).
    expect(releases).toHaveLength(2);
    expect(new Set([first.release, second.release]).size).toBe(2);
    const jobs = (await b.api('GET', '/api/v1/jobs?app=gk9&kind=deploy&limit=100')).jobs as Array<{
      payload: { deployId: string };
    }>;
    for (const id of [now.deploy.id, later.deploy.id]) {
      expect(jobs.filter((j) => j.payload.deployId === id)).toHaveLength(1);
    }
  }, 180_000);
});
