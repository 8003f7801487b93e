// `berth apps update --placement` / `--no-placement`, placement in `berth apps info`, and `berth nodes`
// (run in-process) against a real berthd on the process runtime: what is sent, what is printed, the
// usage errors caught before any request, and who may do it.
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import { type CliHome, expectFailure, expectOk } from './support/cli.ts';
import { createInProcessCli } from './support/in-process.ts';

const DEV_PASSWORD = 'developer-password-1';
const APP = 'placecli';

describe('berth apps update --placement and berth nodes', () => {
  let t: TestBerthd;
  let admin: CliHome;
  let dev: CliHome;

  beforeAll(async () => {
    t = await startTestBerthd();
    admin = createInProcessCli();
    dev = createInProcessCli();
    expectOk(
      await admin.run(['login', t.url, '-u', 'admin', '--password-stdin'], { input: `${ADMIN_PASSWORD}\n` }),
    );
    expectOk(
      await admin.run(['users', 'create', 'pdev', '--role', 'developer', '--password-stdin'], {
        input: `${DEV_PASSWORD}\n`,
      }),
    );
    expectOk(
      await dev.run(['login', t.url, '-u', 'pdev', '--password-stdin'], { input: `${DEV_PASSWORD}\n` }),
    );
    expect((await admin.run(['apps', 'create', APP, '--name', 'Placed'])).code).toBe(0);
    expectOk(await admin.run(['apps', 'members', APP, 'add', 'pdev']));
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    for (const home of [admin, dev]) home?.remove();
  });

  async function placementOnServer(): Promise<string[]> {
    return JSON.parse(expectOk(await admin.run(['apps', 'info', APP, '--json'])).stdout).app.placement;
  }

  it('sets repeated --placement constraints in normal form and says when they apply', async () => {
    const res = await admin.run([
      'apps',
      'update',
      APP,
      '--placement',
      'node.labels.zone == a',
      '--placement',
      'node.role!=manager',
    ]);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`Updated app ${APP}.\nPlacement: node.labels.zone==a, node.role!=manager\n`);
    expect(res.stderr).toBe(
      `The placement applies from the next deploy or restart of each environment ('berth restart --app ${APP}').\n`,
    );
    expect(await placementOnServer()).toEqual(['node.labels.zone==a', 'node.role!=manager']);
    const info = expectOk(await admin.run(['apps', 'info', APP])).stdout;
    expect(info).toMatch(/^Placement:\s+node\.labels\.zone==a, node\.role!=manager$/m);
  });

  it('leaves the placement alone when other fields change, and --json prints the app', async () => {
    const res = expectOk(await admin.run(['apps', 'update', APP, '--description', 'placed app', '--json']));
    expect(JSON.parse(res.stdout).app).toMatchObject({
      description: 'placed app',
      placement: ['node.labels.zone==a', 'node.role!=manager'],
    });
  });

  it('refuses bad constraints before any request, with the rules the server applies', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--placement', 'node.labels.zone=a'], /must read KEY==VALUE or KEY!=VALUE/],
      [['--placement', 'zone==a'], /unknown key 'zone'/],
      [['--placement', 'node.role==a', '--placement', 'node.role==worker'], /manager or worker/],
      [['--placement', 'node.role==worker', '--placement', 'node.role == worker'], /given twice/],
      [['--placement', 'node.role==worker', '--no-placement'], /exclude each other/],
    ];
    for (const [args, why] of cases) {
      const res = await admin.run(['apps', 'update', APP, ...args]);
      expectFailure(res, 2, 'USAGE');
      expect(res.stderr, args.join(' ')).toMatch(why);
    }
    expect(await placementOnServer()).toEqual(['node.labels.zone==a', 'node.role!=manager']);
  });

  it('is refused to a developer member (FORBIDDEN), who may still change the description', async () => {
    expectFailure(
      await dev.run(['apps', 'update', APP, '--placement', 'node.labels.zone==b']),
      1,
      'FORBIDDEN',
    );
    expectFailure(await dev.run(['apps', 'update', APP, '--no-placement']), 1, 'FORBIDDEN');
    expectOk(await dev.run(['apps', 'update', APP, '--description', 'by the developer']));
    expect(await placementOnServer()).toEqual(['node.labels.zone==a', 'node.role!=manager']);
  });

  it('clears with --no-placement and with --placement ""; info then shows no placement', async () => {
    const cleared = await admin.run(['apps', 'update', APP, '--no-placement']);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toBe(`Updated app ${APP}.\nPlacement: none (any node)\n`);
    expect(await placementOnServer()).toEqual([]);
    expectOk(await admin.run(['apps', 'update', APP, '--placement', 'node.labels.zone==c', '--json']));
    expect(await placementOnServer()).toEqual(['node.labels.zone==c']);
    expectOk(await admin.run(['apps', 'update', APP, '--placement', '', '--json']));
    expect(await placementOnServer()).toEqual([]);
    expect(expectOk(await admin.run(['apps', 'info', APP])).stdout).not.toContain('Placement');
  });

  it('berth nodes shows this host as a table and as JSON; developers are refused', async () => {
    const table = expectOk(await admin.run(['nodes'])).stdout.split('\n');
    expect(table[0]).toMatch(/^ID\s+HOSTNAME\s+ROLE\s+AVAILABILITY\s+STATE\s+ADDRESS\s+INSTANCES\s+LABELS$/);
    const host = os.hostname();
    expect(table[1]).toMatch(
      new RegExp(`^${host.slice(0, 12)}\\s+${host}\\s+host\\s+active\\s+ready\\s+127\\.0\\.0\\.1\\s+0\\s*$`),
    );
    expect(table.slice(2)).toEqual(['']);
    const json = JSON.parse(expectOk(await admin.run(['nodes', '--json'])).stdout);
    expect(json).toEqual({
      nodes: [expect.objectContaining({ id: host, hostname: host, role: 'host', instances: 0, labels: {} })],
    });
    expectFailure(await dev.run(['nodes']), 1, 'FORBIDDEN');
  });
});
