// `berth traffic` (in-process) against a real berthd with a tiny app deployed to stag: an app nobody
// requested says so; three GETs through the gateway show as a stag row of 3 requests, all 2xx, with
// their bytes (the table and `--json`), and no prod row; a developer who is not a member gets
// APP_NOT_FOUND until they are added; --app (or BERTH_APP) is required.
import type { AppTraffic } from '@berth/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type EngineFixture, startEngineFixture, tinyApp } from '../../server/test/engine/support.ts';
import { ADMIN_PASSWORD } from '../../server/test/support/harness.ts';
import { EXIT } from '../src/errors.ts';
import { type CliHome, createUserAndLogin, expectFailure, expectOk, loginAs } from './support/cli.ts';
import { createInProcessCli } from './support/in-process.ts';

const APP = 'traffic';
/** Created, never deployed nor requested. */
const QUIET = 'trafficquiet';
const PASSWORD = 'traffic-password-1';
/** What the tiny app answers at `/` on its first release: `${TEXT} v${BERTH_RELEASE}`. */
const BODY = 'hello v1';
const TIME = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ';
const LATENCY = '\\d+(\\.\\d)?(ms|s)';

describe('berth traffic', () => {
  let f: EngineFixture;
  let admin: CliHome;
  let dev: CliHome;

  async function traffic(home: CliHome, app: string): Promise<AppTraffic> {
    return JSON.parse(expectOk(await home.run(['traffic', '--app', app, '--json'])).stdout) as AppTraffic;
  }

  /** stag's request count as the gateway has it now (0 while stag has no row). */
  async function stagRequests(): Promise<number> {
    return (await traffic(admin, APP)).envs.find((e) => e.env === 'stag')?.requests ?? 0;
  }

  beforeAll(async () => {
    f = await startEngineFixture('sqlite');
    await f.createApp(APP);
    await f.createApp(QUIET);
    await f.deploy(APP, 'stag', await tinyApp());
    admin = createInProcessCli();
    dev = createInProcessCli();
    await loginAs(admin, f.t.url, 'admin', ADMIN_PASSWORD);
    await createUserAndLogin(admin, dev, f.t.url, { name: 'dev1', role: 'developer', password: PASSWORD });
  }, 120_000);

  afterAll(async () => {
    await f?.stop();
    for (const home of [admin, dev]) home?.remove();
  });

  it('says when an app had no requests since berthd started', async () => {
    const before = Date.now();
    const res = expectOk(await admin.run(['traffic', '--app', QUIET]));
    expect(res.stdout).toMatch(new RegExp(`^No requests to ${QUIET} since ${TIME}\\.\\n$`));
    const json = await traffic(admin, QUIET);
    expect(json).toMatchObject({ app: QUIET, gateway: 'builtin', envs: [] });
    expect(json.since).toBeLessThanOrEqual(before);
  });

  it('shows three GETs through the gateway as a stag row of 3 requests, all 2xx', async () => {
    // Counted on the gateway only: what the deploy did (health checks) goes straight to the
    // instances, so stag starts at 0.
    expect(await stagRequests()).toBe(0);
    for (let i = 0; i < 3; i++) {
      const res = await f.get(`/t/${APP}/`);
      expect(res).toEqual({ status: 200, text: BODY });
    }
    // The gateway counts a request once its answer has ended: read again until all three are in.
    await vi.waitFor(async () => expect(await stagRequests()).toBe(3), { timeout: 10_000, interval: 100 });

    const json = await traffic(admin, APP);
    expect(json.app).toBe(APP);
    expect(json.envs.map((e) => e.env)).toEqual(['stag']);
    const stag = json.envs[0]!;
    expect(stag).toMatchObject({
      requests: 3,
      status: { '1xx': 0, '2xx': 3, '3xx': 0, '4xx': 0, '5xx': 0 },
      errorRate: 0,
      bytesOut: 3 * Buffer.byteLength(BODY),
    });
    expect(stag.latencyMs.avg).toBeGreaterThan(0);
    expect(stag.latencyMs.p50).toBeLessThanOrEqual(stag.latencyMs.p99);

    const lines = expectOk(await admin.run(['traffic', '--app', APP])).stdout.split('\n');
    expect(lines[0]).toMatch(
      /^ENV\s+REQUESTS\s+2XX\/3XX\/4XX\/5XX\s+ERRORS\s+BYTES\s+P50\s+P90\s+P99\s+AVG$/,
    );
    expect(lines[1]).toMatch(new RegExp(`^stag\\s+3\\s+3/0/0/0\\s+0\\s+24 B(\\s+${LATENCY}){4}$`));
    expect(lines.slice(2)).toEqual([
      '',
      expect.stringMatching(
        new RegExp(`^Counted by the builtin gateway since ${TIME} \\(berthd's start\\)\\.$`),
      ),
      '',
    ]);
  });

  it('refuses a developer who is not a member as if the app did not exist, until they are one', async () => {
    expectFailure(await dev.run(['traffic', '--app', APP]), EXIT.api, 'APP_NOT_FOUND');
    expectFailure(await dev.run(['traffic', '--app', APP, '--json']), EXIT.api, 'APP_NOT_FOUND');
    expectOk(await admin.run(['apps', 'members', APP, 'add', 'dev1']));
    expect((await traffic(dev, APP)).envs.map((e) => [e.env, e.requests])).toEqual([['stag', 3]]);
  });

  it('needs the app: --app or BERTH_APP', async () => {
    const without = await admin.run(['traffic']);
    expect(without.code).toBe(EXIT.usage);
    expect(without.stderr).toMatch(
      /--app CODE \(or BERTH_APP\) is required; usage: berth traffic --app CODE/,
    );
    const fromEnv = expectOk(await admin.run(['traffic', '--json'], { env: { BERTH_APP: QUIET } }));
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ app: QUIET, envs: [] });
  });
});
