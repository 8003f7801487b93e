// What the gateway counted of an app's requests, through the API, with berthd's built-in gateway and
// a deployed app: GET /api/v1/apps/{code}/traffic for whoever may read the app (a developer who is
// not a member sees no such app), and the Prometheus exposition GET /api/v1/metrics for admins,
// operators and auditors only (a scraper's API token works; a developer's does not).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineFixture, startEngineFixture, tinyApp } from '../engine/support.ts';
import { createUsers } from '../support/harness.ts';

const PW = 'traffic-password-1';

describe('the apps traffic through the API (built-in gateway)', () => {
  let f: EngineFixture;
  let users: Record<string, string>;

  beforeAll(async () => {
    f = await startEngineFixture('sqlite');
    await f.createApp('counted');
    users = await createUsers(
      f.t,
      f.cookie,
      [
        ['traffic-member', 'developer'],
        ['traffic-stranger', 'developer'],
        ['traffic-auditor', 'auditor'],
      ],
      PW,
    );
    const added = await f.api('POST', '/api/v1/apps/counted/members', { username: 'traffic-member' });
    expect(added.status, JSON.stringify(added.body)).toBe(204);
    await f.deploy('counted', 'stag', await tinyApp({ text: 'counted' }));
  }, 180_000);
  afterAll(async () => f?.stop(), 60_000);

  const stagOf = async (cookie: string) => {
    const res = await f.t.api('GET', '/api/v1/apps/counted/traffic', { cookie });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.envs.find((e: { env: string }) => e.env === 'stag') ?? null;
  };

  it("counts the app's requests per environment, for its member", async () => {
    const before = (await stagOf(users['traffic-member']!))?.requests ?? 0;
    for (let i = 0; i < 3; i++) expect((await f.get('/t/counted/')).status).toBe(200);
    let stag = await stagOf(users['traffic-member']!);
    for (const until = Date.now() + 10_000; (stag?.requests ?? 0) < before + 3 && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 100));
      stag = await stagOf(users['traffic-member']!);
    }
    expect(stag.requests).toBe(before + 3);
    expect(stag.status['2xx']).toBeGreaterThanOrEqual(3);
    expect(stag.status['5xx']).toBe(0);
    expect(stag.errorRate).toBe(0);
    expect(stag.bytesOut).toBeGreaterThan(0);
    expect(stag.latencyMs.p50).toBeGreaterThan(0);
    expect(stag.latencyMs.p99).toBeGreaterThanOrEqual(stag.latencyMs.p50);
    const whole = await f.t.api('GET', '/api/v1/apps/counted/traffic', { cookie: users['traffic-member']! });
    expect(whole.body).toMatchObject({ app: 'counted', gateway: 'builtin' });
    expect(whole.body.since).toBeLessThanOrEqual(Date.now());
    // prod had no request: it is not listed.
    expect(whole.body.envs.map((e: { env: string }) => e.env)).toEqual(['stag']);
  });

  it('shows no app to a developer who is not a member', async () => {
    const res = await f.t.api('GET', '/api/v1/apps/counted/traffic', { cookie: users['traffic-stranger']! });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('APP_NOT_FOUND');
  });

  it('exposes every app to Prometheus for auditors (with an API token), not for developers', async () => {
    const made = await f.t.api('POST', '/api/v1/me/tokens', {
      cookie: users['traffic-auditor']!,
      body: { name: 'prometheus' },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const scrape = await f.t.api('GET', '/api/v1/metrics', { token: made.body.secret });
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = scrape.body as string;
    const requests = /^berth_gateway_requests_total\{app="counted",env="stag",code="2xx"\} (\d+)$/m.exec(
      text,
    );
    expect(Number(requests?.[1])).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/^berth_gateway_request_duration_seconds_count\{app="counted",env="stag"\} \d+$/m);
    expect(text).toMatch(
      /^berth_info\{version="[^"]+",gateway="builtin",runtime="process",store="sqlite"\} 1$/m,
    );

    const developer = await f.t.api('GET', '/api/v1/metrics', { cookie: users['traffic-member']! });
    expect(developer.status).toBe(403);
    expect(developer.body.error.code).toBe('FORBIDDEN');
    const nobody = await f.t.api('GET', '/api/v1/metrics');
    expect(nobody.status).toBe(401);
  });
});
