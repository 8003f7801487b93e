// The `berth` CLI (run in-process, support/in-process.ts) against a real berthd: login, whoami,
// apps, config, users, tokens, audit, logout, and the exit codes of every kind of failure. The real
// process is smoke-tested in spawn-smoke.system.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDialects } from '../../server/test/support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import { type CliHome, closedPort, expectFailure, expectOk } from './support/cli.ts';
import { createInProcessCli } from './support/in-process.ts';

const DEV_PASSWORD = 'developer-password-1';

describe.each(systemDialects())('berth CLI against berthd on %s', (dialect) => {
  let t: TestBerthd;
  let admin: CliHome;
  let dev: CliHome;
  let nobody: CliHome;

  beforeAll(async () => {
    t = await startTestBerthd({ dialect });
    admin = createInProcessCli();
    dev = createInProcessCli();
    nobody = createInProcessCli();
  });
  afterAll(async () => {
    await t?.stop();
    for (const home of [admin, dev, nobody]) home?.remove();
  });

  it('logs in with --password-stdin and stores an API token, not the session, in a private file', async () => {
    const result = await admin.run(['login', t.url, '--username', 'admin', '--password-stdin'], {
      input: `${ADMIN_PASSWORD}\n`,
    });
    expectOk(result);
    expect(result.stdout).toBe(`Logged in to ${t.url} as admin\n`);

    expect(fs.statSync(admin.credentialsFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(admin.credentialsFile)).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(fs.readFileSync(admin.credentialsFile, 'utf8'));
    expect(Object.keys(stored).sort()).toEqual(['server', 'token', 'username']);
    expect(stored).toMatchObject({ server: t.url, username: 'admin' });

    // The stored credential is an API token named after this machine…
    const me = await t.api('GET', '/api/v1/me', { token: stored.token });
    expect(me.status).toBe(200);
    expect(me.body.via).toBe('token');
    const tokens = await t.api('GET', '/api/v1/me/tokens', { token: stored.token });
    const mine = tokens.body.tokens.filter((k: { name: string }) => k.name === `berth-cli@${os.hostname()}`);
    expect(mine).toHaveLength(1);
    expect(stored.token.startsWith(mine[0].prefix)).toBe(true);
    // …and the login session that created it was logged out again.
    const audit = await t.api('GET', '/api/v1/audit?actor=admin&action=session', { token: stored.token });
    const actions = audit.body.events.map((e: { action: string }) => e.action);
    expect(actions).toContain('session.login');
    expect(actions).toContain('session.logout');
  });

  it('whoami shows the user, as text and as JSON', async () => {
    expect(expectOk(await admin.run(['whoami'])).stdout).toBe(`admin (admin) on ${t.url}\n`);
    const json = JSON.parse(expectOk(await admin.run(['whoami', '--json'])).stdout);
    expect(json).toMatchObject({ user: { username: 'admin', role: 'admin' }, via: 'token' });
  });

  it('creates, lists, shows and deletes apps', async () => {
    const created = await admin.run([
      'apps',
      'create',
      'cliapp',
      '--name',
      'CLI App',
      '--description',
      'made by the CLI',
    ]);
    expect(created.code).toBe(0);
    const secret = /App secret: (\S+)/.exec(created.stdout)?.[1];
    expect(secret).toBeTruthy();
    // The hint is a note for people (stderr); stdout holds the result.
    expect(created.stderr).toBe("Keep it safe; 'berth apps secret cliapp' shows it again.\n");
    expect(expectOk(await admin.run(['apps', 'secret', 'cliapp'])).stdout).toBe(`${secret}\n`);

    const list = JSON.parse(expectOk(await admin.run(['apps', 'list', '--json'])).stdout);
    expect(list.apps.map((a: { code: string }) => a.code)).toContain('cliapp');
    const table = expectOk(await admin.run(['apps', 'list'])).stdout.split('\n');
    expect(table[0]).toMatch(/^CODE\s+NAME\s+MEMBERS/);
    expect(table.some((line) => /^cliapp\s+CLI App\s+admin\s/.test(line))).toBe(true);

    const info = JSON.parse(expectOk(await admin.run(['apps', 'info', 'cliapp', '--json'])).stdout);
    expect(info.app).toMatchObject({ code: 'cliapp', name: 'CLI App', description: 'made by the CLI' });
    expect(info.app.members).toEqual(['admin']);
    expect(expectOk(await admin.run(['apps', 'info', 'cliapp'])).stdout).toMatch(/^Name:\s+CLI App$/m);

    // Without --yes and without a terminal to ask, nothing is deleted.
    const refused = await admin.run(['apps', 'delete', 'cliapp']);
    expectFailure(refused, 2, 'USAGE');
    expect(refused.stderr).toContain('--yes');
    expect((await t.api('GET', '/api/v1/apps/cliapp', { token: storedToken(admin) })).status).toBe(200);

    expect(expectOk(await admin.run(['apps', 'delete', 'cliapp', '--yes'])).stdout).toBe(
      'Deleted app cliapp.\n',
    );
    expectFailure(await admin.run(['apps', 'info', 'cliapp']), 1, 'APP_NOT_FOUND');
  });

  it('rotates the app secret and manages members', async () => {
    // apps create notes on stderr how to see the secret again: not expectOk's empty stderr.
    expect((await admin.run(['apps', 'create', 'teamapp', '--name', 'Team'])).code).toBe(0);
    const before = expectOk(await admin.run(['apps', 'secret', 'teamapp'])).stdout.trim();
    const rotated = await admin.run(['apps', 'secret', 'teamapp', '--rotate', '--json']);
    expect(rotated.code).toBe(0);
    const after = JSON.parse(rotated.stdout).secret;
    expect(after).not.toBe(before);
    expect(expectOk(await admin.run(['apps', 'secret', 'teamapp'])).stdout.trim()).toBe(after);

    // the server answers the same for unknown users; the CLI says what it asked for
    expect(expectOk(await admin.run(['apps', 'members', 'teamapp', 'add', 'ghost'])).stdout).toBe(
      'Asked to add ghost to teamapp; berth apps members teamapp lists the members.\n',
    );
    expectFailure(await admin.run(['apps', 'members', 'teamapp', 'invite', 'x']), 2, 'USAGE');
    const members = JSON.parse(expectOk(await admin.run(['apps', 'members', 'teamapp', '--json'])).stdout);
    expect(members.members.map((m: { username: string }) => m.username)).toEqual(['admin']);
  });

  it('sets, reads and unsets config vars, masking secrets unless revealed', async () => {
    expect((await admin.run(['apps', 'create', 'cfgapp', '--name', 'Config'])).code).toBe(0);
    expect(expectOk(await admin.run(['config', 'set', 'A=1', 'B=x=y', '--app', 'cfgapp'])).stdout).toBe(
      'Set A, B in cfgapp/stag.\n',
    );
    expectOk(await admin.run(['config', '--app', 'cfgapp', 'set', 'PASSWORD=hunter2', '--secret']));

    const listed = JSON.parse(expectOk(await admin.run(['config', '--app', 'cfgapp', '--json'])).stdout);
    const byName = Object.fromEntries(listed.vars.map((v: { name: string }) => [v.name, v]));
    expect(byName['A']).toMatchObject({ value: '1', secret: false });
    expect(byName['B']).toMatchObject({ value: 'x=y', secret: false });
    expect(byName['PASSWORD']).toMatchObject({ value: '********', secret: true });
    const table = expectOk(await admin.run(['config', 'list', '--app', 'cfgapp'])).stdout;
    expect(table).toMatch(/^PASSWORD\s+\*{8}\s+yes\s/m);
    expect(table).not.toContain('hunter2');

    const masked = await admin.run(['config', 'get', 'PASSWORD', '--app', 'cfgapp']);
    expect(masked.code).toBe(0);
    expect(masked.stdout).toBe('********\n');
    expect(masked.stderr).toContain('--reveal');
    expect(
      expectOk(await admin.run(['config', 'get', 'PASSWORD', '--app', 'cfgapp', '--reveal'])).stdout,
    ).toBe('hunter2\n');
    expect(expectOk(await admin.run(['config', 'get', 'B', '-a', 'cfgapp'])).stdout).toBe('x=y\n');

    // The environment defaults to stag; prod has its own vars.
    const prod = JSON.parse(
      expectOk(await admin.run(['config', '--app', 'cfgapp', '--env', 'prod', '--json'])).stdout,
    );
    expect(prod.vars).toEqual([]);
    expectFailure(
      await admin.run(['config', 'get', 'A', '--app', 'cfgapp', '--env', 'prod']),
      1,
      'CONFIG_VAR_NOT_FOUND',
    );

    expect(expectOk(await admin.run(['config', 'unset', 'A', 'B', '--app', 'cfgapp'])).stdout).toBe(
      'Unset A, B in cfgapp/stag.\n',
    );
    const left = JSON.parse(expectOk(await admin.run(['config', '--app', 'cfgapp', '--json'])).stdout);
    expect(left.vars.map((v: { name: string }) => v.name)).toEqual(['PASSWORD']);
    expectFailure(await admin.run(['config', 'unset', 'A', '--app', 'cfgapp']), 1, 'CONFIG_VAR_NOT_FOUND');
  });

  it('manages users and tokens as admin', async () => {
    const created = await admin.run(['users', 'create', 'dev1', '--role', 'developer', '--password-stdin'], {
      input: `${DEV_PASSWORD}\n`,
    });
    expect(expectOk(created).stdout).toBe('Created user dev1 (developer).\n');
    const users = JSON.parse(expectOk(await admin.run(['users', 'list', '--json'])).stdout);
    expect(users.users.map((u: { username: string }) => u.username).sort()).toEqual(['admin', 'dev1']);
    expectOk(await admin.run(['users', 'set', 'dev1', '--display-name', 'Dev One']));
    const info = JSON.parse(expectOk(await admin.run(['users', 'info', 'dev1', '--json'])).stdout);
    expect(info.user).toMatchObject({
      username: 'dev1',
      displayName: 'Dev One',
      role: 'developer',
      disabled: false,
    });
    expect(expectOk(await admin.run(['users', 'info', 'dev1'])).stdout).toMatch(/^Role:\s+developer$/m);

    const token = JSON.parse(
      expectOk(await admin.run(['tokens', 'create', 'ci', '--expires-in-days', '7', '--json'])).stdout,
    );
    expect(token.secret).toMatch(/^berth_/);
    expect(token.token).toMatchObject({ name: 'ci', username: 'admin' });
    expect(token.token.expiresAt).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    // The new token works for scripts through BERTH_URL / BERTH_TOKEN.
    const viaEnv = await nobody.run(['whoami'], { env: { BERTH_URL: t.url, BERTH_TOKEN: token.secret } });
    expect(expectOk(viaEnv).stdout).toBe(`admin (admin) on ${t.url}\n`);

    const list = JSON.parse(expectOk(await admin.run(['tokens', 'list', '--json'])).stdout);
    expect(list.tokens.map((k: { id: string }) => k.id)).toContain(token.token.id);
    const all = expectOk(await admin.run(['tokens', 'list', '--all'])).stdout;
    expect(all.split('\n')[0]).toMatch(/^USER\s+ID\s+NAME/);
    expect(expectOk(await admin.run(['tokens', 'revoke', token.token.id])).stdout).toBe(
      `Revoked API token ${token.token.id}.\n`,
    );
    expectFailure(
      await nobody.run(['whoami'], { env: { BERTH_URL: t.url, BERTH_TOKEN: token.secret } }),
      3,
      'TOKEN_REVOKED',
    );
    expectFailure(await admin.run(['tokens', 'revoke', 'tok_doesnotexist0']), 1, 'API_TOKEN_NOT_FOUND');
  });

  it('refuses admin commands to a developer with FORBIDDEN', async () => {
    expectOk(
      await dev.run(['login', t.url, '-u', 'dev1', '--password-stdin'], { input: `${DEV_PASSWORD}\n` }),
    );
    expect(expectOk(await dev.run(['whoami'])).stdout).toBe(`dev1 (developer) on ${t.url}\n`);
    expectFailure(await dev.run(['users', 'list']), 1, 'FORBIDDEN');
    expectFailure(
      await dev.run(['users', 'create', 'eve', '--role', 'admin', '--password-stdin'], {
        input: 'eve-password-123\n',
      }),
      1,
      'FORBIDDEN',
    );
    expectFailure(await dev.run(['tokens', 'list', '--all']), 1, 'FORBIDDEN');
    expectFailure(await dev.run(['audit']), 1, 'FORBIDDEN');
    // Their own tokens are theirs to manage; other people's apps do not exist for them.
    expect(JSON.parse(expectOk(await dev.run(['tokens', 'list', '--json'])).stdout).tokens).toHaveLength(1);
    expectFailure(await dev.run(['apps', 'info', 'cfgapp']), 1, 'APP_NOT_FOUND');
    expectFailure(await dev.run(['config', '--app', 'cfgapp']), 1, 'APP_NOT_FOUND');
    // A developer's own app: theirs, and they are its member.
    expect((await dev.run(['apps', 'create', 'devapp', '--name', 'Dev App'])).code).toBe(0);
    expect(JSON.parse(expectOk(await dev.run(['apps', 'list', '--json'])).stdout).apps).toHaveLength(1);
  });

  it('deletes nothing without --yes when there is no terminal to ask', async () => {
    expectFailure(await admin.run(['users', 'delete', 'dev1']), 2, 'USAGE');
    expect((await t.api('GET', '/api/v1/users/dev1', { token: storedToken(admin) })).status).toBe(200);
  });

  it('reads the audit log as admin', async () => {
    const page = JSON.parse(
      expectOk(await admin.run(['audit', '--action', 'user', '--limit', '5', '--json'])).stdout,
    );
    expect(page.events.length).toBeGreaterThan(0);
    expect(page.events.length).toBeLessThanOrEqual(5);
    for (const e of page.events) expect(e.action.startsWith('user')).toBe(true);
    expect(page.events.some((e: { action: string; targetId: string }) => e.action === 'user.create')).toBe(
      true,
    );
    const table = await admin.run(['audit', '--actor', 'admin', '--limit', '3']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^TIME\s+ACTOR\s+ACTION\s+TARGET/);
    expect(table.stdout.trimEnd().split('\n')).toHaveLength(4);
    // More events than the limit: the next page's command goes to stderr.
    expect(table.stderr).toMatch(/^More: berth audit --cursor \S+/);
  });

  it('fails login with a wrong password and stores nothing', async () => {
    const result = await nobody.run(['login', t.url, '-u', 'admin', '--password-stdin'], {
      input: 'not-the-password\n',
    });
    expectFailure(result, 1, 'INVALID_CREDENTIALS');
    expect(fs.existsSync(nobody.credentialsFile)).toBe(false);
  });

  it('logout revokes the stored token on the server and forgets it', async () => {
    const token = storedToken(dev);
    expect(expectOk(await dev.run(['logout'])).stdout).toBe(`Logged out of ${t.url}\n`);
    expect(fs.existsSync(dev.credentialsFile)).toBe(false);
    expect((await t.api('GET', '/api/v1/me', { token })).body.error.code).toBe('TOKEN_REVOKED');
    expectFailure(
      await dev.run(['whoami'], { env: { BERTH_URL: t.url, BERTH_TOKEN: token } }),
      3,
      'TOKEN_REVOKED',
    );
    expectFailure(await dev.run(['whoami']), 3, 'NOT_LOGGED_IN');
    expectFailure(await dev.run(['logout']), 3, 'NOT_LOGGED_IN');
  });

  it('a second login replaces the stored token and revokes the old one', async () => {
    const first = storedToken(admin);
    expectOk(await admin.run(['login', '-u', 'admin', '--password-stdin'], { input: `${ADMIN_PASSWORD}\n` }));
    const second = storedToken(admin);
    expect(second).not.toBe(first);
    expect((await t.api('GET', '/api/v1/me', { token: first })).status).toBe(401);
    expect((await t.api('GET', '/api/v1/me', { token: second })).status).toBe(200);
  });
});

// What needs no server (or no reachable one): argument checks, help, missing credentials.
describe('berth CLI without a server', () => {
  let cli: CliHome;
  beforeAll(() => {
    cli = createInProcessCli();
  });
  afterAll(() => cli?.remove());

  it('exits 2 on usage errors, before asking for credentials or a server', async () => {
    const cases: string[][] = [
      ['apps', 'create'],
      ['apps', 'create', 'x'],
      ['apps', 'info'],
      ['apps', 'info', 'a', 'b'],
      ['apps', 'frobnicate'],
      ['frobnicate'],
      ['whoami', '--bogus'],
      ['config', '--env', 'prod'],
      ['config', '--app', 'cfgapp', '--env', 'qa'],
      ['config', 'set', 'NOEQUALS', '--app', 'cfgapp'],
      ['tokens', 'create', 'x', '--expires-in-days', 'zero'],
      ['users', 'create', 'u1', '--role', 'king'],
      ['users', 'set', 'dev1'],
      ['users', 'set', 'dev1', '--disable', '--enable'],
      ['users', 'delete', 'dev1'],
      ['apps', 'delete', 'someapp'],
      ['login', 'ftp://example.com'],
      [],
    ];
    // A few at a time, as a script might.
    for (let i = 0; i < cases.length; i += 4) {
      const batch = cases.slice(i, i + 4);
      const results = await Promise.all(batch.map((args) => cli.run(args)));
      batch.forEach((args, j) => {
        expect({ args, code: results[j]!.code }).toEqual({ args, code: 2 });
        expect(results[j]!.stderr).toMatch(/^berth: [^\n]+ \(USAGE\)\n$/m);
      });
    }
  });

  it('prints help and the version', async () => {
    const top = expectOk(await cli.run(['--help']));
    for (const group of ['login', 'apps', 'config', 'users', 'tokens', 'jobs', 'audit']) {
      expect(top.stdout).toMatch(new RegExp(`^  ${group}\\s`, 'm'));
    }
    expect(expectOk(await cli.run(['config', '--help'])).stdout).toContain('defaults to stag');
    expect(expectOk(await cli.run(['apps', 'create', '--help'])).stdout).toContain('--name NAME');
    expect(expectOk(await cli.run(['--version'])).stdout).toMatch(/^berth \d+\.\d+\.\d+\n$/);
  });

  it('exits 3 when not logged in, and 4 when the server is down', async () => {
    const result = await cli.run(['apps', 'list']);
    expectFailure(result, 3, 'NOT_LOGGED_IN');
    expect(result.stderr).toContain('run berth login first');

    const port = await closedPort();
    const down = await cli.run(['whoami'], {
      env: { BERTH_URL: `http://127.0.0.1:${port}`, BERTH_TOKEN: 'berth_whatever' },
    });
    expectFailure(down, 4, 'NETWORK_ERROR');
    expect(down.stderr).toContain(`http://127.0.0.1:${port}/api/v1/me`);
    const login = await cli.run(['login', `http://127.0.0.1:${port}`, '-u', 'admin', '--password-stdin'], {
      input: 'x\n',
    });
    expectFailure(login, 4, 'NETWORK_ERROR');
    expect(fs.existsSync(cli.credentialsFile)).toBe(false);
  });
});

function storedToken(home: CliHome): string {
  return JSON.parse(fs.readFileSync(home.credentialsFile, 'utf8')).token;
}
