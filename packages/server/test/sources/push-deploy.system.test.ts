// Push to deploy, end to end with the real git client against a real berthd: the push output follows
// the build and deploy to the URL; tags are stored; a force-push deploys; two quick pushes deploy only
// the newest; a promotion or a deploy of a pushed ref reuses the build; refused pushers store and
// deploy nothing; a pinned manifest refuses a push that changes it; a failed build leaves the serving
// release alone.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostedRepoDir } from '../../src/git/index.ts';
import { type EngineFixture, nodeBerthYaml, startEngineFixture, tinyFiles } from '../engine/support.ts';
import {
  createGitClient,
  type GitClient,
  objectFiles,
  refsOf,
  remoteWithCredentials,
} from '../git/git-client.ts';
import { systemDialects } from '../support/databases.ts';
import { createUsers } from '../support/harness.ts';

const PASSWORD = 'push-deploy-pw-1';

describe.each(systemDialects())('push to deploy (%s)', (dialect) => {
  let f: EngineFixture;
  let client: GitClient;
  let work: string;
  const tokens: Record<string, string> = {};

  const remote = (who = 'dev') => remoteWithCredentials(f.t.url, 'pushy', who, tokens[who]!);
  const repoDir = () => hostedRepoDir(f.t.dataDir, 'pushy');

  async function commitApp(text: string, options: { berthYaml?: string | null; message?: string } = {}) {
    const files = tinyFiles({
      text,
      ...(options.berthYaml !== undefined ? { berthYaml: options.berthYaml } : {}),
    });
    if (options.berthYaml === null) fs.rmSync(path.join(work, 'berth.yaml'), { force: true });
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(work, name), content);
    await client.ok(['add', '-A'], { cwd: work });
    await client.ok(['commit', '-q', '--allow-empty', '-m', options.message ?? text], { cwd: work });
    return (await client.ok(['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
  }

  async function deploysOf(env: string) {
    return (await f.api('GET', `/api/v1/apps/pushy/envs/${env}/deploys`)).body.deploys as Array<{
      id: string;
      status: string;
      origin?: { commit?: string };
      error?: { code: string };
      trigger?: string;
      buildId?: string;
    }>;
  }

  beforeAll(async () => {
    f = await startEngineFixture(dialect);
    client = createGitClient();
    const cookies = await createUsers(
      f.t,
      f.cookie,
      [
        ['dev', 'developer'],
        ['stranger', 'developer'],
        ['ops', 'operator'],
      ],
      PASSWORD,
    );
    await f.createApp('pushy');
    expect((await f.api('POST', '/api/v1/apps/pushy/members', { username: 'dev' })).status).toBeLessThan(300);
    for (const who of ['dev', 'stranger', 'ops']) {
      const res = await f.t.api('POST', '/api/v1/me/tokens', { cookie: cookies[who], body: { name: 'git' } });
      tokens[who] = res.body.secret;
    }
    const cloned = await client.git(['clone', remote(), 'work']);
    expect(cloned.code, cloned.stderr).toBe(0);
    work = path.join(client.dir, 'work');
    await client.ok(['checkout', '-q', '-b', 'main'], { cwd: work });
  }, 60_000);
  afterAll(async () => {
    client?.remove();
    await f?.stop();
  });

  it('builds and deploys a push to main, following it in the push output to the URL', async () => {
    const sha = await commitApp('pushed');
    const push = await client.git(['push', 'origin', 'main'], { cwd: work, timeoutMs: 180_000 });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain(`remote: Deploying main (${sha.slice(0, 12)}) to stag`);
    expect(push.stderr).toMatch(/remote: -----> Building v1 from main [0-9a-f]{12} of the hosted repository/);
    expect(push.stderr).toContain(`remote: Deployed main to stag: v1 serves ${f.t.appsUrl}/t/pushy/`);
    expect((await f.get('/t/pushy/')).text).toBe('pushed v1');
    const [deploy] = await deploysOf('stag');
    expect(deploy).toMatchObject({
      status: 'succeeded',
      trigger: 'push:refs/heads/main',
      origin: { type: 'git', repository: 'hosted', ref: 'refs/heads/main', commit: sha },
    });
  }, 180_000);

  it('stores a pushed tag without deploying it, and deploys it by ref reusing the build', async () => {
    const before = (await deploysOf('stag')).length;
    const tag = await client.git(['push', 'origin', 'main:refs/tags/v1.0.0'], { cwd: work });
    expect(tag.code, tag.stderr).toBe(0);
    expect(tag.stderr).toContain('remote: v1.0.0 stored (tags are stored without deploying)');
    expect(await deploysOf('stag')).toHaveLength(before);

    const res = await f.api('POST', '/api/v1/apps/pushy/envs/prod/deploys/git', { ref: 'v1.0.0' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const done = await f.waitDeploy(res.body.deploy.id);
    expect(done.status).toBe('succeeded');
    expect(await f.logsOf(done.id)).toContain('Reusing build');
    expect(done.origin).toMatchObject({ ref: 'refs/tags/v1.0.0' });
    expect((await f.get('/o/pushy/')).text).toBe('pushed v1');

    // A promotion of what the push deployed builds nothing either.
    const promoted = await f.api('POST', '/api/v1/apps/pushy/promote', {});
    const promote = await f.waitDeploy(promoted.body.deploy.id);
    expect(promote.status).toBe('succeeded');
    expect(await f.logsOf(promote.id)).not.toContain('Building');
    const builds = (await f.api('GET', '/api/v1/apps/pushy/builds')).body.builds;
    expect(builds).toHaveLength(1);
    expect(builds[0]).toMatchObject({ status: 'succeeded', reused: 1 });

    const missing = await f.api('POST', '/api/v1/apps/pushy/envs/stag/deploys/git', { ref: 'v9.9.9' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('GIT_REF_NOT_FOUND');
    const odd = await f.api('POST', '/api/v1/apps/pushy/envs/stag/deploys/git', { ref: '--upload-pack=id' });
    expect(odd.status).toBe(400);
    expect(odd.body.error.code).toBe('GIT_REF_INVALID');
  }, 180_000);

  it('deploys a force-push', async () => {
    await client.ok(['checkout', '-q', '--orphan', 'rewrite'], { cwd: work });
    const sha = await commitApp('rewritten', { message: 'history rewritten' });
    const push = await client.git(['push', '--force', 'origin', 'rewrite:main'], {
      cwd: work,
      timeoutMs: 180_000,
    });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('+ ');
    expect(push.stderr).toContain('Deployed main to stag: v2');
    expect((await f.get('/t/pushy/')).text).toBe('rewritten v2');
    expect((await deploysOf('stag'))[0]!.origin?.commit).toBe(sha);
    await client.ok(['checkout', '-q', '-B', 'main', 'rewrite'], { cwd: work });
  }, 180_000);

  it('deploys only the newest of two quick pushes', async () => {
    // The first commit's build takes a few seconds, so the second push comes while it builds.
    const slow = nodeBerthYaml({ count: 1, healthPath: '/healthz', env: { TEXT: 'first' } }).replace(
      'processes:',
      'build: sleep 4\nprocesses:',
    );
    const first = await commitApp('first', { berthYaml: slow });
    const firstPush = client.git(['push', 'origin', `${first}:refs/heads/main`], {
      cwd: work,
      timeoutMs: 180_000,
    });
    const until = Date.now() + 30_000;
    while (!(await deploysOf('stag')).some((d) => d.origin?.commit === first && d.status === 'running')) {
      if (Date.now() > until) throw new Error('the first push never started its deploy');
      await new Promise((r) => setTimeout(r, 100));
    }
    const second = await commitApp('second');
    const secondPush = await client.git(['push', 'origin', 'main'], { cwd: work, timeoutMs: 180_000 });
    expect(secondPush.code, secondPush.stderr).toBe(0);
    expect(secondPush.stderr).toContain('Deployed main to stag');
    const firstOut = await firstPush;
    expect(firstOut.code, firstOut.stderr).toBe(0);
    expect(firstOut.stderr).toContain('Not deployed: superseded by');
    const deploys = await deploysOf('stag');
    const older = deploys.find((d) => d.origin?.commit === first)!;
    const newer = deploys.find((d) => d.origin?.commit === second)!;
    expect(older).toMatchObject({ status: 'cancelled', error: { code: 'BUILD_SUPERSEDED' } });
    expect(newer.status).toBe('succeeded');
    expect((await f.get('/t/pushy/')).text).toMatch(/^second v\d+$/);
  }, 240_000);

  it('refuses pushers without the right, storing and deploying nothing', async () => {
    const refsBefore = await refsOf(client, repoDir());
    const objectsBefore = objectFiles(repoDir());
    const deploysBefore = (await deploysOf('stag')).length;
    await commitApp('intruder');
    for (const [why, url] of [
      ['a non-member', remote('stranger')],
      ['a wrong token', remoteWithCredentials(f.t.url, 'pushy', 'dev', 'berth_wrong')],
      ['a password', remoteWithCredentials(f.t.url, 'pushy', 'dev', PASSWORD)],
    ] as const) {
      const push = await client.git(['push', url!, 'HEAD:main'], { cwd: work });
      expect(push.code, why).not.toBe(0);
    }
    expect(await refsOf(client, repoDir())).toBe(refsBefore);
    expect(objectFiles(repoDir())).toEqual(objectsBefore);
    expect(await deploysOf('stag')).toHaveLength(deploysBefore);
    await client.ok(['reset', '-q', '--hard', 'HEAD~1'], { cwd: work });
  }, 120_000);

  it('refuses deleting the deploy branch, and a push that changes the pinned manifest', async () => {
    const del = await client.git(['push', 'origin', ':main'], { cwd: work });
    expect(del.code).not.toBe(0);
    expect(del.stderr).toContain('main is the deploy branch: it cannot be deleted');

    const manifest = nodeBerthYaml({ count: 1, healthPath: '/healthz' });
    const pin = await f.t.api('PUT', '/api/v1/apps/pushy/source/pin', {
      token: tokens['ops'],
      body: { manifest, fields: ['processes'] },
    });
    expect(pin.status, JSON.stringify(pin.body)).toBe(200);
    const refsBefore = await refsOf(client, repoDir());
    await commitApp('scaled', {
      berthYaml: nodeBerthYaml({ count: 3, healthPath: '/healthz', env: { TEXT: 'x' } }),
    });
    const push = await client.git(['push', 'origin', 'main'], { cwd: work });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(
      /remote: .*berth\.yaml of main \([0-9a-f]{12}\) changes processes, which an operator pinned/,
    );
    expect(await refsOf(client, repoDir())).toBe(refsBefore);
    // A feature branch that does not deploy may hold it (the build refuses it if it is ever deployed).
    const branch = await client.git(['push', 'origin', 'HEAD:refs/heads/experiment'], { cwd: work });
    expect(branch.code, branch.stderr).toBe(0);
    expect(branch.stderr).toContain('experiment stored (only main deploys)');
    const deployed = await f.api('POST', '/api/v1/apps/pushy/envs/stag/deploys/git', { ref: 'experiment' });
    const refused = await f.waitDeploy(deployed.body.deploy.id);
    expect(refused.error.code).toBe('MANIFEST_PINNED');
    await client.ok(['reset', '-q', '--hard', 'HEAD~1'], { cwd: work });
    expect((await f.t.api('DELETE', '/api/v1/apps/pushy/source/pin', { token: tokens['ops'] })).status).toBe(
      200,
    );
  }, 180_000);

  it('reports a failed build in the push output and leaves the serving release alone', async () => {
    const serving = (await f.get('/t/pushy/')).text;
    await commitApp('broken', {
      berthYaml: nodeBerthYaml({ count: 1, healthPath: '/healthz' }).replace(
        'processes:',
        'build: exit 7\nprocesses:',
      ),
    });
    const push = await client.git(['push', 'origin', 'main'], { cwd: work, timeoutMs: 180_000 });
    expect(push.code, push.stderr).toBe(0); // the commit is stored; the deploy failed
    expect(push.stderr).toMatch(/remote: Deploy dep_\S+ failed: .*\(BUILD_FAILED\)/);
    expect(push.stderr).toContain('remote: The release that was serving keeps serving.');
    expect((await f.get('/t/pushy/')).text).toBe(serving);
  }, 180_000);

  it('files a deploy request for a push whose environment needs approval', async () => {
    expect((await f.api('PUT', '/api/v1/apps/pushy/source', { tagEnv: 'prod' })).status).toBe(200);
    expect((await f.api('PUT', '/api/v1/apps/pushy/envs/prod/policy', { approval: true })).status).toBe(200);
    const sha = (await client.ok(['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
    const push = await client.git(['push', 'origin', 'HEAD:refs/tags/v2.0.0'], { cwd: work });
    expect(push.code, push.stderr).toBe(0);
    const filed = /remote: prod needs approval: filed deploy request (dep_\S+) for v2\.0\.0/.exec(
      push.stderr,
    );
    expect(filed, push.stderr).not.toBeNull();
    const request = (await f.api('GET', `/api/v1/deploys/${filed![1]}`)).body.deploy;
    expect(request).toMatchObject({
      status: 'requested',
      kind: 'build',
      env: 'prod',
      createdBy: 'dev',
      origin: { type: 'git', repository: 'hosted', ref: 'refs/tags/v2.0.0', commit: sha },
      request: { note: `push of v2.0.0 (${sha.slice(0, 12)})` },
    });
  }, 120_000);
});
