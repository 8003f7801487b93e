// Deploy requests from the command line against a real berthd whose prod needs approval
// (BERTH_PROD_APPROVAL on): a developer's direct prod deploy is refused with the hint to add
// --request, --request files it, an operator approves it and follows it until examples/node-hello
// serves v1 on prod; refuse needs a reason, the requester withdraws, --at sets the window, an
// operator's own request is not theirs to approve, an emergency rollback skips approval, and an
// environment's policy round-trips through policy set/show and changes what permissions says.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDialects } from '../../server/test/support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import type { CliHome, CliResult } from './support/cli.ts';
import { createInProcessCli } from './support/in-process.ts';

const EXAMPLE = fileURLToPath(new URL('../../../examples/node-hello', import.meta.url));
const DEV_PASSWORD = 'developer-password-1';
const OPS_PASSWORD = 'operator-password-1';

function expectOk(result: CliResult): CliResult {
  expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
  return result;
}

/** The command failed with this exit code and error code, and printed nothing on stdout. */
function expectFailure(result: CliResult, exitCode: number, code: string): string {
  expect({ code: result.code, stdout: result.stdout }).toEqual({ code: exitCode, stdout: '' });
  expect(result.stderr).toMatch(new RegExp(`^berth: [^\\n]+ \\(${code}\\)\\n$`));
  return result.stderr;
}

function json(result: CliResult) {
  return JSON.parse(expectOk(result).stdout);
}

describe.each(systemDialects())('deploy requests from the CLI against berthd on %s', (dialect) => {
  let t: TestBerthd;
  let admin: CliHome;
  let dev: CliHome;
  let ops: CliHome;
  let work: string;
  let appDir: string;

  beforeAll(async () => {
    t = await startTestBerthd({ dialect, env: { BERTH_PROD_APPROVAL: 'on' } });
    admin = createInProcessCli();
    dev = createInProcessCli();
    ops = createInProcessCli();
    expectOk(
      await admin.run(['login', t.url, '-u', 'admin', '--password-stdin'], { input: `${ADMIN_PASSWORD}\n` }),
    );
    expectOk(await admin.run(['apps', 'create', 'hello', '--name', 'Hello']));
    for (const [name, role, password] of [
      ['dev', 'developer', DEV_PASSWORD],
      ['ops', 'operator', OPS_PASSWORD],
    ] as const) {
      expectOk(
        await admin.run(['users', 'create', name, '--role', role, '--password-stdin'], {
          input: `${password}\n`,
        }),
      );
    }
    expectOk(await admin.run(['apps', 'members', 'hello', 'add', 'dev']));
    expectOk(
      await dev.run(['login', t.url, '-u', 'dev', '--password-stdin'], { input: `${DEV_PASSWORD}\n` }),
    );
    expectOk(
      await ops.run(['login', t.url, '-u', 'ops', '--password-stdin'], { input: `${OPS_PASSWORD}\n` }),
    );
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-requests-'));
    appDir = path.join(work, 'node-hello');
    fs.cpSync(EXAMPLE, appDir, { recursive: true });
  });
  afterAll(async () => {
    await t?.stop();
    for (const home of [admin, dev, ops]) home?.remove();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("refuses a developer's direct prod deploy with the --request form; an operator approves the request and it deploys", async () => {
    // The package is packed and sent before the server says no: the error follows the packing note.
    const refused = await dev.run(['deploy', appDir, '--app', 'hello', '--env', 'prod']);
    expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 1, stdout: '' });
    const [packed, error, rest] = refused.stderr.split('\n');
    expect(packed).toMatch(/^Packed \d+ files from /);
    expect(error).toMatch(/^berth: .+ \(APPROVAL_REQUIRED\)$/);
    expect(error).toContain(
      `; or add --request: berth deploy ${appDir} --app hello --env prod --request --note TEXT`,
    );
    expect(rest).toBe('');

    const filed = expectOk(
      await dev.run([
        'deploy',
        appDir,
        '--app',
        'hello',
        '--env',
        'prod',
        '--request',
        '--note',
        'first release',
      ]),
    );
    expect(filed.stderr).toMatch(/^Packed \d+ files from .+; uploading\.\n/);
    const id =
      /^Filed deploy request (dep_\w+): package deploy to hello\/prod, waiting for approval\.\n$/.exec(
        filed.stdout,
      )?.[1];
    expect(id, filed.stdout).toBeDefined();
    expect(filed.stderr).toContain(`'berth approve ${id}'`);

    // Listed for the developer as theirs, for the operator as one to decide; not for the developer to decide.
    const mine = expectOk(await dev.run(['requests', '--mine'])).stdout.split('\n');
    expect(mine[0]).toMatch(/^ID\s+APP\s+ENV\s+KIND\s+STATUS\s+BY\s+NOTE\s+WINDOW\s+DECIDED BY$/);
    expect(mine[1]).toMatch(
      new RegExp(`^${id}\\s+hello\\s+prod\\s+build\\s+requested\\s+dev\\s+first release$`),
    );
    const toDecide = json(await ops.run(['requests', 'list', '--to-approve', '--json']));
    expect(toDecide.deploys.map((d: { id: string }) => d.id)).toEqual([id]);
    expect(expectOk(await dev.run(['requests', '--to-approve'])).stdout).toBe(
      'No deploy requests (--to-approve).\n',
    );

    // The deploy history shows the request with its status.
    expect(expectOk(await dev.run(['deploys', '--app', 'hello', '--env', 'prod'])).stdout).toMatch(
      new RegExp(`^${id}\\s+build\\s+requested\\s+dev\\s`, 'm'),
    );

    const approved = expectOk(await ops.run(['approve', id!, '--reason', 'looks good', '--wait']));
    const prodUrl = `${t.appsUrl}/o/hello/`;
    expect(approved.stdout).toBe(`Deployed v1 to ${prodUrl}\n`);
    expect(approved.stderr).toContain(`Deploy ${id} (build of hello/prod)`);
    const page = await fetch(prodUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Hello from Berth');

    const shown = json(await dev.run(['requests', 'show', id!, '--json']));
    expect(shown.deploy).toMatchObject({
      id,
      status: 'succeeded',
      release: 1,
      request: { note: 'first release', decidedBy: 'ops', reason: 'looks good' },
    });
    const text = expectOk(await dev.run(['requests', 'show', id!])).stdout;
    expect(text).toMatch(/^Status:\s+succeeded$/m);
    expect(text).toMatch(/^Decided:\s+\S+ \S+ by ops$/m);
    expect(text).toMatch(/^Reason:\s+looks good$/m);
    expect(expectOk(await dev.run(['releases', '--app', 'hello', '--env', 'prod'])).stdout).toMatch(
      /^\*v1\s+ready\s/m,
    );
  });

  it('refuses a request only with a reason; the requester withdraws one; --at sets when it may start', async () => {
    // A promotion needs approval too: the hint names promote's own --request form.
    expectOk(await dev.run(['deploy', appDir, '--app', 'hello']));
    const promote = expectFailure(await dev.run(['promote', '--app', 'hello']), 1, 'APPROVAL_REQUIRED');
    expect(promote).toContain('berth promote --app hello --request --note TEXT');
    const promotion = json(
      await dev.run(['promote', '--app', 'hello', '--request', '--note', 'ship it', '--json']),
    );
    expect(promotion.deploy).toMatchObject({
      kind: 'promote',
      env: 'prod',
      status: 'requested',
      request: { note: 'ship it', fromVersion: 1 },
    });
    const promotionId: string = promotion.deploy.id;

    expectFailure(await ops.run(['refuse', promotionId]), 2, 'USAGE');
    const refused = expectOk(await ops.run(['refuse', promotionId, '--reason', 'not during the sale']));
    expect(refused.stdout).toBe(
      `Refused deploy request ${promotionId} (promotion of stag v1 to hello/prod).\n`,
    );
    expect(json(await dev.run(['requests', 'show', promotionId, '--json'])).deploy).toMatchObject({
      status: 'refused',
      request: { decidedBy: 'ops', reason: 'not during the sale' },
    });
    // Decided once: a second decision says where it is.
    const again = expectFailure(await ops.run(['approve', promotionId]), 1, 'REQUEST_NOT_PENDING');
    expect(again).toContain(`'berth requests show ${promotionId}'`);

    const before = Date.now();
    const later = json(
      await dev.run([
        'requests',
        'create',
        '--app',
        'hello',
        '--package',
        appDir,
        '--at',
        '02:00',
        '--note',
        'at night',
        '--json',
      ]),
    );
    const expected = new Date(before);
    expected.setHours(2, 0, 0, 0);
    if (expected.getTime() <= before) expected.setDate(expected.getDate() + 1);
    expect(later.deploy).toMatchObject({
      kind: 'build',
      env: 'prod',
      status: 'requested',
      request: { note: 'at night', notBefore: expected.getTime() },
    });
    const laterId: string = later.deploy.id;
    expect(expectOk(await ops.run(['requests', '--pending'])).stdout).toMatch(
      new RegExp(`^${laterId}\\s.*\\sat night\\s+from \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`, 'm'),
    );

    const withdrawn = expectOk(await dev.run(['requests', 'withdraw', laterId, '--reason', 'not needed']));
    expect(withdrawn.stdout).toBe(`Withdrew deploy request ${laterId} (package deploy to hello/prod).\n`);
    expect(json(await dev.run(['requests', 'show', laterId, '--json'])).deploy).toMatchObject({
      status: 'withdrawn',
      request: { decidedBy: 'dev', reason: 'not needed' },
    });
    expect(expectOk(await dev.run(['requests', '--pending'])).stdout).toBe(
      'No deploy requests (--pending).\n',
    );
  });

  it('keeps an operator from approving their own request, and lets them roll back in an emergency', async () => {
    const own = json(
      await ops.run(['requests', 'create', '--app', 'hello', '--rollback', '--version', '1', '--json']),
    );
    const ownId: string = own.deploy.id;
    const self = expectFailure(await ops.run(['approve', ownId]), 1, 'SELF_APPROVAL_FORBIDDEN');
    expect(self).toContain(`'berth requests withdraw ${ownId}'`);
    expectOk(await ops.run(['requests', 'withdraw', ownId]));

    // Direct rollbacks of prod need approval; the hint names both ways.
    const rollback = expectFailure(
      await dev.run(['rollback', '--app', 'hello', '--env', 'prod']),
      1,
      'APPROVAL_REQUIRED',
    );
    expect(rollback).toContain('berth rollback --app hello --env prod --request --note TEXT');
    expect(rollback).toContain('--emergency REASON');
    expectFailure(
      await dev.run(['rollback', '--app', 'hello', '--env', 'prod', '--emergency', 'site down']),
      1,
      'FORBIDDEN',
    );
    // An operator's emergency rollback is let through (prod has one release, so nothing to roll back to).
    const emergency = await ops.run([
      'rollback',
      '--app',
      'hello',
      '--env',
      'prod',
      '--emergency',
      'site down',
    ]);
    expect(emergency.code).toBe(1);
    expect(emergency.stderr).not.toContain('APPROVAL_REQUIRED');
    expect(emergency.stderr).toBe('berth: There is no release before the current one (RELEASE_NOT_FOUND)\n');
  });

  it('sets and shows a policy, and permissions follow it', async () => {
    const initial = json(await admin.run(['policy', 'show', '--app', 'hello', '--json']));
    expect(initial.policies).toEqual([
      { env: 'stag', approval: false, approvers: [], roles: {}, default: true },
      { env: 'prod', approval: true, approvers: [], roles: {}, default: true },
    ]);
    expect(json(await dev.run(['permissions', '--app', 'hello', '--json'])).envs.prod.actions).toContain(
      'run',
    );

    const set = json(
      await admin.run([
        'policy',
        'set',
        '--app',
        'hello',
        '--env',
        'prod',
        '--approvers',
        'dev',
        '--roles',
        'deploy=admin,operator;run=admin',
        '--json',
      ]),
    );
    const policy = {
      env: 'prod',
      approval: true,
      approvers: ['dev'],
      roles: { deploy: ['admin', 'operator'], run: ['admin'] },
      default: false,
    };
    expect(set.policy).toEqual(policy);
    expect(
      json(await dev.run(['policy', 'show', '--app', 'hello', '--env', 'prod', '--json'])).policy,
    ).toEqual(policy);
    const shown = expectOk(await dev.run(['policy', 'show', '--app', 'hello', '--env', 'prod'])).stdout;
    expect(shown).toMatch(/^Approval:\s+on: deploys and rollbacks need an approved request$/m);
    expect(shown).toMatch(/^Approvers:\s+roles admin, operator; users dev$/m);
    expect(shown).toMatch(/^Roles:\s+deploy=admin,operator;run=admin$/m);

    // The developer no longer runs commands in prod, and now may approve there.
    const permissions = expectOk(await dev.run(['permissions', '--app', 'hello'])).stdout;
    expect(permissions).toMatch(/^Your role:\s+developer$/m);
    expect(permissions).toMatch(/^ENV\s+APPROVAL\s+YOU MAY$/m);
    expect(permissions).toMatch(/^stag\s+no\s+.*\brun\b/m);
    const prodLine = permissions.split('\n').find((line) => line.startsWith('prod'));
    expect(prodLine).toMatch(/^prod\s+needed\s+.*\bapprove\b/);
    expect(prodLine).not.toMatch(/\brun\b/);

    // Only the given fields change; '' sets the approvers and narrowed roles back to none.
    expectOk(await admin.run(['policy', 'set', '--app', 'hello', '--env', 'prod', '--approval', 'off']));
    const off = json(await admin.run(['policy', 'show', '--app', 'hello', '--env', 'prod', '--json']));
    expect(off.policy).toEqual({ ...policy, approval: false });
    expectOk(
      await admin.run(['policy', 'set', '--app', 'hello', '--env', 'prod', '--approvers', '', '--roles', '']),
    );
    expect(
      json(await admin.run(['policy', 'show', '--app', 'hello', '--env', 'prod', '--json'])).policy,
    ).toEqual({
      env: 'prod',
      approval: false,
      approvers: [],
      roles: {},
      default: false,
    });
    // A developer may not change a policy.
    expectFailure(
      await dev.run(['policy', 'set', '--app', 'hello', '--env', 'prod', '--approval', 'on']),
      1,
      'FORBIDDEN',
    );
  });
});
