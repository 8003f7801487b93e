// `berth apigw grant | revoke | grants | trust | untrust | trusted` (in-process) against a real
// berthd: an operator grants a component until a date and a whole system, the table and --json show
// them, granting again renews; a developer is refused a system nobody owns (FORBIDDEN); bad
// arguments fail before any request; trust and untrust round-trip. The group is registered in
// run.ts for now (the declarations' `apigw` group will carry these commands).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDialects } from '../../server/test/support/databases.ts';
import { startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import { untilDate } from '../src/commands/apigw-grants.ts';
import { EXIT } from '../src/errors.ts';
import { type CliHome, expectFailure, expectOk } from './support/cli.ts';
import { loginCliUsers } from './support/cli-users.ts';

const PASSWORD = 'apigw-cli-password-1';

describe.each(systemDialects())('berth apigw grants against berthd on %s', (dialect) => {
  let t: TestBerthd;
  let admin: CliHome;
  let ops: CliHome;
  let dev: CliHome;

  beforeAll(async () => {
    t = await startTestBerthd({ dialect });
    const logged = await loginCliUsers(
      t.url,
      [
        ['ops1', 'operator'],
        ['dev1', 'developer'],
      ],
      PASSWORD,
    );
    admin = logged.admin;
    ops = logged.homes['ops1']!;
    dev = logged.homes['dev1']!;
    expect((await dev.run(['apps', 'create', 'shop', '--name', 'Shop'])).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    for (const home of [admin, ops, dev]) home?.remove();
  });

  it('grants a component until a day and a whole system, and lists them', async () => {
    const one = expectOk(
      await ops.run(['apigw', 'grant', 'shop', 'BK_SOPS/get_task_status', '--until', '2099-06-30']),
    );
    expect(one.stdout).toMatch(/May call:\s+BK_SOPS\/get_task_status/);
    expect(one.stdout).toMatch(/Expires:\s+2099-07-01 00:00:00Z/);
    expectOk(await ops.run(['apigw', 'grant', 'shop', 'BK_CMDB']));
    const table = expectOk(await ops.run(['apigw', 'grants', '--app', 'shop'])).stdout.split('\n');
    expect(table[0]).toMatch(/^ID\s+APP\s+SYSTEM\s+COMPONENT\s+EXPIRES\s+GRANTED BY$/);
    expect(table[1]).toMatch(/^grant_\S+\s+shop\s+BK_CMDB\s+\*\s+never\s+ops1$/);
    expect(table[2]).toMatch(/^grant_\S+\s+shop\s+BK_SOPS\s+get_task_status\s+2099-07-01 00:00:00Z\s+ops1$/);
    // Granting again renews (no expiry now), and the developer sees their app's grants.
    expectOk(await admin.run(['apigw', 'grant', 'shop', 'BK_SOPS/get_task_status']));
    const json = JSON.parse(
      expectOk(await dev.run(['apigw', 'grants', '--system', 'BK_SOPS', '--json'])).stdout,
    );
    expect(json.items).toEqual([
      expect.objectContaining({
        app: 'shop',
        component: 'get_task_status',
        expiresAt: null,
        grantedBy: 'admin',
      }),
    ]);
  });

  it('refuses a developer a system nobody owns, and revokes by id', async () => {
    expectFailure(await dev.run(['apigw', 'grant', 'shop', 'BK_JOB']), 1, 'FORBIDDEN');
    const [grant] = JSON.parse(
      expectOk(await ops.run(['apigw', 'grants', '--system', 'BK_CMDB', '--json'])).stdout,
    ).items;
    expectFailure(await dev.run(['apigw', 'revoke', grant.id]), 1, 'FORBIDDEN');
    expect(expectOk(await ops.run(['apigw', 'revoke', grant.id])).stdout).toBe(
      `Revoked grant ${grant.id}.\n`,
    );
    expectFailure(await ops.run(['apigw', 'revoke', grant.id]), 1, 'APIGW_GRANT_NOT_FOUND');
  });

  it('checks its arguments before any request', async () => {
    for (const args of [
      ['apigw', 'grant', 'shop', '1BAD'],
      ['apigw', 'grant', 'shop', 'BK_SOPS/has space'],
      ['apigw', 'grant', 'Shop', 'BK_SOPS'],
      ['apigw', 'grant', 'shop', 'BK_SOPS', '--until', '2099-02-30'],
      ['apigw', 'grant', 'shop', 'BK_SOPS', '--until', 'tomorrow'],
    ]) {
      const res = await ops.run(args);
      expect(res.code, args.join(' ')).toBe(EXIT.usage);
    }
    expect(untilDate('2026-12-31')).toBe(Date.UTC(2027, 0, 1));
  });

  it('trusts and untrusts apps (operators), lists them', async () => {
    expectFailure(await dev.run(['apigw', 'trust', 'shop']), 1, 'FORBIDDEN');
    expect(expectOk(await ops.run(['apigw', 'trust', 'shop'])).stdout).toBe('shop is trusted (by ops1).\n');
    expect(expectOk(await admin.run(['apigw', 'trusted'])).stdout).toMatch(
      /^APP\s+TRUSTED BY\s+SINCE\nshop\s+ops1\s+\d{4}-/,
    );
    expectFailure(await ops.run(['apigw', 'trust', 'nosuch']), 1, 'APP_NOT_FOUND');
    expectOk(await ops.run(['apigw', 'untrust', 'shop']));
    expect(expectOk(await admin.run(['apigw', 'trusted'])).stdout).toBe('No trusted apps.\n');
  });
});
