// The CLI's side of sources against a real berthd and the real git client: `berth git remote` and the
// `berth git credential` helper (git pushes with the token the CLI stored, through the helper, and the
// helper tells other hosts nothing), push-to-deploy seen from `berth builds`, `deploys` and
// `releases`, `berth deploy --ref` reusing the pushed build, `--ref` to prod as a deploy request,
// `--image` on the process runtime, `berth sources show|set|pin|unpin` (the token read from stdin and
// never printed) and `berth webhooks show|rotate|deliveries`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitClient, type GitClient } from '../../server/test/git/git-client.ts';
import { systemDialects } from '../../server/test/support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import { EXIT } from '../src/errors.ts';
import { type CliHome, type CliResult, cliBundle } from './support/cli.ts';
import { createInProcessCli } from './support/in-process.ts';

const EXAMPLE = fileURLToPath(new URL('../../../examples/node-hello', import.meta.url));

function expectOk(result: CliResult): CliResult {
  expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
  return result;
}

function expectFailure(result: CliResult, exit: number, code: string): CliResult {
  expect({ code: result.code, stderr: result.stderr }).toMatchObject({
    code: exit,
    stderr: expect.stringContaining(`(${code})`),
  });
  return result;
}

describe.each(systemDialects())('berth git, sources, builds and webhooks against berthd on %s', (dialect) => {
  let t: TestBerthd;
  let cli: CliHome;
  let git: GitClient;
  let work: string;
  let bin: string;
  let token: string;
  let commit: string;
  let host: string;

  beforeAll(async () => {
    t = await startTestBerthd({ dialect });
    cli = createInProcessCli();
    expectOk(
      await cli.run(['login', t.url, '-u', 'admin', '--password-stdin'], { input: `${ADMIN_PASSWORD}\n` }),
    );
    token = JSON.parse(fs.readFileSync(cli.credentialsFile, 'utf8')).token;
    host = new URL(t.url).host;
    expectOk(await cli.run(['apps', 'create', 'shop', '--name', 'Shop']));
    git = createGitClient();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-git-'));
    // The `berth` that git's credential helper line runs: the real bundle, on PATH.
    bin = path.join(work, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(
      path.join(bin, 'berth'),
      `#!/bin/sh\nexec '${process.execPath}' '${cliBundle()}' "$@"\n`,
      { mode: 0o755 },
    );
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    cli?.remove();
    git?.remove();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('prints the remote and the setup lines; the helper answers only for its own server', async () => {
    const remote = expectOk(await cli.run(['git', 'remote', '--app', 'shop']));
    const lines = remote.stdout.trimEnd().split('\n');
    const url = `${t.url}/git/shop.git`;
    expect(lines[0]).toBe(url);
    expect(lines).toContain(`git remote add berth ${url}`);
    expect(lines).toContain(`git config credential.${t.url}.username admin`);
    expect(lines).toContain(`git config credential.${t.url}.helper '!berth git credential'`);
    expect(JSON.parse(expectOk(await cli.run(['git', 'remote', '--app', 'shop', '--json'])).stdout)).toEqual({
      remote: url,
      username: 'admin',
    });
    expect(remote.stdout).not.toContain(token);

    const get = (input: string) => cli.run(['git', 'credential', 'get'], { input });
    const answer = expectOk(await get(`protocol=http\nhost=${host}\npath=git/shop.git\n\n`));
    expect(answer.stdout).toBe(`username=admin\npassword=${token}\n`);
    expect(expectOk(await get(`protocol=http\nhost=${host}\nusername=admin\n\n`)).stdout).toBe(
      `username=admin\npassword=${token}\n`,
    );
    // Another host, another port, another scheme, another user: nothing to tell.
    for (const other of [
      'protocol=http\nhost=evil.example.com\n',
      `protocol=http\nhost=127.0.0.1:1\n`,
      `protocol=https\nhost=${host}\n`,
      `protocol=http\nhost=${host}\nusername=someone\n`,
      `url=http://evil.example.com/git/shop.git\n`,
      '',
    ]) {
      const refused = expectOk(await get(other));
      expect(refused.stdout, other).toBe('');
    }
    // store and erase take nothing in and change nothing: the login stays.
    expect(
      expectOk(await cli.run(['git', 'credential', 'erase'], { input: `protocol=http\nhost=${host}\n` }))
        .stdout,
    ).toBe('');
    expect(JSON.parse(fs.readFileSync(cli.credentialsFile, 'utf8')).token).toBe(token);
    // Not logged in: nothing.
    const loggedOut = await cli.run(['git', 'credential', 'get'], {
      input: `protocol=http\nhost=${host}\n`,
      env: { XDG_CONFIG_HOME: path.join(work, 'nobody') },
    });
    expect(loggedOut).toMatchObject({ code: 0, stdout: '' });
  });

  it('git pushes through the credential helper; builds, deploys and releases show the origin', async () => {
    const repo = path.join(git.dir, 'shop');
    fs.cpSync(EXAMPLE, repo, { recursive: true });
    await git.ok(['init', '-q', '-b', 'main'], { cwd: repo });
    await git.ok(['add', '.'], { cwd: repo });
    await git.ok(['commit', '-q', '-m', 'first'], { cwd: repo });
    commit = (await git.ok(['rev-parse', 'HEAD'], { cwd: repo })).stdout.trim();
    // The lines `berth git remote` printed, as a user pastes them.
    const printed = expectOk(await cli.run(['git', 'remote', '--app', 'shop'])).stdout.split('\n');
    for (const line of printed.filter((l) => /^git (remote|config) /.test(l))) {
      const args = line
        .slice(4)
        .match(/'[^']*'|\S+/g)!
        .map((w) => w.replace(/^'|'$/g, ''));
      await git.ok(args, { cwd: repo });
    }
    const env = { PATH: `${bin}:${process.env['PATH']}`, XDG_CONFIG_HOME: cli.configHome };
    const push = await git.ok(['push', 'berth', 'main'], { cwd: repo, env, timeoutMs: 120_000 });
    expect(push.stderr).toContain(`${t.appsUrl}/t/shop/`);
    expect(await (await fetch(`${t.appsUrl}/t/shop/`)).text()).toContain('Hello from Berth');

    const short = commit.slice(0, 8);
    const builds = expectOk(await cli.run(['builds', '--app', 'shop']));
    expect(builds.stdout).toMatch(
      new RegExp(`^bld_\\S+\\s+succeeded\\s+git main ${short}\\s+stag\\s+v1\\s+0\\s`, 'm'),
    );
    const deploys = expectOk(await cli.run(['deploys', '--app', 'shop']));
    expect(deploys.stdout).toMatch(/^ID\s+KIND\s+STATUS\s+RELEASE\s+SOURCE\s/);
    expect(deploys.stdout).toContain(`git main ${short}`);
    const releases = expectOk(await cli.run(['releases', '--app', 'shop']));
    expect(releases.stdout).toMatch(new RegExp(`^\\*v1\\s+ready\\s+git main ${short}\\s`, 'm'));
    const listed = JSON.parse(expectOk(await cli.run(['deploys', '--app', 'shop', '--json'])).stdout);
    const info = expectOk(await cli.run(['deploys', 'info', listed.deploys[0].id]));
    expect(info.stdout).toContain(`Source:`);
    expect(info.stdout).toContain(`commit ${commit}`);
    expect(info.stdout).toMatch(/^Trigger:\s+push:refs\/heads\/main$/m);
  }, 180_000);

  it('deploys --ref reusing the pushed build; prod asks for a request; bad refs and images fail clearly', async () => {
    const deployed = expectOk(await cli.run(['deploy', '--ref', 'main', '--app', 'shop']));
    expect(deployed.stderr).toContain('Reusing build');
    expect(deployed.stdout).toBe(`Deployed v2 to ${t.appsUrl}/t/shop/\n`);
    const builds = JSON.parse(expectOk(await cli.run(['builds', '--app', 'shop', '--json'])).stdout);
    expect(builds.builds).toHaveLength(1);
    expect(builds.builds[0]).toMatchObject({ reused: 1, origin: { type: 'git', commit } });

    expectOk(await cli.run(['policy', 'set', '--app', 'shop', '--env', 'prod', '--approval', 'on']));
    const prod = expectFailure(
      await cli.run(['deploy', '--ref', 'main', '--app', 'shop', '--env', 'prod']),
      EXIT.api,
      'APPROVAL_REQUIRED',
    );
    expect(prod.stderr).toContain('berth deploy --ref main --app shop --env prod --request');
    const filed = expectOk(await cli.run(['requests', 'create', '--ref', 'main', '--app', 'shop']));
    expect(filed.stdout).toMatch(
      new RegExp(
        `^Filed deploy request dep_\\w+: git main ${commit.slice(0, 8)} deploy to shop/prod, waiting for approval\\.\\n$`,
      ),
    );
    const viaDeploy = JSON.parse(
      expectOk(
        await cli.run(['deploy', '--ref', commit, '--app', 'shop', '--env', 'prod', '--request', '--json']),
      ).stdout,
    );
    expect(viaDeploy.deploy).toMatchObject({ kind: 'build', status: 'requested', origin: { type: 'git' } });

    const missing = await cli.run(['deploy', '--ref', 'no-such-branch', '--app', 'shop']);
    expect(missing.code).toBe(EXIT.api);
    expect(missing.stderr).toContain('GIT_REF_NOT_FOUND');
    const external = await cli.run(['deploy', '--ref', 'main', '--repo', 'external', '--app', 'shop']);
    expect(external.code).toBe(EXIT.api);
    expect(external.stderr).toContain('SOURCE_NOT_CONFIGURED');
    const image = await cli.run(['deploy', '--image', 'shop:1.0', '--app', 'shop']);
    expect(image.code).toBe(EXIT.api);
    expect(image.stderr).toContain('IMAGE_DEPLOY_UNSUPPORTED');
    // Still serving the pushed release.
    expect(await (await fetch(`${t.appsUrl}/t/shop/`)).text()).toContain('Hello from Berth');
  }, 180_000);

  it('shows and changes source settings, the token from stdin and never printed; pins and unpins', async () => {
    const shown = expectOk(await cli.run(['sources', '--app', 'shop']));
    expect(shown.stdout).toMatch(/^Deploys use:\s+the hosted repository$/m);
    expect(shown.stdout).toMatch(/^Branch:\s+main \(a push deploys to stag\)$/m);
    expect(shown.stdout).toMatch(/^Pinned:\s+no$/m);

    const secret = 'ghp_not-a-real-token-1234567890';
    const set = expectOk(
      await cli.run(
        [
          'sources',
          'set',
          '--app',
          'shop',
          '--repo-url',
          'https://git.example.com/shop.git',
          '--username',
          'deployer',
          '--token-stdin',
          '--tag-env',
          'prod',
          '--branch-env',
          'none',
        ],
        { input: `${secret}\n` },
      ),
    );
    expect(set.stdout).toMatch(/^External:\s+https:\/\/git\.example\.com\/shop\.git$/m);
    expect(set.stdout).toMatch(/^Credentials:\s+HTTPS token \(user deployer\)$/m);
    expect(set.stdout).toMatch(/^Branch:\s+main \(a push deploys to nowhere: only stored\)$/m);
    expect(set.stdout).toMatch(/^Tags:\s+a pushed tag deploys to prod$/m);
    const json = expectOk(await cli.run(['sources', 'show', '--app', 'shop', '--json']));
    expect(json.stdout + set.stdout + set.stderr).not.toContain(secret);
    expect(JSON.parse(json.stdout).source).toMatchObject({
      external: { url: 'https://git.example.com/shop.git', auth: 'token', username: 'deployer' },
      branchEnv: null,
      tagEnv: 'prod',
    });
    // A change of the branch alone keeps the repository and its credentials.
    const used = expectOk(await cli.run(['sources', 'set', '--app', 'shop', '--use', 'external']));
    expect(used.stdout).toMatch(/^Deploys use:\s+the external repository$/m);
    expect(used.stdout).toMatch(/^Credentials:\s+HTTPS token \(user deployer\)$/m);
    // A token for an SSH URL is the server's to refuse.
    const refused = await cli.run(
      ['sources', 'set', '--app', 'shop', '--repo-url', 'git@git.example.com:shop.git', '--token-stdin'],
      { input: 'x\n' },
    );
    expectFailure(refused, EXIT.api, 'VALIDATION_FAILED');
    const local = await cli.run(['sources', 'set', '--app', 'shop', '--repo-url', 'file:///etc']);
    expectFailure(local, EXIT.api, 'VALIDATION_FAILED');
    const removed = expectOk(
      await cli.run([
        'sources',
        'set',
        '--app',
        'shop',
        '--use',
        'hosted',
        '--no-external',
        '--branch-env',
        'stag',
      ]),
    );
    expect(removed.stdout).toMatch(/^External:\s+none$/m);

    const manifest = path.join(work, 'berth.yaml');
    fs.copyFileSync(path.join(EXAMPLE, 'berth.yaml'), manifest);
    const pinned = expectOk(
      await cli.run(['sources', 'pin', manifest, '--app', 'shop', '--fields', 'processes']),
    );
    expect(pinned.stdout).toBe('Pinned the manifest of shop: processes.\n');
    expect(expectOk(await cli.run(['sources', '--app', 'shop'])).stdout).toMatch(
      /^Pinned:\s+processes \(by admin, /m,
    );
    const unpinned = expectOk(await cli.run(['sources', 'unpin', '--app', 'shop']));
    expect(unpinned.stdout).toContain('Unpinned the manifest of shop');
    expect(expectOk(await cli.run(['sources', '--app', 'shop'])).stdout).toMatch(/^Pinned:\s+no$/m);
  });

  it('shows, reveals and rotates the webhook secret, and lists deliveries with their outcome', async () => {
    const shown = expectOk(await cli.run(['webhooks', '--app', 'shop']));
    expect(shown.stdout).toBe(`URL: ${t.url}/api/v1/hooks/shop\n`);
    const revealed = expectOk(await cli.run(['webhooks', 'show', '--app', 'shop', '--reveal', '--json']));
    const { secret } = JSON.parse(revealed.stdout);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const rotated = expectOk(await cli.run(['webhooks', 'rotate', '--app', 'shop']));
    const fresh = /^Secret:\s+([0-9a-f]{64})$/m.exec(rotated.stdout)?.[1];
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(secret);
    expect(rotated.stderr).toContain('paste the new one');

    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const post = (key: string) =>
      fetch(`${t.url}/api/v1/hooks/shop`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'ping',
          'x-github-delivery': crypto.randomUUID(),
          'x-hub-signature-256': `sha256=${crypto.createHmac('sha256', key).update(body).digest('hex')}`,
        },
        body,
      });
    expect((await post(secret)).status).toBe(401);
    expect((await post(fresh!)).status).toBe(200);
    const deliveries = expectOk(await cli.run(['webhooks', 'deliveries', '--app', 'shop']));
    const rows = deliveries.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^ID\s+RECEIVED\s+HOST\s+EVENT\s+REF\s+COMMIT\s+OUTCOME\s+DEPLOY\s+REASON$/);
    expect(rows[1]).toMatch(/\sgithub\s+ping\s+ignored\s+ping/);
    expect(rows[2]).toMatch(/\sgithub\s+ping\s+refused\s+WEBHOOK_SIGNATURE_INVALID: X-Hub-Signature-256 /);
    const limited = JSON.parse(
      expectOk(await cli.run(['webhooks', 'deliveries', '--app', 'shop', '--limit', '1', '--json'])).stdout,
    );
    expect(limited.deliveries).toHaveLength(1);
    expect(limited.deliveries[0]).toMatchObject({ outcome: 'ignored', verified: true });
  });
});
