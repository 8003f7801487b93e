// Attacks on berthd's identity layer, each against a real berthd, as a client (or an operator or a
// developer with a normal account) would mount them: login floods, password resets across roles,
// weak passwords, the generated first password, secrets left in the environment, prototype names as
// process types and user enumeration through app members.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopApps, tinyApp } from '../engine/support.ts';
import { childProcesses, type Fixture, REPO_ROOT, startNode } from '../jobs/processes.ts';
import { systemDialects } from '../support/databases.ts';
import { ADMIN_PASSWORD, sessionToken, startTestBerthd, type TestBerthd } from '../support/harness.ts';
import { removeInstallationUsers } from '../support/host-users.ts';

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON
  body: any;
  headers: http.IncomingHttpHeaders;
}

/**
 * A request to berthd from a given loopback address (127.0.0.0/8 all reach the loopback interface),
 * so that berthd sees several client addresses without trusting any forwarding header.
 */
function requestFrom(
  t: TestBerthd,
  localAddress: string,
  method: string,
  p: string,
  body?: unknown,
): Promise<Answer> {
  const url = new URL(p, t.url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method,
        localAddress,
        agent: false,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          const json = (res.headers['content-type'] ?? '').includes('json') && text ? JSON.parse(text) : text;
          resolve({ status: res.statusCode ?? 0, body: json, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const loginFrom = (t: TestBerthd, address: string, username: string, password: string) =>
  requestFrom(t, address, 'POST', '/api/v1/auth/login', { username, password });

const codeOf = (answer: Answer): string => answer.body?.error?.code ?? String(answer.status);

/** The checked (hashed) failed logins of a user: berthd audits each one. */
async function checkedFailures(t: TestBerthd, username: string, ip: string): Promise<number> {
  const rows = await t.berthd.store.db
    .selectFrom('audit_events')
    .select('detail')
    .where('action', '=', 'session.login_failed')
    .where('target_id', '=', username)
    .where('ip', '=', ip)
    .execute();
  return rows.length;
}

// One dialect: the race of parallel attempts in each dialect's transactions is
// identity/login-limit.store.test.ts's (every dialect, one and two connection pools); here the flood
// goes through berthd's HTTP edge.
describe.each(systemDialects())('login floods (%s)', (dialect) => {
  let t: TestBerthd;
  beforeAll(async () => {
    t = await startTestBerthd({ dialect });
  });
  afterAll(async () => t?.stop());

  it('50 parallel wrong logins from one address get no more password checks than the limit', async () => {
    const flood = await Promise.all(
      Array.from({ length: 50 }, () => loginFrom(t, '127.0.0.2', 'admin', 'wrong-password-guess')),
    );
    const checked = flood.filter((a) => codeOf(a) === 'INVALID_CREDENTIALS').length;
    // BERTH_LOGIN_FREE_FAILURES (5) at most; attempts in flight together count each other
    expect(checked).toBeLessThanOrEqual(5);
    expect(await checkedFailures(t, 'admin', '127.0.0.2')).toBe(checked);
    for (const answer of flood) {
      expect(['INVALID_CREDENTIALS', 'LOGIN_RATE_LIMITED', 'LOGIN_BUSY']).toContain(codeOf(answer));
      if (answer.status !== 401) expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    }

    // Fill the free failures one at a time: then this address must wait, even with the right
    // password, while the admin logs in from anywhere else.
    for (let i = checked; i < 5; i++) {
      expect(codeOf(await loginFrom(t, '127.0.0.2', 'admin', 'wrong-password-guess'))).toBe(
        'INVALID_CREDENTIALS',
      );
    }
    expect(codeOf(await loginFrom(t, '127.0.0.2', 'admin', ADMIN_PASSWORD))).toBe('LOGIN_RATE_LIMITED');
    expect((await loginFrom(t, '127.0.0.3', 'admin', ADMIN_PASSWORD)).status).toBe(200);
  });

  it('during a flood from one address the admin logs in from another, and /healthz answers', async () => {
    const users = Array.from({ length: 30 }, (_, i) => `sprayed-${i}`);
    let pending = users.length;
    const flood = Promise.all(
      users.map((u) =>
        loginFrom(t, '127.0.0.4', u, 'wrong-password-guess').finally(() => {
          pending--;
        }),
      ),
    );
    const health = await requestFrom(t, '127.0.0.5', 'GET', '/healthz');
    const pendingAtHealth = pending;
    const admin = await loginFrom(t, '127.0.0.5', 'admin', ADMIN_PASSWORD);
    const answers = await flood;

    expect(health.status).toBe(200);
    // answered while the flood was still being served
    expect(pendingAtHealth).toBeGreaterThan(0);
    expect(admin.status).toBe(200);
    // the flood from one address holds at most a quarter of the checking places at a time: most of
    // it was refused at once, without a hash (LOGIN_BUSY), or by the per-address limit
    const checked = answers.filter((a) => codeOf(a) === 'INVALID_CREDENTIALS').length;
    expect(checked).toBeLessThan(users.length / 2);
    for (const answer of answers) {
      expect(['INVALID_CREDENTIALS', 'LOGIN_BUSY', 'LOGIN_RATE_LIMITED']).toContain(codeOf(answer));
    }
  });
});

describe('role rules and password policy', () => {
  let t: TestBerthd;
  let admin: string;
  const tokens: Record<string, string> = {};
  const cookies: Record<string, string> = {};
  const PW = 'member-password-1';

  beforeAll(async () => {
    t = await startTestBerthd();
    admin = await t.login('admin', ADMIN_PASSWORD);
    for (const role of ['operator', 'auditor', 'developer', 'admin'] as const) {
      const username = `the-${role}`;
      const created = await t.api('POST', '/api/v1/users', {
        cookie: admin,
        body: { username, password: PW, role },
      });
      expect(created.status).toBe(201);
      cookies[role] = await t.login(username, PW);
      const token = await t.api('POST', '/api/v1/me/tokens', {
        cookie: cookies[role],
        body: { name: 'script' },
      });
      tokens[role] = token.body.secret;
    }
  });
  afterAll(async () => t?.stop());

  it('an operator cannot reset an auditor’s password to read the audit log', async () => {
    const reset = await t.api('PATCH', '/api/v1/users/the-auditor', {
      cookie: cookies['operator'],
      body: { password: 'taken-over-by-op1' },
    });
    expect([reset.status, reset.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect(
      (
        await t.api('POST', '/api/v1/auth/login', {
          body: { username: 'the-auditor', password: 'taken-over-by-op1' },
        })
      ).status,
    ).toBe(401);
    for (const target of ['the-admin', 'admin', 'the-operator']) {
      const other = await t.api('PATCH', `/api/v1/users/${target}`, {
        cookie: cookies['operator'],
        body: { password: 'taken-over-by-op1' },
      });
      expect([target, other.status]).toEqual([target, 403]);
    }
    // the auditor's credentials still work
    expect((await t.api('GET', '/api/v1/audit?limit=1', { token: tokens['auditor'] })).status).toBe(200);
  });

  it('an admin cannot change their own password without the current one', async () => {
    const viaPatch = await t.api('PATCH', '/api/v1/users/the-admin', {
      cookie: cookies['admin'],
      body: { password: 'no-current-password' },
    });
    expect([viaPatch.status, viaPatch.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const wrong = await t.api('PUT', '/api/v1/me/password', {
      cookie: cookies['admin'],
      body: { currentPassword: 'a-guessed-password', newPassword: 'no-current-password' },
    });
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'INVALID_CREDENTIALS']);
    const missing = await t.api('PUT', '/api/v1/me/password', {
      cookie: cookies['admin'],
      body: { newPassword: 'no-current-password' },
    });
    expect(missing.body.error.code).toBe('VALIDATION_FAILED');
    expect(
      (await t.api('POST', '/api/v1/auth/login', { body: { username: 'the-admin', password: PW } })).status,
    ).toBe(200);
  });

  it('a password reset revokes the user’s sessions and API tokens', async () => {
    const before = await t.api('GET', '/api/v1/me', { token: tokens['developer'] });
    expect(before.status).toBe(200);
    const reset = await t.api('PATCH', '/api/v1/users/the-developer', {
      cookie: cookies['operator'],
      body: { password: 'reset-by-an-operator' },
    });
    expect(reset.status).toBe(200);
    expect((await t.api('GET', '/api/v1/me', { token: tokens['developer'] })).body.error.code).toBe(
      'TOKEN_REVOKED',
    );
    expect((await t.api('GET', '/api/v1/me', { cookie: cookies['developer'] })).body.error.code).toBe(
      'TOKEN_REVOKED',
    );
  });

  it('a password change revokes the other sessions and every API token', async () => {
    const other = await t.login('the-operator', PW);
    const change = await t.api('PUT', '/api/v1/me/password', {
      cookie: cookies['operator'],
      body: { currentPassword: PW, newPassword: 'operator-changed-1' },
    });
    expect(change.status).toBe(204);
    expect((await t.api('GET', '/api/v1/me', { cookie: cookies['operator'] })).status).toBe(200);
    expect((await t.api('GET', '/api/v1/me', { cookie: other })).body.error.code).toBe('TOKEN_REVOKED');
    expect((await t.api('GET', '/api/v1/me', { token: tokens['operator'] })).body.error.code).toBe(
      'TOKEN_REVOKED',
    );
  });

  it.each([
    ['a common password', 'password123', 'common'],
    ['a common password in other case', 'QwertyUIOP', 'common'],
    ['one character repeated', 'aaaaaaaaaaaa', 'repeated'],
    ['a short group repeated', 'abcabcabcabc', 'repeated'],
    ['only spaces', '            ', 'whitespace'],
    ['too short', 'x7#kQ2m', 'too_short'],
  ])('refuses %s on create, reset and change', async (_label, password, rule) => {
    const attempts = [
      await t.api('POST', '/api/v1/users', {
        cookie: admin,
        body: { username: 'weakling', password, role: 'developer' },
      }),
      await t.api('PATCH', '/api/v1/users/the-auditor', { cookie: admin, body: { password } }),
      await t.api('PUT', '/api/v1/me/password', {
        cookie: cookies['auditor'],
        body: { currentPassword: PW, newPassword: password },
      }),
    ];
    for (const res of attempts) {
      expect([res.status, res.body.error.code, res.body.error.details]).toEqual([
        400,
        'WEAK_PASSWORD',
        { rule },
      ]);
    }
    expect((await t.api('GET', '/api/v1/users/weakling', { cookie: admin })).status).toBe(404);
  });
});

describe('the generated first password', () => {
  let t: TestBerthd;
  beforeAll(async () => {
    t = await startTestBerthd({ env: { BERTH_ADMIN_PASSWORD: '' } });
  });
  afterAll(async () => t?.stop());

  it('must be changed before the admin can do anything else', async () => {
    const generated = t.berthd.bootstrap.generatedPassword!;
    const login = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: generated },
    });
    expect(login.status).toBe(200);
    expect(login.body.passwordChangeRequired).toBe(true);
    const cookie = sessionToken(login.headers, t.cookieName)!;

    for (const [method, p, body] of [
      ['GET', '/api/v1/apps', undefined],
      ['POST', '/api/v1/apps', { code: 'early', name: 'Too early' }],
      ['POST', '/api/v1/me/tokens', { name: 'keep-me' }],
      ['GET', '/api/v1/users', undefined],
      ['POST', '/api/v1/users', { username: 'backdoor', password: 'a-fine-password-1', role: 'admin' }],
      ['PATCH', '/api/v1/users/admin', { displayName: 'x' }],
      ['GET', '/api/v1/audit', undefined],
    ] as const) {
      const res = await t.api(method, p, { cookie, ...(body ? { body } : {}) });
      expect([method, p, res.status, res.body.error?.code]).toEqual([
        method,
        p,
        403,
        'PASSWORD_CHANGE_REQUIRED',
      ]);
    }
    const me = await t.api('GET', '/api/v1/me', { cookie });
    expect(me.status).toBe(200);
    expect(me.body.user.passwordChangeRequired).toBe(true);

    // the generated password itself is not accepted as the new one
    const same = await t.api('PUT', '/api/v1/me/password', {
      cookie,
      body: { currentPassword: generated, newPassword: generated },
    });
    expect(same.body.error).toMatchObject({ code: 'WEAK_PASSWORD', details: { rule: 'unchanged' } });
    const changed = await t.api('PUT', '/api/v1/me/password', {
      cookie,
      body: { currentPassword: generated, newPassword: 'chosen-by-the-admin-1' },
    });
    expect(changed.status).toBe(204);
    expect((await t.api('GET', '/api/v1/apps', { cookie })).status).toBe(200);
    const again = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: 'chosen-by-the-admin-1' },
    });
    expect(again.body.passwordChangeRequired).toBe(false);
    expect((await t.api('POST', '/api/v1/auth/logout', { cookie })).status).toBe(204);
  });

  it('logout works before the change, and revokes the session', async () => {
    const fresh = await startTestBerthd({ env: { BERTH_ADMIN_PASSWORD: '' } });
    try {
      const cookie = await fresh.login('admin', fresh.berthd.bootstrap.generatedPassword!);
      expect((await fresh.api('POST', '/api/v1/auth/logout', { cookie })).status).toBe(204);
      expect((await fresh.api('GET', '/api/v1/me', { cookie })).body.error.code).toBe('TOKEN_REVOKED');
    } finally {
      await fresh.stop();
    }
  });
});

describe('secrets in the environment of berthd and its gateway workers', () => {
  const outdir = fs.mkdtempSync(path.join(REPO_ROOT, 'packages/server/.dist-test-'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-environ-'));
  let berthd: Fixture | undefined;

  beforeAll(() => {
    const build = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', outdir], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(build.status, build.stderr).toBe(0);
  });
  afterAll(async () => {
    if (berthd && berthd.child.exitCode === null && berthd.child.signalCode === null) {
      berthd.child.kill('SIGTERM');
      await berthd.exited;
    }
    await removeInstallationUsers({ dialect: 'sqlite', file: dbFile });
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const dbFile = path.join(dataDir, `store-${crypto.randomBytes(4).toString('hex')}.db`);
  it('are read once and are then gone from /proc/<pid>/environ of berthd and of every worker', async () => {
    const password = `env-secret-${crypto.randomBytes(6).toString('hex')}`;
    const secretKey = crypto.randomBytes(32).toString('base64');
    berthd = startNode([path.join(outdir, 'berthd.mjs')], {
      BERTH_PORT: '0',
      BERTH_HOST: '127.0.0.1',
      BERTH_DATA_DIR: dataDir,
      BERTH_ADMIN_PASSWORD: password,
      BERTH_SECRET_KEY: secretKey,
      BERTH_DATABASE_URL: `sqlite:${dbFile}`,
      BERTH_LOG_LEVEL: 'warn',
      BERTH_GATEWAY_WORKERS: '2',
    });
    const url = (await berthd.line('Berth is running at ')).slice('Berth is running at '.length).trim();
    const pid = berthd.child.pid!;

    const own = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
    expect(own).toContain('BERTH_DATA_DIR=');
    for (const secret of [password, secretKey, dbFile]) expect(own).not.toContain(secret);

    const workers = childProcesses(pid, 'environ');
    expect(workers.size).toBeGreaterThanOrEqual(2);
    for (const [workerPid, environ] of workers) {
      for (const secret of [password, secretKey, dbFile])
        expect([workerPid, environ.includes(secret)]).toEqual([workerPid, false]);
      // no Berth setting at all: workers get theirs from berthd over IPC
      expect(environ.split('\0').filter((v) => v.startsWith('BERTH_'))).toEqual([]);
    }

    // berthd did read them: the admin logs in with the password from the environment
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
  });

  it('refuses a common BERTH_ADMIN_PASSWORD at start, naming the setting', async () => {
    const weak = startNode([path.join(outdir, 'berthd.mjs')], {
      BERTH_PORT: '0',
      BERTH_HOST: '127.0.0.1',
      BERTH_DATA_DIR: dataDir,
      BERTH_ADMIN_PASSWORD: 'password123',
      BERTH_LOG_LEVEL: 'warn',
    });
    expect(await weak.exited).toBe(2);
    expect(weak.output()).toContain(
      'berthd: invalid configuration: BERTH_ADMIN_PASSWORD: is on a list of commonly used passwords',
    );
  });
});

describe('prototype names where input names a key', () => {
  let t: TestBerthd;
  let cookie: string;
  beforeAll(async () => {
    t = await startTestBerthd({ env: { BERTH_DRAIN: '300ms', BERTH_JOB_WORKERS: '2' } });
    cookie = await t.login('admin', ADMIN_PASSWORD);
    expect(
      (await t.api('POST', '/api/v1/apps', { cookie, body: { code: 'protoapp', name: 'Proto' } })).status,
    ).toBe(201);
    const pkg = await tinyApp({
      berthYaml: [
        'runtime: node',
        'processes:',
        '  web: node server.js',
        'health:',
        '  path: /healthz',
        '',
      ].join('\n'),
    });
    const upload = await fetch(`${t.url}/api/v1/apps/protoapp/envs/stag/deploys`, {
      method: 'POST',
      headers: { cookie: `${t.cookieName}=${cookie}`, 'content-type': 'application/gzip' },
      body: pkg,
    });
    const deploy = ((await upload.json()) as { deploy: { id: string } }).deploy;
    for (;;) {
      const res = await t.api('GET', `/api/v1/deploys/${deploy.id}`, { cookie });
      if (res.body.deploy.status === 'succeeded') break;
      expect(['queued', 'running']).toContain(res.body.deploy.status);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    if (t) await stopApps(t);
    await t?.stop();
  });

  const deploys = async () =>
    (await t.api('GET', '/api/v1/apps/protoapp/envs/stag/deploys', { cookie })).body.deploys.length as number;

  it('scale with constructor, toString or __proto__ is refused as an unknown process type', async () => {
    const before = await deploys();
    // over HTTP: constructor passes the wire schema and must fail the process-type check
    const constructorScale = await t.api('PUT', '/api/v1/apps/protoapp/envs/stag/formation', {
      cookie,
      rawBody: '{"processes":{"constructor":2}}',
    });
    expect([constructorScale.status, constructorScale.body.error.code]).toEqual([
      400,
      'PROCESS_TYPE_UNKNOWN',
    ]);
    // the service itself, as any caller reaches it with parsed JSON (own keys, __proto__ included)
    const admin = await t.berthd.store.db
      .selectFrom('users')
      .select(['id', 'username', 'role'])
      .where('username', '=', 'admin')
      .executeTakeFirstOrThrow();
    const actor = {
      userId: admin.id,
      username: admin.username,
      role: 'admin' as const,
      via: 'session' as const,
      credentialId: 'ses_test',
      ip: '127.0.0.1',
    };
    for (const raw of ['{"constructor":2}', '{"toString":1}', '{"__proto__":1}', '{"hasOwnProperty":1}']) {
      const processes = JSON.parse(raw) as Record<string, number>;
      const err = await t.berthd.engine.service
        .scale(actor, 'protoapp', 'stag', processes)
        .catch((e: unknown) => e);
      expect([raw, (err as { code?: string }).code]).toEqual([raw, 'PROCESS_TYPE_UNKNOWN']);
    }
    expect(await deploys()).toBe(before);
    // a real process type still scales
    const web = await t.api('PUT', '/api/v1/apps/protoapp/envs/stag/formation', {
      cookie,
      body: { processes: { web: 1 } },
    });
    expect(web.status).toBe(202);
  });
});

describe('user enumeration through app members', () => {
  let t: TestBerthd;
  let dev: string;
  beforeAll(async () => {
    t = await startTestBerthd();
    const admin = await t.login('admin', ADMIN_PASSWORD);
    for (const username of ['prober', 'colleague']) {
      await t.api('POST', '/api/v1/users', {
        cookie: admin,
        body: { username, password: 'developer-password-1', role: 'developer' },
      });
    }
    dev = await t.login('prober', 'developer-password-1');
    expect(
      (await t.api('POST', '/api/v1/apps', { cookie: dev, body: { code: 'probe', name: 'Probe' } })).status,
    ).toBe(201);
  });
  afterAll(async () => t?.stop());

  it('adding an existing and an unknown username answers the same', async () => {
    // a developer may not list users…
    expect((await t.api('GET', '/api/v1/users', { cookie: dev })).body.error.code).toBe('FORBIDDEN');
    // …and adding members tells nothing about which names exist
    const answers = [];
    for (const username of ['colleague', 'no-such-user', 'colleague', 'admin-backup']) {
      const res = await t.api('POST', '/api/v1/apps/probe/members', { cookie: dev, body: { username } });
      answers.push([res.status, res.body, res.headers.get('content-type')]);
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toEqual([204, '', null]);
    // removing answers the same for unknown users and non-members too
    const removeUnknown = await t.api('DELETE', '/api/v1/apps/probe/members/no-such-user', { cookie: dev });
    const removeAdmin = await t.api('DELETE', '/api/v1/apps/probe/members/admin', { cookie: dev });
    expect([removeUnknown.status, removeUnknown.body]).toEqual([removeAdmin.status, removeAdmin.body]);
  });
});
