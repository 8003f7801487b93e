// `berth apigw request | requests | approve | refuse | withdraw` (in-process) against a real berthd:
// a developer of the calling app asks for a component until a day; a second ask for the same is
// refused with the open one's id; the requester may not approve it; a developer of the system's owner
// app sees it, approves it and the grant appears; a whole-system ask is refused with a reason, another
// withdrawn; bad arguments fail before any request.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import { EXIT } from '../src/errors.ts';
import { type CliHome, expectFailure, expectOk } from './support/cli.ts';
import { loginCliUsers } from './support/cli-users.ts';

const PASSWORD = 'apigw-requests-password-1';

const SYSTEM = `system:
  name: BK_SOPS
  label: Standard operations
  owner: sops
components:
  - name: get_task
    label: Task status
    path: /tasks/{id}/
    method: GET
    dest: { app: sops, env: prod, path: "/api/tasks/{id}/" }
  - name: create_task
    label: Create a task
    path: /tasks/
    method: POST
    perm_level: sensitive
    dest: { app: sops, env: prod, path: /api/tasks/ }
`;

describe('berth apigw permission requests against berthd', () => {
  let t: TestBerthd;
  let ops: CliHome;
  let dev: CliHome;
  let owner: CliHome;
  let dir: string;

  beforeAll(async () => {
    t = await startTestBerthd({});
    const logged = await loginCliUsers(
      t.url,
      [
        ['ops1', 'operator'],
        ['dev1', 'developer'],
        ['owner1', 'developer'],
      ],
      PASSWORD,
    );
    ops = logged.homes['ops1']!;
    dev = logged.homes['dev1']!;
    owner = logged.homes['owner1']!;
    logged.admin.remove();
    expect((await dev.run(['apps', 'create', 'shop', '--name', 'Shop'])).code).toBe(0);
    expect((await owner.run(['apps', 'create', 'sops', '--name', 'SOPS'])).code).toBe(0);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-apigw-requests-'));
    fs.writeFileSync(path.join(dir, 'BK_SOPS.yaml'), SYSTEM);
    expect((await ops.run(['apigw', 'sync', dir])).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    for (const home of [ops, dev, owner]) home?.remove();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("asks, and the system's owner approves: the grant is written", async () => {
    const asked = expectOk(
      await dev.run([
        'apigw',
        'request',
        'shop',
        'BK_SOPS/get_task',
        '--until',
        '2099-06-30',
        '--reason',
        'show task status',
      ]),
    ).stdout;
    expect(asked).toMatch(/Asks to call:\s+BK_SOPS\/get_task/);
    expect(asked).toMatch(/Until:\s+2099-07-01 00:00:00Z/);
    expect(asked).toMatch(/Status:\s+requested/);
    const id = /Request:\s+(\S+)/.exec(asked)![1]!;

    // The same again: refused, naming the open one, with a hint.
    const again = await dev.run(['apigw', 'request', 'shop', 'BK_SOPS/get_task', '--reason', 'again']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('(APIGW_REQUEST_PENDING)');
    expect(again.stderr).toContain(id);
    // The requester does not build sops: they may not approve.
    expectFailure(await dev.run(['apigw', 'approve', id]), 1, 'FORBIDDEN');

    // The owner's developer sees it among the open ones, and approves it.
    const open = expectOk(await owner.run(['apigw', 'requests', '--status', 'requested'])).stdout.split('\n');
    expect(open[0]).toMatch(/^ID\s+APP\s+SYSTEM\s+COMPONENT\s+STATUS\s+REQUESTED BY\s+WHEN$/);
    expect(open[1]).toMatch(
      new RegExp(`^${id}\\s+shop\\s+BK_SOPS\\s+get_task\\s+requested\\s+dev1\\s+\\d{4}-`),
    );
    const approved = expectOk(await owner.run(['apigw', 'approve', id, '--reason', 'go ahead'])).stdout;
    expect(approved).toMatch(/Status:\s+approved/);
    expect(approved).toMatch(/Decided by:\s+owner1/);
    expect(approved).toMatch(/Decision reason:\s+go ahead/);
    const grantId = /Grant:\s+(\S+)/.exec(approved)![1]!;
    const grants = JSON.parse(expectOk(await dev.run(['apigw', 'grants', '--app', 'shop', '--json'])).stdout);
    expect(grants.items).toEqual([
      expect.objectContaining({
        id: grantId,
        system: 'BK_SOPS',
        component: 'get_task',
        expiresAt: Date.UTC(2099, 6, 1),
        grantedBy: 'owner1',
      }),
    ]);
    // Decided for good.
    const twice = await owner.run(['apigw', 'refuse', id, '--reason', 'no']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('(APIGW_REQUEST_DECIDED)');
  });

  it('refuses with a reason, withdraws, and lists by status as JSON', async () => {
    const ask = async (target: string) =>
      JSON.parse(
        expectOk(await dev.run(['apigw', 'request', 'shop', target, '--reason', 'need it', '--json'])).stdout,
      ).request;
    const whole = await ask('BK_SOPS');
    expect(whole).toMatchObject({ system: 'BK_SOPS', component: null, expiresAt: null, status: 'requested' });
    const refused = JSON.parse(
      expectOk(await owner.run(['apigw', 'refuse', whole.id, '--reason', 'ask for one component', '--json']))
        .stdout,
    ).request;
    expect(refused).toMatchObject({
      status: 'refused',
      decisionReason: 'ask for one component',
      grantId: null,
    });

    const create = await ask('BK_SOPS/create_task');
    expect(expectOk(await dev.run(['apigw', 'withdraw', create.id])).stdout).toMatch(/Status:\s+withdrawn/);

    const listed = JSON.parse(
      expectOk(await ops.run(['apigw', 'requests', '--app', 'shop', '--json'])).stdout,
    ).items.map((r: { component: string | null; status: string }) => `${r.component ?? '*'} ${r.status}`);
    expect(listed).toEqual(['create_task withdrawn', '* refused', 'get_task approved']);
    expect(expectOk(await ops.run(['apigw', 'requests', '--status', 'requested'])).stdout).toBe(
      'No permission requests.\n',
    );
  });

  it('checks its arguments before any request', async () => {
    for (const args of [
      ['apigw', 'request', 'shop', 'BK_SOPS'],
      ['apigw', 'request', 'shop', 'BK_SOPS', '--reason', '  '],
      ['apigw', 'request', 'shop', '1BAD', '--reason', 'x'],
      ['apigw', 'request', 'shop', 'BK_SOPS', '--reason', 'x', '--until', 'soon'],
      ['apigw', 'refuse', 'preq_x'],
      ['apigw', 'requests', '--status', 'open'],
    ]) {
      const res = await dev.run(args);
      expect(res.code, args.join(' ')).toBe(EXIT.usage);
    }
  });
});
