// The source tab end to end, in Chromium against a real berthd: an admin sees the hosted
// repository's remote, changes the deploy branch (so a push of main is only stored), reveals and
// rotates the webhook secret and sees a refused delivery in the log, and pins a manifest; a
// developer member sees the pin read-only. Then a commit pushed with the real git client (basic
// auth, user name and API token) is deployed from the deploys tab by its branch name, and the
// deploy, the release and the builds table say where the code came from. Both pages are then
// checked in English and Chinese (language, accessibility, screenshots).
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createGitClient,
  type GitClient,
  remoteWithCredentials,
} from '../../../server/test/git/git-client.ts';
import {
  browserSkip,
  type ConsoleFixture,
  consoleHooks,
  EXAMPLES,
  loginThroughForm,
  settled,
  startConsoleFixture,
  tempDir,
  waitDeploySucceeded,
} from '../support/console-fixture.ts';
import { consoleLanguageChecker } from '../support/i18n-check.ts';
import { assertReport, checkStop, openStop, type TourStop } from '../support/tour.ts';

const skip = browserSkip('sources.browser.test.ts');

const CODE = 'srchello';
const APP_NAME = 'Source Hello';
const DEV = 'devi';
const PASSWORD = 'a long enough password 15';
const BRANCH = 'release';
const checker = consoleLanguageChecker();
/** Names and values the run creates, the same in either language. */
const NAMES = [CODE, APP_NAME, DEV, 'admin', 'Administrator', 'Devi', 'main', BRANCH];

describe.skipIf(!!skip)('the source tab in the console', () => {
  let f: ConsoleFixture;
  let work: string;
  let client: GitClient;
  let adminToken: string;
  /** The commit of main the run pushed. */
  let pushed: string | undefined;

  beforeAll(async () => {
    f = await startConsoleFixture();
    work = tempDir('console-sources');
    client = createGitClient();
    const user = await f.api('POST', '/api/v1/users', {
      body: { username: DEV, password: PASSWORD, role: 'developer', displayName: 'Devi' },
    });
    expect(user.status, JSON.stringify(user.body)).toBe(201);
    const app = await f.api('POST', '/api/v1/apps', { body: { code: CODE, name: APP_NAME } });
    expect(app.status, JSON.stringify(app.body)).toBe(201);
    const member = await f.api('POST', `/api/v1/apps/${CODE}/members`, { body: { username: DEV } });
    expect(member.status, JSON.stringify(member.body)).toBeLessThan(300);
    const token = await f.api('POST', '/api/v1/me/tokens', { body: { name: 'git' } });
    expect(token.status, JSON.stringify(token.body)).toBe(201);
    adminToken = token.body.secret;
  });
  consoleHooks('sources', () => ({ f, work }));

  const sourcePath = `/apps/${CODE}/stag/source`;

  async function source(): Promise<Record<string, unknown> & { branch: string; pin?: unknown }> {
    const res = await f.api('GET', `/api/v1/apps/${CODE}/source`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.source;
  }

  async function adminPage(): Promise<Page> {
    const page = await f.newPage({ loggedIn: true });
    await page.goto(sourcePath);
    await settled(page);
    return page;
  }

  it('shows the remote and changes the deploy branch', async () => {
    const page = await adminPage();
    const remote = await page.getByTestId('git-remote').textContent();
    expect(remote).toBe(`${f.url}/git/${CODE}.git`);
    expect(await page.getByTestId('git-remote-setup').textContent()).toContain(
      `git remote add berth ${remote}`,
    );
    expect(await page.getByTestId('git-remote-user').textContent()).toContain('admin');

    await page.getByTestId('source-branch').fill(BRANCH);
    await page.getByTestId('source-save').click();
    await expect.poll(async () => (await source()).branch).toBe(BRANCH);
    // The form starts again from the server's answer: nothing left to save.
    await expect.poll(() => page.getByTestId('source-save').isDisabled()).toBe(true);
  });

  it('reveals and rotates the webhook secret, and logs a refused delivery', async () => {
    const page = await adminPage();
    const url = await page.getByTestId('webhook-url').textContent();
    expect(url).toBe(`${f.url}/api/v1/hooks/${CODE}`);
    await page.getByTestId('webhook-reveal').click();
    const first = await page.getByTestId('webhook-secret').textContent();
    const api = await f.api('GET', `/api/v1/apps/${CODE}/webhook?reveal=true`);
    expect(first).toBe(api.body.secret);
    expect(first).toMatch(/^[0-9a-f]{64}$/);

    await page.getByTestId('webhook-rotate').click();
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => page.getByTestId('webhook-secret').textContent()).not.toBe(first);
    const rotated = await page.getByTestId('webhook-secret').textContent();
    expect((await f.api('GET', `/api/v1/apps/${CODE}/webhook?reveal=true`)).body.secret).toBe(rotated);

    // A delivery signed with the old secret is refused, and the log says so.
    const body = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40) });
    const signature = `sha256=${createHmac('sha256', first ?? '')
      .update(body)
      .digest('hex')}`;
    const hook = await fetch(url ?? '', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': 'delivery-1',
        'x-hub-signature-256': signature,
      },
      body,
    });
    expect(hook.status).toBe(401);
    const deliveries = page.getByTestId('webhook-deliveries');
    await expect
      .poll(async () => {
        await page.getByTestId('webhook-deliveries-refresh').click();
        return deliveries.textContent();
      })
      .toContain('Refused');
    expect(await deliveries.textContent()).toContain('GitHub');
  });

  it('pins a manifest as admin', async () => {
    const page = await adminPage();
    expect(await page.getByTestId('pin-none').count()).toBe(1);
    await page.getByTestId('pin-edit').click();
    const manifest = fs.readFileSync(path.join(EXAMPLES, 'node-hello', 'berth.yaml'), 'utf8');
    await page.getByTestId('pin-manifest').fill(manifest);
    await page.getByRole('checkbox', { name: 'processes' }).check();
    await page.getByTestId('pin-save').click();
    await page.getByTestId('pin-current').waitFor();
    expect((await source()).pin).toMatchObject({ fields: ['processes'], manifest, pinnedBy: 'admin' });
    expect(await page.getByTestId('pin-manifest-text').textContent()).toBe(manifest);
  });

  it('shows the pin read-only to a developer member, who may still reveal the webhook secret', async () => {
    const page = await f.newPage();
    await page.goto('/login');
    await loginThroughForm(page, DEV, PASSWORD);
    await page.goto(sourcePath);
    await settled(page);
    await page.getByTestId('pin-current').waitFor();
    expect(await page.getByTestId('pin-read-only').count()).toBe(1);
    expect(await page.getByTestId('pin-edit').count()).toBe(0);
    expect(await page.getByTestId('pin-remove').count()).toBe(0);
    expect(await page.getByTestId('pin-manifest-text').textContent()).toContain('node server.js');
    // Developers have source.write: the settings and the webhook secret are theirs too.
    expect(await page.getByTestId('source-branch').isDisabled()).toBe(false);
    expect(await page.getByTestId('webhook-reveal').count()).toBe(1);
  });

  it('deploys the branch a developer pushed with git, and shows where the code came from', {
    timeout: 240_000,
  }, async () => {
    // Push main (not the deploy branch: stored, not deployed) with the admin's API token.
    const repo = path.join(client.dir, 'hello');
    fs.cpSync(path.join(EXAMPLES, 'node-hello'), repo, { recursive: true });
    await client.ok(['init', '-q', '-b', 'main'], { cwd: repo });
    await client.ok(['add', '.'], { cwd: repo });
    await client.ok(['commit', '-q', '-m', 'hello'], { cwd: repo });
    pushed = (await client.ok(['rev-parse', 'HEAD'], { cwd: repo })).stdout.trim();
    const push = await client.git(['push', remoteWithCredentials(f.url, CODE, 'admin', adminToken), 'main'], {
      cwd: repo,
    });
    expect(push.code, push.stderr).toBe(0);
    const before = await f.api('GET', `/api/v1/apps/${CODE}/envs/stag/deploys`);
    expect(before.body.deploys).toEqual([]);

    const page = await f.newPage({ loggedIn: true });
    await page.goto(`/apps/${CODE}/stag/deploys`);
    await settled(page);
    await page.getByTestId('deploy-git-value').fill('main');
    await page.getByTestId('deploy-git-submit').click();
    await page.waitForURL(/\?deploy=/);
    const deployId = new URL(page.url()).searchParams.get('deploy') ?? '';
    await waitDeploySucceeded(f, deployId);
    const short = pushed.slice(0, 7);
    await expect.poll(() => page.getByTestId('deploy-origin').textContent()).toContain(`main @ ${short}`);
    expect(await page.getByTestId('deploy-origin').getAttribute('title')).toContain(pushed);

    const deploy = (await f.api('GET', `/api/v1/deploys/${deployId}`)).body.deploy;
    expect(deploy.origin).toMatchObject({ type: 'git', repository: 'hosted', commit: pushed });

    await page.getByTestId('app-tab-releases').click();
    await page.getByTestId('releases-table').waitFor();
    await expect.poll(() => page.getByTestId('releases-table').textContent()).toContain(short);

    await page.goto(sourcePath);
    await settled(page);
    await page.getByTestId(`build-row-${deploy.buildId}`).waitFor();
    const row = await page.getByTestId(`build-row-${deploy.buildId}`).textContent();
    expect(row).toContain(short);
    expect(row).toContain('Succeeded');
  });

  describe.each(['en', 'zh-CN'] as const)('the pages in %s', (locale) => {
    it('are in their language and accessible', { timeout: 120_000 }, async () => {
      const page = await f.newPage({ locale, loggedIn: true });
      const stops: TourStop[] = [
        { name: 'app-stag-source', path: sourcePath, ready: 'builds-table', loggedIn: true },
        {
          name: 'app-stag-releases-git',
          path: `/apps/${CODE}/stag/releases`,
          ready: 'releases-table',
          loggedIn: true,
        },
        {
          name: 'app-stag-deploys-git',
          path: `/apps/${CODE}/stag/deploys`,
          ready: 'deploy-git-card',
          loggedIn: true,
        },
      ];
      for (const stop of stops) {
        await openStop(page, stop);
        assertReport(await checkStop(page, stop, locale, checker, NAMES));
      }
    });
  });
});
