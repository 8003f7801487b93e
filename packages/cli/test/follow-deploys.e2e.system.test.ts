// The commands that start deploys follow them, against a real berthd running a real app: config set
// and unset (success, a failing config deploy that leaves the new value stored but not running,
// --no-wait, --json with the deploy id), PORT refused, a secret rotation that replaces the running
// instances with ones holding the new secret, and the per-app instance ceiling (scale, an admin
// raising it, a manifest past it).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemDialects } from '../../server/test/support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import type { CliHome, CliResult } from './support/cli.ts';
import { createInProcessCli } from './support/in-process.ts';

const APP = 'follow';
const CAPPED = 'capped';
const DEV_PASSWORD = 'developer-password-1';

/** The app: answers every request with its greeting and a digest of its app secret; with
 *  CRASH_ON_START=1 it exits at once (so a config deploy setting it fails). */
const SERVER_JS = `import crypto from 'node:crypto';
import http from 'node:http';
if (process.env.CRASH_ON_START === '1') {
  console.error('refusing to start: CRASH_ON_START=1');
  process.exit(3);
}
const secret = crypto.createHash('sha256').update(process.env.BERTH_APP_SECRET ?? '').digest('hex');
http
  .createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ greeting: process.env.GREETING ?? null, secret }));
  })
  .listen(Number(process.env.PORT));
`;

function writeApp(dir: string, count: number): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'berth.yaml'),
    `runtime: node\nprocesses:\n  web:\n    command: node server.js\n    count: ${count}\nhealth:\n  path: /\n  startTimeout: 20s\n  interval: 1s\n`,
  );
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"follow","version":"1.0.0","type":"module"}\n');
  fs.writeFileSync(path.join(dir, 'server.js'), SERVER_JS);
}

function expectOk(result: CliResult): CliResult {
  expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
  return result;
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

describe.each(systemDialects())(
  'commands that start deploys follow them, against berthd on %s',
  (dialect) => {
    let t: TestBerthd;
    let cli: CliHome;
    let work: string;
    const appUrl = () => `${t.appsUrl}/t/${APP}/`;
    const answer = async (): Promise<{ greeting: string | null; secret: string }> =>
      (await fetch(appUrl())).json() as Promise<{ greeting: string | null; secret: string }>;
    const webIds = async (): Promise<string[]> => {
      const ps = JSON.parse(expectOk(await cli.run(['ps', '--app', APP, '--json'])).stdout);
      return ps.instances.map((i: { id: string }) => i.id).sort();
    };

    beforeAll(async () => {
      // A low platform ceiling, so the limit tests stay light.
      t = await startTestBerthd({ dialect, env: { BERTH_MAX_INSTANCES_PER_APP: '3' } });
      cli = createInProcessCli();
      expectOk(
        await cli.run(['login', t.url, '-u', 'admin', '--password-stdin'], { input: `${ADMIN_PASSWORD}\n` }),
      );
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-follow-'));
      writeApp(path.join(work, APP), 1);
      expectOk(await cli.run(['apps', 'create', APP, '--name', 'Follow']));
      expectOk(await cli.run(['apps', 'create', CAPPED, '--name', 'Capped']));
      expectOk(await cli.run(['deploy', path.join(work, APP), '--app', APP]));
    }, 300_000);
    afterAll(async () => {
      // Deleting the apps stops their instances and removes their host users.
      for (const code of [APP, CAPPED]) await cli?.run(['apps', 'delete', code, '--yes']);
      await t?.stop();
      cli?.remove();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it('config set follows the config deploy to its end; --json carries the deploy', async () => {
      const set = expectOk(await cli.run(['config', 'set', 'GREETING=hello', '--app', APP]));
      // The followed log is progress (stderr); stdout carries the result only.
      expect(set.stderr).toMatch(
        /^Deploy dep_\S+ \(config of follow\/stag\) (queued|running); following its log\.\n/,
      );
      expect(set.stderr).toMatch(/-----> v\d+ from stag v\d+ \(config\)\n/);
      expect(set.stdout).toMatch(/^Set GREETING in follow\/stag; v\d+ runs with it\.\n$/);
      expect((await answer()).greeting).toBe('hello');

      const json = JSON.parse(
        expectOk(await cli.run(['config', 'set', 'GREETING=json', '--app', APP, '--json'])).stdout,
      );
      expect(json.vars.map((v: { name: string }) => v.name)).toEqual(['GREETING']);
      expect(json.deploy).toMatchObject({
        id: expect.stringMatching(/^dep_/),
        kind: 'config',
        status: 'succeeded',
      });
      const info = JSON.parse(expectOk(await cli.run(['deploys', 'info', json.deploy.id, '--json'])).stdout);
      expect(info.deploy).toMatchObject({ kind: 'config', status: 'succeeded', app: APP, env: 'stag' });
      expect((await answer()).greeting).toBe('json');
    });

    it('--no-wait returns once the server accepted the change, with the deploy id', async () => {
      const accepted = JSON.parse(
        expectOk(await cli.run(['config', 'unset', 'GREETING', '--app', APP, '--no-wait', '--json'])).stdout,
      );
      expect(accepted.vars).toEqual([]);
      expect(accepted.deploy).toMatchObject({ id: expect.stringMatching(/^dep_/), kind: 'config' });
      const id = accepted.deploy.id as string;
      await vi.waitFor(
        async () => {
          const info = JSON.parse((await cli.run(['deploys', 'info', id, '--json'])).stdout);
          expect(info.deploy.status).toBe('succeeded');
        },
        { timeout: 60_000, interval: 500 },
      );
      expect((await answer()).greeting).toBeNull();

      const text = expectOk(await cli.run(['config', 'set', 'GREETING=later', '--app', APP, '--no-wait']));
      const textId = /^Deploy (dep_\S+) (queued|running) \(config of follow\/stag\)\.$/m.exec(
        text.stdout,
      )?.[1];
      expect(textId).toBeDefined();
      expect(text.stderr).toContain(`Follow it with 'berth deploys logs ${textId} -f'`);
      expect(text.stdout).toContain(
        'Set GREETING in follow/stag; the new values run once that deploy succeeds.',
      );
      // The next change waits behind that deploy (one at a time per environment) and follows its own.
      expectOk(await cli.run(['config', 'set', 'GREETING=hello', '--app', APP]));
      expect((await answer()).greeting).toBe('hello');
    });

    it('a failing config deploy exits 1 and says the new value is stored but not running', async () => {
      const before = await webIds();
      const failed = await cli.run(['config', 'set', 'CRASH_ON_START=1', '--app', APP]);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/^berth: deploy dep_\S+ failed: .+ \(INSTANCE_CRASHED\)\n$/m);
      expect(failed.stderr).toContain('stored but not running');
      expect(failed.stderr).toContain('follow/stag still runs with the previous values.');
      expect(failed.stderr).toContain(
        "Retry with 'berth config set CRASH_ON_START=… --app follow --env stag' once the cause is fixed",
      );
      expect(failed.stderr).toContain("'berth config unset NAME' for a var that is new");

      // Stored…
      expect(expectOk(await cli.run(['config', 'get', 'CRASH_ON_START', '--app', APP])).stdout).toBe('1\n');
      // …but not running: the same instances serve, with the previous values.
      expect(await webIds()).toEqual(before);
      expect((await answer()).greeting).toBe('hello');
      // The deploy record says so too.
      const history = JSON.parse(expectOk(await cli.run(['deploys', '--app', APP, '--json'])).stdout);
      expect(history.deploys[0]).toMatchObject({ kind: 'config', status: 'failed' });
      expect(history.deploys[0].error.message).toContain('the new config is stored but not running');

      // Reverting deploys again and succeeds.
      expectOk(await cli.run(['config', 'unset', 'CRASH_ON_START', '--app', APP]));
      expect((await answer()).greeting).toBe('hello');
    });

    it('config set refuses PORT and BERTH_* names with CONFIG_KEY_RESERVED, changing nothing', async () => {
      for (const assignment of ['PORT=1', 'BERTH_APP_CODE=x']) {
        const refused = await cli.run(['config', 'set', assignment, '--app', APP]);
        expect(refused.code).toBe(1);
        expect(refused.stdout).toBe('');
        expect(refused.stderr).toMatch(/^berth: [^\n]+ \(CONFIG_KEY_RESERVED\)\n$/);
      }
      const vars = JSON.parse(expectOk(await cli.run(['config', '--app', APP, '--json'])).stdout).vars;
      expect(vars.map((v: { name: string }) => v.name)).toEqual(['GREETING']);
    });

    it('rotating the app secret replaces every running instance with one holding the new secret', async () => {
      const oldIds = await webIds();
      const oldSecret = expectOk(await cli.run(['apps', 'secret', APP])).stdout.trim();
      expect((await answer()).secret).toBe(sha256(oldSecret));

      const rotated = expectOk(await cli.run(['apps', 'secret', APP, '--rotate']));
      const newSecret = rotated.stdout.split('\n')[0]!;
      expect(newSecret).not.toBe(oldSecret);
      expect(rotated.stderr).toContain('Restarting stag so that no instance keeps the old secret.');
      expect(rotated.stdout).toContain('Restarted stag: every instance of follow has the new secret.\n');

      const newIds = await webIds();
      expect(newIds).toHaveLength(oldIds.length);
      expect(newIds.filter((id) => oldIds.includes(id))).toEqual([]);
      expect((await answer()).secret).toBe(sha256(newSecret));

      // --json: the secret and the finished restarts; prod runs nothing, so only stag is rolled.
      const json = JSON.parse(expectOk(await cli.run(['apps', 'secret', APP, '--rotate', '--json'])).stdout);
      expect(json.deploys).toEqual([
        expect.objectContaining({
          env: 'stag',
          kind: 'restart',
          status: 'succeeded',
          reason: 'secret_rotated',
          id: expect.any(String),
        }),
      ]);
      expect(json.deploys[0].description).toBeUndefined();
      expect((await answer()).secret).toBe(sha256(json.secret));
      // The deploy list says why, in words (the API's reason; clients translate it).
      const listed = expectOk(await cli.run(['deploys', '--app', APP, '--env', 'stag'])).stdout;
      expect(listed).toContain('restart after the app secret');

      // An app that runs nothing has nothing to roll.
      const idle = expectOk(await cli.run(['apps', 'secret', CAPPED, '--rotate']));
      expect(idle.stderr).toContain('No environment of capped runs instances; nothing to restart.');
    });

    it('scale past the instance ceiling is refused until an admin raises it', async () => {
      expect(expectOk(await cli.run(['apps', 'limits', APP])).stdout).toBe(
        'follow may run 3 instances, its environments together (the platform default).\n',
      );
      const refused = await cli.run(['scale', 'web=4', '--app', APP]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /^berth: follow would run 4 instances .*ceiling is 3.* \(INSTANCE_LIMIT_EXCEEDED\)\n$/,
      );

      // Developers see the ceiling but cannot change it.
      const cookie = await t.login('admin', ADMIN_PASSWORD);
      const created = await t.api('POST', '/api/v1/users', {
        cookie,
        body: { username: 'dev', password: DEV_PASSWORD, role: 'developer' },
      });
      expect(created.status).toBe(201);
      await t.api('POST', `/api/v1/apps/${APP}/members`, { cookie, body: { username: 'dev' } });
      const devCookie = await t.login('dev', DEV_PASSWORD);
      const readable = await t.api('GET', `/api/v1/apps/${APP}/limits`, { cookie: devCookie });
      expect(readable.body).toEqual({ limits: { maxInstances: 3, platformDefault: true } });
      const forbidden = await t.api('PUT', `/api/v1/apps/${APP}/limits`, {
        cookie: devCookie,
        body: { maxInstances: 50 },
      });
      expect([forbidden.status, forbidden.body.error.code]).toEqual([403, 'FORBIDDEN']);

      expect(expectOk(await cli.run(['apps', 'limits', APP, '--max-instances', '4'])).stdout).toBe(
        'follow may run 4 instances, its environments together.\n',
      );
      expect(expectOk(await cli.run(['scale', 'web=4', '--app', APP])).stdout).toContain(
        'Scaled follow/stag: web=4\n',
      );
      expect(await webIds()).toHaveLength(4);
      expectOk(await cli.run(['scale', 'web=1', '--app', APP]));
      expect(expectOk(await cli.run(['apps', 'limits', APP, '--default'])).stdout).toContain(
        '(the platform default)',
      );
    });

    it('a deploy whose manifest counts exceed the ceiling fails with INSTANCE_LIMIT_EXCEEDED', async () => {
      const dir = path.join(work, CAPPED);
      writeApp(dir, 4);
      const failed = await cli.run(['deploy', dir, '--app', CAPPED]);
      expect(failed.code).toBe(1);
      // The reason is in the deploy's log, printed (to stderr) as it is followed; the last line points there.
      expect(failed.stdout).toBe('');
      expect(failed.stderr).toMatch(
        /Deploy failed \(INSTANCE_LIMIT_EXCEEDED\): capped would run 4 instances/,
      );
      expect(failed.stderr).toMatch(
        /^berth: deploy dep_\S+ failed \(see its log above\) \(INSTANCE_LIMIT_EXCEEDED\)/m,
      );
      const ps = JSON.parse(expectOk(await cli.run(['ps', '--app', CAPPED, '--json'])).stdout);
      expect(ps.instances).toEqual([]);
    });
  },
);
