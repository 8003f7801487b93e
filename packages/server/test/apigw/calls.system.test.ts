// API gateway calls end to end, against a real berthd: two apps deployed (the destination records
// every request it gets, the caller's credentials are its own), a system declared in Berth's YAML
// and one in BlueKing's, a grant. A granted call arrives with the gateway's headers and without the
// caller's credentials; a signed one too, once. Each refusal (wrong secret, bad signature, replayed
// nonce, stale timestamp, unknown component, no permission, expired permission, rate limit) has its
// own code in BlueKing's envelope, and the destination is never reached (asserted at the app).
// A user is named by the gateway token the caller got from a login ticket; `X-Berth-Env: stag` goes
// to the destination's stag.
import crypto from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordBatch } from '../../src/apigw/call-records.ts';
import { signRequest } from '../../src/apigw/signature.ts';
import { type EngineFixture, json, nodeBerthYaml, packFiles, startEngineFixture } from '../engine/support.ts';
import { nginxUnavailable } from '../gateway/nginx/nginx-support.ts';

const DEST = 'gwdest';
const CALLER = 'gwcaller';
const OTHER = 'gwother';

/** The destination: answers /api/… with what it received, counts them, says the count at /seen. */
const DEST_SERVER = `
'use strict';
const http = require('node:http');
let calls = 0;
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  if (req.url === '/seen') return res.end(String(calls));
  if (!req.url.startsWith('/api/')) { res.statusCode = 404; return res.end('no'); }
  calls += 1;
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('set-cookie', 'app_cookie=1; Path=/');
    res.setHeader('clear-site-data', '"cookies"');
    res.setHeader('content-security-policy', "script-src 'unsafe-inline'");
    res.setHeader('x-dest', 'yes');
    res.statusCode = req.url.includes('/teapot/') ? 418 : 200;
    res.end(JSON.stringify({ env: process.env.BERTH_ENV, method: req.method, url: req.url, headers: req.headers, body }));
  });
});
server.listen(Number(process.env.PORT), process.env.HOST);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const SYSTEM_YAML = `system:
  name: DEST
  label: Destination
  owner: ${DEST}
  timeout: 10s
components:
  - name: echo
    label: Echo
    path: /v2/dest/echo/{id}/
    method: GET
    dest: { app: ${DEST}, env: prod, path: "/api/echo/{id}/{kind}/" }
    rate_limit: 4/min
  - name: post
    label: Post
    path: /v2/dest/post/
    method: POST
    dest: { app: ${DEST}, env: prod, path: /api/post/ }
  - name: teapot
    label: Teapot
    path: /v2/dest/teapot/
    method: GET
    dest: { app: ${DEST}, env: prod, path: /api/teapot/ }
    perm_level: unlimited
`;

/** BlueKing's shape: a list of components, the system named by the file. */
const BLUEKING_YAML = `- path: /v2/dest_bk/get_template_list/
  name: get_template_list
  label: List templates
  method: GET
  comp_codename: generic.v2.dest_bk.dest_component
  dest_path: /o/${DEST}/api/get_template_list/{bk_biz_id}/
  dest_http_method: GET
  is_hidden: false
`;

/**
 * Where calls are made: berthd's API port (its own handler), and the apps origin, where the gateway
 * serves the `apigw` route policy itself — in gateway worker processes that ask berthd over IPC for
 * what only it has (secrets, nonces, user tokens, rate-limit tokens, records).
 */
const PLACES: Array<{
  place: string;
  workers: string;
  base: (t: EngineFixture['t']) => string;
  env?: Record<string, string>;
}> = [
  { place: "berthd's API port", workers: '0', base: (t) => t.url },
  { place: 'the apps origin, in gateway workers', workers: '2', base: (t) => t.appsUrl },
  // nginx hands the calls to berthd's API port, vouching for the client's address with its key.
  ...(nginxUnavailable('API gateway calls through nginx') === null
    ? [
        {
          place: 'the apps origin, through nginx',
          workers: '0',
          base: (t: EngineFixture['t']) => t.appsUrl,
          env: { BERTH_GATEWAY: 'nginx' },
        },
      ]
    : []),
];

describe.each(PLACES)('API gateway calls on $place', ({ workers, base, env }) => {
  let f: EngineFixture;
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    f = await startEngineFixture('sqlite', { BERTH_GATEWAY_WORKERS: workers, ...env });
    for (const code of [DEST, CALLER, OTHER]) {
      await f.createApp(code);
      secrets[code] = (await f.api('GET', `/api/v1/apps/${code}/secret`)).body.secret;
    }
    const files = (server: string) => ({
      'package.json': JSON.stringify({ name: 'gw', version: '1.0.0', private: true }),
      'server.js': server,
      'berth.yaml': nodeBerthYaml({ count: 1, healthPath: '/healthz' }),
    });
    // Both apps are deployed: the destination in both environments, the caller (its secret is what
    // its instances get as BERTH_APP_SECRET).
    const pkg = await packFiles(files(DEST_SERVER));
    await f.deploy(DEST, 'prod', pkg);
    await f.deploy(DEST, 'stag', pkg);
    await f.deploy(CALLER, 'prod', await packFiles(files(DEST_SERVER)));
    const put = await f.api('PUT', '/api/v1/apigw/systems/DEST', { text: SYSTEM_YAML });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const sync = await f.api('PUT', '/api/v1/apigw/systems/DEST_BK', { text: BLUEKING_YAML });
    expect(sync.status, JSON.stringify(sync.body)).toBe(200);
  }, 300_000);
  afterAll(async () => f?.stop(), 60_000);

  /** How many API requests the destination's prod has had. */
  const seen = async (env: 'o' | 't' = 'o') => Number((await f.get(`/${env}/${DEST}/seen`)).text);
  const call = (
    path: string,
    opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ) =>
    fetch(`${base(f.t)}/api/c/${path}`, {
      method: opts.method ?? 'GET',
      headers: opts.headers ?? {},
      ...(opts.body === undefined ? {} : { body: opts.body }),
    });
  const asCaller = (extra: Record<string, string> = {}) => ({
    'x-berth-app-code': CALLER,
    'x-berth-app-secret': secrets[CALLER]!,
    ...extra,
  });
  /** A refusal: its status and code in BlueKing's envelope, and the destination not reached. */
  async function refused(res: Response | Promise<Response>, status: number, code: string, before: number) {
    const r = await res;
    // biome-ignore lint/suspicious/noExplicitAny: the envelope's JSON
    const body: any = await r.json();
    expect([r.status, body.code], JSON.stringify(body)).toEqual([status, code]);
    expect(body).toMatchObject({ result: false, data: null, request_id: expect.any(String) });
    expect(r.headers.get('x-request-id')).toBe(body.request_id);
    expect(await seen()).toBe(before);
    return r;
  }

  it('refuses an app without a grant, and an unknown component, without reaching the destination', async () => {
    const before = await seen();
    await refused(
      call('DEST/v2/dest/echo/1/?kind=a', { headers: asCaller() }),
      403,
      'APIGW_PERMISSION_DENIED',
      before,
    );
    await refused(
      call('DEST/v2/dest/nothing/', { headers: asCaller() }),
      404,
      'APIGW_COMPONENT_NOT_FOUND',
      before,
    );
    await refused(
      call('compapi/v2/dest/nothing/', { headers: asCaller() }),
      404,
      'APIGW_COMPONENT_NOT_FOUND',
      before,
    );
    // POST only: a GET names no component.
    await refused(
      call('DEST/v2/dest/post/', { headers: asCaller() }),
      404,
      'APIGW_COMPONENT_NOT_FOUND',
      before,
    );
  });

  it("forwards a granted call with the gateway's headers and without the caller's credentials", async () => {
    const grant = await f.api('POST', '/api/v1/apigw/grants', { app: CALLER, system: 'DEST' });
    expect(grant.status, JSON.stringify(grant.body)).toBe(201);
    const before = await seen();
    const res = await call('DEST/v2/dest/echo/42/?kind=k%2F1&bk_app_secret=leak&x=1', {
      headers: asCaller({
        cookie: 'platform=1',
        authorization: 'Bearer nothing',
        'x-berth-env': 'prod',
        'x-custom': 'kept',
        'x-request-id': 'forged',
        'x-forwarded-for': '6.6.6.6',
      }),
    });
    expect(res.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: the echo's JSON
    const body: any = await res.json();
    expect(body.url).toBe('/api/echo/42/k%2F1/?kind=k%2F1&x=1');
    expect(body.env).toBe('prod');
    expect(body.headers['x-berth-app-code']).toBe(CALLER);
    expect(body.headers['x-custom']).toBe('kept');
    expect(body.headers['x-request-id']).toBe(res.headers.get('x-request-id'));
    expect(body.headers['x-request-id']).not.toBe('forged');
    // The caller is who connected: a client's own X-Forwarded-For is not believed.
    expect(body.headers['x-forwarded-for']).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    for (const name of ['x-berth-app-secret', 'cookie', 'authorization', 'x-berth-username', 'x-berth-env'])
      expect(body.headers[name], name).toBeUndefined();
    // The app's answer as it came, except what it may not do on berthd's origin (where the console's
    // session lives): set or clear cookies, run script (a sandbox with an opaque origin), be framed.
    expect(res.headers.get('x-dest')).toBe('yes');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('clear-site-data')).toBeNull();
    expect(res.headers.get('content-security-policy')).toBe(
      "sandbox; default-src 'none'; frame-ancestors 'none'",
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(await seen()).toBe(before + 1);

    // A POST's body goes on, its BlueKing credential fields taken out.
    const post = await call('DEST/v2/dest/post/', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ bk_app_code: CALLER, bk_app_secret: secrets[CALLER], task: 7 }),
    });
    expect(post.status).toBe(200);
    expect(JSON.parse((await json(post)).body)).toEqual({ task: 7 });
    // The destination's own errors pass through untouched (no envelope).
    const teapot = await call('DEST/v2/dest/teapot/', { headers: asCaller() });
    expect(teapot.status).toBe(418);
    expect((await json(teapot)).url).toBe('/api/teapot/');
  });

  it.runIf(workers === '0')(
    "serves calls on the apps origin too, in berthd's own gateway (no workers)",
    async () => {
      // (post has no rate limit: echo's 4 a minute are the other tests'.)
      const before = await seen();
      const res = await fetch(`${f.t.appsUrl}/api/c/DEST/v2/dest/post/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ bk_app_code: CALLER, bk_app_secret: secrets[CALLER], task: 8 }),
      });
      // biome-ignore lint/suspicious/noExplicitAny: the echo's JSON
      const body: any = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.url).toBe('/api/post/');
      expect(JSON.parse(body.body)).toEqual({ task: 8 });
      expect(body.headers['x-berth-app-code']).toBe(CALLER);
      expect(res.headers.get('content-security-policy')).toBe(
        "sandbox; default-src 'none'; frame-ancestors 'none'",
      );
      expect(await seen()).toBe(before + 1);
      await refused(
        fetch(`${f.t.appsUrl}/api/c/DEST/v2/dest/post/`, {
          method: 'POST',
          headers: asCaller({ 'x-berth-app-secret': 'wrong' }),
        }),
        401,
        'APIGW_APP_AUTH_FAILED',
        before + 1,
      );
    },
  );

  it('gives the destination the address the caller connected from, not one it claims', async () => {
    // A caller at 127.0.0.2 claims another address; through a gateway the address is the one the
    // gateway saw (nginx vouches for it to berthd's API with its per-start key).
    const url = new URL(`${base(f.t)}/api/c/DEST/v2/dest/post/`);
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: Number(url.port),
          path: url.pathname,
          method: 'POST',
          localAddress: '127.0.0.2',
          agent: false,
          headers: { 'content-type': 'application/json', 'x-forwarded-for': '6.6.6.6' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          );
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ bk_app_code: CALLER, bk_app_secret: secrets[CALLER], task: 9 }));
    });
    expect(answer.status, answer.text).toBe(200);
    expect(JSON.parse(answer.text).headers['x-forwarded-for']).toMatch(/^(::ffff:)?127\.0\.0\.2$/);
  });

  it('refuses a body over the limit with 413, before reading it or checking anything', async () => {
    const before = await seen();
    // It says 20 MiB are coming and sends a few bytes: the answer comes at once.
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        `${base(f.t)}/api/c/DEST/v2/dest/post/`,
        { method: 'POST', headers: { 'content-length': String(20 * 1024 * 1024), ...asCaller() } },
        (res) => {
          let body = '';
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.write('{"task":');
    });
    expect(answer.status).toBe(413);
    if (workers !== '0') expect(JSON.parse(answer.body).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await seen()).toBe(before);
  });

  it('refuses a wrong secret, a bad signature, a replayed nonce and a stale timestamp', async () => {
    const before = await seen();
    await refused(
      call('DEST/v2/dest/echo/1/?kind=a', {
        headers: { 'x-berth-app-code': CALLER, 'x-berth-app-secret': 'wrong' },
      }),
      401,
      'APIGW_APP_AUTH_FAILED',
      before,
    );
    await refused(
      call('DEST/v2/dest/echo/1/?kind=a', {
        headers: { 'x-berth-app-code': CALLER, 'x-berth-app-secret': secrets[OTHER]! },
      }),
      401,
      'APIGW_APP_AUTH_FAILED',
      before,
    );
    const signed = (nonce: string, timestamp: number, secret = secrets[CALLER]!) => {
      const parts = {
        method: 'GET',
        path: '/api/c/DEST/v2/dest/echo/7/',
        query: 'kind=s',
        body: '',
        nonce,
        timestamp,
      };
      return {
        'x-berth-app-code': CALLER,
        'x-berth-signature': signRequest({ ...parts, secret }),
        'x-berth-nonce': nonce,
        'x-berth-timestamp': String(timestamp),
      };
    };
    const now = Math.floor(Date.now() / 1000);
    const nonce = crypto.randomBytes(12).toString('hex');
    const ok = await call('DEST/v2/dest/echo/7/?kind=s', { headers: signed(nonce, now) });
    expect(ok.status).toBe(200);
    expect((await json(ok)).headers['x-berth-signature']).toBeUndefined();
    const after = before + 1;
    expect(await seen()).toBe(after);
    await refused(
      call('DEST/v2/dest/echo/7/?kind=s', { headers: signed(nonce, now) }),
      401,
      'APIGW_NONCE_REPLAYED',
      after,
    );
    await refused(
      call('DEST/v2/dest/echo/7/?kind=s', { headers: signed(crypto.randomUUID(), now, secrets[OTHER]) }),
      401,
      'APIGW_SIGNATURE_INVALID',
      after,
    );
    // Signed for another query: the signature covers it.
    await refused(
      call('DEST/v2/dest/echo/7/?kind=other', { headers: signed(crypto.randomUUID(), now) }),
      401,
      'APIGW_SIGNATURE_INVALID',
      after,
    );
    await refused(
      call('DEST/v2/dest/echo/7/?kind=s', { headers: signed(crypto.randomUUID(), now - 301) }),
      401,
      'APIGW_TIMESTAMP_STALE',
      after,
    );
  });

  it('names the user by the gateway token the caller got for them, and no other way', async () => {
    // The login ticket flow: app-login with the user's console session, then the caller redeems it.
    const next = `${f.t.berthd.urls.apps}/o/${CALLER}/`;
    const login = await fetch(
      `${f.t.url}/api/v1/auth/app-login?app=${CALLER}&env=prod&next=${encodeURIComponent(next)}`,
      { headers: { authorization: `Bearer ${f.cookie}` }, redirect: 'manual' },
    );
    expect(login.status).toBe(303);
    const ticket = new URL(login.headers.get('location')!).searchParams.get('berth_ticket')!;
    const redeemed = await fetch(`${f.t.url}/api/v1/auth/app-user`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...asCaller() },
      body: JSON.stringify({ ticket, env: 'prod' }),
    });
    const token = (await json(redeemed)).gatewayToken.token as string;
    const res = await call('DEST/v2/dest/echo/5/?kind=u', {
      headers: asCaller({ 'x-berth-user-token': token }),
    });
    expect(res.status).toBe(200);
    const seenBy = (await json(res)).headers;
    expect(seenBy['x-berth-username']).toBe('admin');
    expect(seenBy['x-berth-user-token']).toBeUndefined();
    // Another app with the token, the console's session as a token, a name from an untrusted app.
    const before = await seen();
    await f.api('POST', '/api/v1/apigw/grants', { app: OTHER, system: 'DEST' });
    const other = { 'x-berth-app-code': OTHER, 'x-berth-app-secret': secrets[OTHER]! };
    await refused(
      call('DEST/v2/dest/echo/5/?kind=u', { headers: { ...other, 'x-berth-user-token': token } }),
      401,
      'APIGW_USER_AUTH_FAILED',
      before,
    );
    const session = f.cookie; // the console session's token
    await refused(
      call('DEST/v2/dest/echo/5/?kind=u', { headers: asCaller({ 'x-berth-user-token': session }) }),
      401,
      'APIGW_USER_AUTH_FAILED',
      before,
    );
    await refused(
      call('DEST/v2/dest/echo/5/?kind=u', { headers: asCaller({ 'x-berth-username': 'admin' }) }),
      401,
      'APIGW_USER_AUTH_FAILED',
      before,
    );
  });

  it("sends X-Berth-Env: stag to the destination's stag", async () => {
    const stagBefore = await seen('t');
    const res = await call('DEST/v2/dest/echo/3/?kind=e', { headers: asCaller({ 'x-berth-env': 'stag' }) });
    expect(res.status).toBe(200);
    expect((await json(res)).env).toBe('stag');
    expect(await seen('t')).toBe(stagBefore + 1);
  });

  it("answers APIGW_RATE_LIMITED with Retry-After once the caller used the component's limit", async () => {
    // echo allows 4 calls a minute per calling app; OTHER has made none that passed yet.
    await f.api('POST', '/api/v1/apigw/grants', { app: OTHER, system: 'DEST' });
    const other = { 'x-berth-app-code': OTHER, 'x-berth-app-secret': secrets[OTHER]! };
    for (let i = 0; i < 4; i += 1) {
      const res = await call(`DEST/v2/dest/echo/${i}/?kind=r`, { headers: other });
      expect(res.status, `call ${i}`).toBe(200);
    }
    const before = await seen();
    const limited = await refused(
      call('DEST/v2/dest/echo/9/?kind=r', { headers: other }),
      429,
      'APIGW_RATE_LIMITED',
      before,
    );
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses a permission that expired', async () => {
    // Granting again renews: this time until a moment from now (the API refuses a past date).
    const until = Date.now() + 1500;
    const renewed = await f.api('POST', '/api/v1/apigw/grants', {
      app: CALLER,
      system: 'DEST',
      expiresAt: until,
    });
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(200);
    await new Promise((r) => setTimeout(r, until - Date.now() + 50));
    const before = await seen();
    // teapot is unlimited: no grant needed, the app answers.
    expect((await call('DEST/v2/dest/teapot/', { headers: asCaller() })).status).toBe(418);
    await refused(
      call('DEST/v2/dest/echo/1/?kind=x', { headers: asCaller() }),
      403,
      'APIGW_PERMISSION_EXPIRED',
      before + 1,
    );
  });

  it('routes a BlueKing-shaped component at /api/c/compapi/ with bk_app_code and bk_app_secret', async () => {
    await f.api('POST', '/api/v1/apigw/grants', { app: OTHER, system: 'DEST_BK' });
    const res = await call(
      `compapi/v2/dest_bk/get_template_list/?bk_app_code=${OTHER}&bk_app_secret=${encodeURIComponent(secrets[OTHER]!)}&bk_biz_id=7`,
    );
    // biome-ignore lint/suspicious/noExplicitAny: the echo's JSON
    const body: any = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.url).toBe('/api/get_template_list/7/?bk_biz_id=7');
    expect(body.headers['x-berth-app-code']).toBe(OTHER);
  });

  it('documents a system for its callers as OpenAPI, at the address they call', async () => {
    const res = await f.api('GET', '/api/v1/apigw/systems/DEST/openapi.json');
    expect(res.status).toBe(200);
    // Apps call the gateway on the apps port (BERTH_APIGW_URL in their environment).
    expect(res.body.servers).toEqual([{ url: `${f.t.berthd.urls.apigw}/api/c/DEST` }]);
    expect(res.body.paths['/v2/dest/echo/{id}/'].get).toMatchObject({
      operationId: 'echo',
      parameters: [{ name: 'id', in: 'path', required: true }],
      'x-berth-component': { rateLimit: '4/min', permLevel: 'normal' },
    });
    expect((await f.api('GET', '/api/v1/apigw/systems/NOPE/openapi.json')).body.error.code).toBe(
      'APIGW_SYSTEM_NOT_FOUND',
    );
  });

  it('records every call: per component and calling app, with the refusals among the last errors', async () => {
    // Gateway workers send their counts to berthd once a second; berthd writes them when it flushes.
    const read = async () => {
      await f.t.berthd.apigwRecords.recorder.flush();
      return f.api('GET', `/api/v1/apigw/records?system=DEST&component=echo&app=${CALLER}&window=1h`);
    };
    const arrived = (r: { body: { items?: Array<{ lastErrors: Array<{ code?: string }> }> } }) => {
      const codes = new Set((r.body.items?.[0]?.lastErrors ?? []).map((e) => e.code));
      return codes.has('APIGW_PERMISSION_DENIED') && codes.has('APIGW_PERMISSION_EXPIRED');
    };
    let res = await read();
    for (let i = 0; i < 50 && !arrived(res); i++) {
      await new Promise((r) => setTimeout(r, 100));
      res = await read();
    }
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const [row] = res.body.items;
    expect(row).toMatchObject({ system: 'DEST', component: 'echo', app: CALLER });
    expect(row.status['2xx']).toBeGreaterThanOrEqual(4);
    expect(row.calls).toBe(row.status['2xx'] + row.status['3xx'] + row.status['4xx'] + row.status['5xx']);
    const codes = new Set(row.lastErrors.map((e: { code?: string }) => e.code));
    for (const code of ['APIGW_PERMISSION_DENIED', 'APIGW_PERMISSION_EXPIRED'])
      expect(codes.has(code), code).toBe(true);
    // A caller not authenticated is told nothing of components: its call is recorded under the
    // system it named, without a component or an app.
    const all = await f.api('GET', '/api/v1/apigw/records?system=DEST&window=1h');
    const anonymous = all.body.items.find(
      (r: { component: string; app: string }) => r.component === '' && r.app === '',
    );
    expect(anonymous.lastErrors.map((e: { code?: string }) => e.code)).toEqual(
      expect.arrayContaining(['APIGW_APP_AUTH_FAILED', 'APIGW_NONCE_REPLAYED', 'APIGW_SIGNATURE_INVALID']),
    );
  });

  // (Last in its run: it stops the gateway workers.)
  it.runIf(workers !== '0')('counts a call a worker answered just before it stopped', async () => {
    const recorder = f.t.berthd.apigwRecords.recorder;
    const absorb = recorder.absorb;
    const absorbed: RecordBatch[] = [];
    recorder.absorb = (batch) => {
      absorbed.push(batch);
      absorb(batch);
    };
    try {
      // The batches of earlier calls arrive within a second; then only this call's may.
      await new Promise((r) => setTimeout(r, 1500));
      absorbed.length = 0;
      expect((await call('DEST/v2/dest/teapot/', { headers: asCaller() })).status).toBe(418);
      // The workers stop before their next batch is due: the count goes out as they stop.
      await f.t.berthd.gatewayWorkers!.close();
      const counted = absorbed
        .flatMap((b) => b.minutes)
        .filter((m) => m.component === 'teapot' && m.app === CALLER)
        .reduce((n, m) => n + m.totals.calls, 0);
      expect(counted).toBe(1);
    } finally {
      recorder.absorb = absorb;
    }
  });
});
