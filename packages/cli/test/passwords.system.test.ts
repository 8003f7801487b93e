// `berth login` with a password berthd generated (it must be changed at the first login) and
// `berth passwd`, against a real berthd.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import type { CliHome } from './support/cli.ts';
import { createInProcessCli } from './support/in-process.ts';

const NEW_PASSWORD = 'fresh-admin-passphrase-1';
const NEWER_PASSWORD = 'newer-admin-passphrase-2';

function storedToken(home: CliHome): string {
  return JSON.parse(fs.readFileSync(home.credentialsFile, 'utf8')).token;
}

describe('berth login with a generated password, and berth passwd', () => {
  let t: TestBerthd;
  let generated: string;
  let home: CliHome;

  beforeAll(async () => {
    // No BERTH_ADMIN_PASSWORD: berthd generates the first password.
    t = await startTestBerthd({ env: { BERTH_ADMIN_PASSWORD: '' } });
    generated = t.berthd.bootstrap.generatedPassword!;
    expect(generated).toBeTruthy();
    home = createInProcessCli();
  });
  afterAll(async () => {
    await t?.stop();
    home?.remove();
  });

  it('without a terminal, explains how to give the new password and stores nothing', async () => {
    const result = await home.run(['login', t.url, '-u', 'admin', '--password-stdin'], {
      input: `${generated}\n`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--new-password-stdin');
    expect(result.stderr).toMatch(/\(PASSWORD_CHANGE_REQUIRED\)\n$/);
    expect(fs.existsSync(home.credentialsFile)).toBe(false);
    // the generated password still works (nothing changed)
    const login = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: generated },
    });
    expect(login.body.passwordChangeRequired).toBe(true);
  });

  it('changes the password with --new-password-stdin, then stores a working token', async () => {
    const result = await home.run(
      ['login', t.url, '-u', 'admin', '--password-stdin', '--new-password-stdin'],
      {
        input: `${generated}\n${NEW_PASSWORD}\n`,
      },
    );
    expect(result.stderr).toBe('Changed the password of admin.\n');
    expect(result.stdout).toBe(`Logged in to ${t.url} as admin\n`);
    expect(result.code).toBe(0);
    const me = await t.api('GET', '/api/v1/me', { token: storedToken(home) });
    expect(me.status).toBe(200);
    expect(me.body.user.passwordChangeRequired).toBeUndefined();
    expect(
      (await t.api('POST', '/api/v1/auth/login', { body: { username: 'admin', password: generated } }))
        .status,
    ).toBe(401);
  });

  it('berth passwd needs the current password', async () => {
    const before = storedToken(home);
    const wrong = await home.run(['passwd', '--password-stdin'], {
      input: `not-the-password\n${NEWER_PASSWORD}\n`,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/\(INVALID_CREDENTIALS\)\n$/);
    expect((await t.api('GET', '/api/v1/me', { token: before })).status).toBe(200);
  });

  it('berth passwd changes it, and logs in again since every API token was revoked', async () => {
    const before = storedToken(home);
    const result = await home.run(['passwd', '--password-stdin'], {
      input: `${NEW_PASSWORD}\n${NEWER_PASSWORD}\n`,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Changed the password of admin.\n');
    expect(result.stderr).toContain('logged in again with the new password');
    expect((await t.api('GET', '/api/v1/me', { token: before })).body.error.code).toBe('TOKEN_REVOKED');
    const after = storedToken(home);
    expect(after).not.toBe(before);
    expect((await t.api('GET', '/api/v1/me', { token: after })).status).toBe(200);
    expect((await home.run(['whoami'])).stdout).toBe(`admin (admin) on ${t.url}\n`);
  });
});
