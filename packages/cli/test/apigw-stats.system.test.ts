// `berth apigw stats` (in-process) against a real berthd whose recorder was told of some calls (as
// the API gateway's call handler will): the table per component and calling app with status
// classes, percentiles and errors, then the last errors; a developer sees their apps' calls only;
// filters and --json; a window that is not one fails before any request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDialects } from '../../server/test/support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import { EXIT } from '../src/errors.ts';
import { type CliHome, createUserAndLogin, expectFailure, expectOk, loginAs } from './support/cli.ts';
import { createInProcessCli } from './support/in-process.ts';

const PASSWORD = 'apigw-stats-password-1';

describe.each(systemDialects())('berth apigw stats against berthd on %s', (dialect) => {
  let t: TestBerthd;
  let admin: CliHome;
  let dev: CliHome;

  beforeAll(async () => {
    t = await startTestBerthd({ dialect });
    admin = createInProcessCli();
    dev = createInProcessCli();
    await loginAs(admin, t.url, 'admin', ADMIN_PASSWORD);
    await createUserAndLogin(admin, dev, t.url, { name: 'dev1', role: 'developer', password: PASSWORD });
    expect((await dev.run(['apps', 'create', 'shop', '--name', 'Shop'])).code).toBe(0);
    const now = Date.now();
    const recorder = t.berthd.apigwRecords.recorder;
    const base = { system: 'BK_SOPS', component: 'get_task', requestId: 'r', at: now };
    for (let i = 0; i < 8; i++) recorder.record({ ...base, app: 'shop', status: 200, durationMs: 20 });
    recorder.record({ ...base, app: 'shop', status: 404, durationMs: 20 });
    recorder.record({
      ...base,
      app: 'shop',
      status: 504,
      durationMs: 20,
      code: 'APIGW_DEST_TIMEOUT',
      message: 'the destination did not answer in time',
      requestId: 'req-timeout',
      at: now + 1,
    });
    recorder.record({ ...base, app: 'blog', component: 'create_task', status: 201, durationMs: 1500 });
    await recorder.flush();
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    for (const home of [admin, dev]) home?.remove();
  });

  it('shows every component and calling app to an admin, then the last errors', async () => {
    const res = expectOk(await admin.run(['apigw', 'stats']));
    const lines = res.stdout.split('\n');
    expect(lines[0]).toMatch(/^SYSTEM\s+COMPONENT\s+APP\s+CALLS\s+2XX\/4XX\/5XX\s+P50\s+P99\s+ERRORS$/);
    // One call of 1.5 s reads as its bucket's middle (1026-1707 ms: 1.3 s); 20 ms as the slowest call.
    expect(lines[1]).toMatch(/^BK_SOPS\s+create_task\s+blog\s+1\s+1\/0\/0\s+1\.3s\s+1\.3s\s+0$/);
    expect(lines[2]).toMatch(/^BK_SOPS\s+get_task\s+shop\s+10\s+8\/1\/1\s+20ms\s+20ms\s+1 \(10%\)$/);
    expect(lines[4]).toBe('Last errors:');
    expect(lines[5]).toMatch(/^AT\s+SYSTEM\s+COMPONENT\s+APP\s+STATUS\s+CODE\s+REQUEST\s+MESSAGE$/);
    expect(lines[6]).toMatch(
      /Z\s+BK_SOPS\s+get_task\s+shop\s+504\s+APIGW_DEST_TIMEOUT\s+req-timeout\s+the destination did not answer in time$/,
    );
  });

  it('filters, and shows a developer the calls of their apps only', async () => {
    const mine = expectOk(await dev.run(['apigw', 'stats', '--window', '15m']));
    expect(mine.stdout).toMatch(/get_task\s+shop/);
    expect(mine.stdout).not.toMatch(/blog/);
    const blog = expectOk(await dev.run(['apigw', 'stats', '--app', 'blog']));
    expect(blog.stdout).toMatch(/^No API gateway calls since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\.\n$/);
    const json = JSON.parse(
      expectOk(await admin.run(['apigw', 'stats', '--component', 'create_task', '--json'])).stdout,
    );
    expect(json.items).toHaveLength(1);
    expect(json.items[0]).toMatchObject({ app: 'blog', calls: 1, latencyMs: { max: 1500 } });
  });

  it('refuses a window that is not one, or reaches past the retention', async () => {
    const bad = await admin.run(['apigw', 'stats', '--window', '1w']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toMatch(/--window must be minutes, hours or days/);
    expectFailure(await admin.run(['apigw', 'stats', '--window', '8d']), 1, 'VALIDATION_FAILED');
  });
});
