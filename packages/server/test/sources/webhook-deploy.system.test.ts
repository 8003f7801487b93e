import crypto from 'node:crypto';
// Webhooks and external repositories end to end: an app whose source is an external repository
// (here another app's hosted repository on the same berthd, over http://127.0.0.1 with a token, as a
// git host would serve it) deploys on GitHub, GitLab and Gitea push deliveries, from the repository
// as it is (not from the payload), ignores replays and refuses forged deliveries; `deploys/git` with
// `repository: external` fetches a tag.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineFixture, startEngineFixture, tinyFiles } from '../engine/support.ts';
import { createGitClient, type GitClient, remoteWithCredentials } from '../git/git-client.ts';
import { systemDialects } from '../support/databases.ts';
import { fixture, hostHeaders, postHook } from '../webhooks/hosts.ts';

describe.each(systemDialects())('webhook deploys of an external repository (%s)', (dialect) => {
  let f: EngineFixture;
  let client: GitClient;
  let work: string;
  let secret: string;
  let token: string;

  async function commitAndPush(text: string, ref = 'main'): Promise<string> {
    for (const [name, content] of Object.entries(tinyFiles({ text })))
      fs.writeFileSync(path.join(work, name), content);
    await client.ok(['add', '-A'], { cwd: work });
    await client.ok(['commit', '-q', '-m', text], { cwd: work });
    await client.ok(['push', '-q', 'origin', `HEAD:${ref}`], { cwd: work });
    return (await client.ok(['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
  }

  /** A fixture made a new push's delivery: an identical body, or the same push again, is a replay. */
  function fresh(name: Parameters<typeof fixture>[0]): Buffer {
    const payload = JSON.parse(fixture(name).toString('utf8')) as Record<string, unknown>;
    // Another push of the ref: a new `after` (Berth deploys the ref as the repository has it anyway).
    payload['after'] = crypto.randomBytes(20).toString('hex');
    payload['berth_test_nonce'] = crypto.randomUUID();
    return Buffer.from(JSON.stringify(payload));
  }

  async function deploysOf(env: string) {
    return (await f.api('GET', `/api/v1/apps/down/envs/${env}/deploys`)).body.deploys as Array<{
      id: string;
      status: string;
      origin?: { commit?: string; repository?: string; url?: string };
      trigger?: string;
      createdBy: string;
    }>;
  }

  beforeAll(async () => {
    f = await startEngineFixture(dialect);
    client = createGitClient();
    // The "git host": app upstream's hosted repository, whose pushes only store.
    await f.createApp('upstream');
    expect((await f.api('PUT', '/api/v1/apps/upstream/source', { branchEnv: null })).status).toBe(200);
    token = (await f.api('POST', '/api/v1/me/tokens', { name: 'git host' })).body.secret;
    const cloned = await client.git([
      'clone',
      remoteWithCredentials(f.t.url, 'upstream', 'admin', token),
      'work',
    ]);
    expect(cloned.code, cloned.stderr).toBe(0);
    work = path.join(client.dir, 'work');
    await client.ok(['checkout', '-q', '-b', 'main'], { cwd: work });

    await f.createApp('down');
    const set = await f.api('PUT', '/api/v1/apps/down/source', {
      external: { url: `${f.t.url}/git/upstream.git`, username: 'admin', token },
      repository: 'external',
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    secret = (await f.api('GET', '/api/v1/apps/down/webhook?reveal=true')).body.secret;
  }, 60_000);
  afterAll(async () => {
    client?.remove();
    await f?.stop();
  });

  it('deploys the pushed branch on a GitHub, a GitLab and a Gitea delivery', async () => {
    const cases = [
      { provider: 'github', name: 'github-push', event: 'push' },
      { provider: 'gitlab', name: 'gitlab-push', event: 'Push Hook' },
      { provider: 'gitea', name: 'gitea-push', event: 'push' },
    ] as const;
    for (const [i, c] of cases.entries()) {
      const sha = await commitAndPush(`from ${c.provider}`);
      const body = fresh(c.name);
      const answer = await postHook(
        f.t.url,
        'down',
        body,
        hostHeaders(c.provider, body, { event: c.event, secret }),
      );
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
      expect(answer.body).toMatchObject({ result: 'started', env: 'stag' });
      const done = await f.waitDeploy(answer.body.deployId);
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
      // The repository as it is, whatever commit the (fixture's) payload names.
      expect(done.origin).toMatchObject({
        type: 'git',
        repository: 'external',
        url: `${f.t.url}/git/upstream.git`,
        ref: 'refs/heads/main',
        commit: sha,
      });
      expect({ trigger: done.trigger, createdBy: done.createdBy }).toEqual({
        trigger: 'webhook:refs/heads/main',
        createdBy: 'webhook',
      });
      expect((await f.get('/t/down/')).text).toBe(`from ${c.provider} v${i + 1}`);
    }
    const log = (await f.api('GET', `/api/v1/deploys/${(await deploysOf('stag'))[0]!.id}/logs`)).body.lines
      .map((l: { line: string }) => l.line)
      .join('\n');
    expect(log).toContain(`Fetching refs/heads/main from ${f.t.url}/git/upstream.git`);
    expect(log).not.toContain(token);
  }, 240_000);

  it('ignores a replayed delivery and refuses a forged one, deploying nothing', async () => {
    const before = (await deploysOf('stag')).length;
    const body = fresh('github-push');
    const headers = hostHeaders('github', body, { event: 'push', secret, deliveryId: 'replayed-delivery-1' });
    const first = await postHook(f.t.url, 'down', body, headers);
    expect(first.body.result).toBe('started');
    await f.waitDeploy(first.body.deployId);
    const again = await postHook(f.t.url, 'down', body, headers);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ result: 'ignored' });
    expect(again.body.reason).toMatch(/replay/);
    const forged = await postHook(
      f.t.url,
      'down',
      body,
      hostHeaders('github', body, { event: 'push', secret: 'not-it' }),
    );
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(await deploysOf('stag')).toHaveLength(before + 1);
    const deliveries = (await f.api('GET', '/api/v1/apps/down/webhook/deliveries')).body.deliveries;
    expect(
      deliveries
        .map((d: { outcome: string }) => d.outcome)
        .slice(0, 3)
        .sort(),
    ).toEqual(['ignored', 'refused', 'started']);
  }, 120_000);

  it('ignores tags unless tags deploy, then deploys a tag by its delivery and by deploys/git', async () => {
    await commitAndPush('tagged', 'refs/tags/v1.2.0');
    const body = fixture('github-tag-push');
    const ignored = await postHook(
      f.t.url,
      'down',
      body,
      hostHeaders('github', body, { event: 'push', secret }),
    );
    expect(ignored.body).toMatchObject({ result: 'ignored', reason: 'tags are stored without deploying' });

    const res = await f.api('POST', '/api/v1/apps/down/envs/prod/deploys/git', {
      ref: 'v1.2.0',
      repository: 'external',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const done = await f.waitDeploy(res.body.deploy.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.origin).toMatchObject({ repository: 'external', ref: 'refs/tags/v1.2.0' });
    expect((await f.get('/o/down/')).text).toBe('tagged v1');

    expect((await f.api('PUT', '/api/v1/apps/down/source', { tagEnv: 'prod' })).status).toBe(200);
    const tagAgain = fresh('github-tag-push');
    const started = await postHook(
      f.t.url,
      'down',
      tagAgain,
      hostHeaders('github', tagAgain, { event: 'push', secret }),
    );
    expect(started.body, JSON.stringify(started.body)).toMatchObject({ result: 'started', env: 'prod' });
    const again = await f.waitDeploy(started.body.deployId);
    expect(again.status).toBe('succeeded');
    // The same commit was built for the first deploy of the tag: reused.
    expect(await f.logsOf(again.id)).toContain('Reusing build');

    // Where prod needs approval, a delivery (no user behind it) is ignored, saying why.
    expect((await f.api('PUT', '/api/v1/apps/down/envs/prod/policy', { approval: true })).status).toBe(200);
    const third = fresh('github-tag-push');
    const refused = await postHook(
      f.t.url,
      'down',
      third,
      hostHeaders('github', third, { event: 'push', secret }),
    );
    expect(refused.status).toBe(202);
    expect(refused.body.result).toBe('ignored');
    expect(refused.body.reason).toContain('need approval');
  }, 180_000);

  it('fails a deploy whose token the git host refuses, naming no secret', async () => {
    expect(
      (
        await f.api('PUT', '/api/v1/apps/down/source', {
          external: {
            url: `${f.t.url}/git/upstream.git`,
            username: 'admin',
            token: 'berth_revoked-or-wrong',
          },
        })
      ).status,
    ).toBe(200);
    const res = await f.api('POST', '/api/v1/apps/down/envs/stag/deploys/git', {
      ref: 'main',
      repository: 'external',
    });
    const done = await f.waitDeploy(res.body.deploy.id);
    expect(done.status).toBe('failed');
    expect(done.error.code).toBe('GIT_FETCH_FAILED');
    expect(JSON.stringify(done)).not.toContain('berth_revoked-or-wrong');
    expect(await f.logsOf(done.id)).not.toContain('berth_revoked-or-wrong');
  }, 120_000);
});
