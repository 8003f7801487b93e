// The built-in system `berth` against a real berthd: a caller app (no deployed destination needed)
// calls its components with its secret after an admin granted them: a user's public profile (no
// password hash, role or token), an app's facts (no secret or config var), a notification that a
// real webhook receiver gets through the notify module's durable delivery. Refused without a grant
// (and only admins and operators grant it: it has no owner app), never reached through compapi; the
// listings and the OpenAPI document show it, and no sync, PUT or DELETE can declare, change or
// remove it.
import type { WebhookBody } from '@berth/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Receiver, startReceiver } from '../notify/receiver.ts';
import { systemDialects } from '../support/databases.ts';
import {
  ADMIN_PASSWORD,
  type ApiResponse,
  createUsers,
  startTestBerthd,
  type TestBerthd,
} from '../support/harness.ts';

const PASSWORD = 'correct-horse-battery';
const CONFIG_SECRET = 'cfg-value-never-told-7f3a';
const WAIT = { timeout: 30_000, interval: 50 };

describe.each(systemDialects())('the built-in API gateway system on %s', (dialect) => {
  let t: TestBerthd;
  let receiver: Receiver;
  const cookies: Record<string, string> = {};
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestBerthd({ dialect });
    receiver = await startReceiver();
    cookies['admin'] = await t.login('admin', ADMIN_PASSWORD);
    Object.assign(cookies, await createUsers(t, cookies['admin']!, [['dev', 'developer']], PASSWORD));
    ok(
      await as('admin', 'POST', '/api/v1/users', {
        username: 'alice',
        password: PASSWORD,
        role: 'operator',
        displayName: 'Alice Liddell',
        email: 'alice@example.com',
      }),
      201,
    );
    ok(await as('dev', 'POST', '/api/v1/apps', { code: 'caller', name: 'Caller' }), 201);
    ok(
      await as('admin', 'POST', '/api/v1/apps', {
        code: 'target',
        name: 'Target',
        description: 'The app described',
      }),
      201,
    );
    ok(
      await as('admin', 'PATCH', '/api/v1/apps/target/envs/prod/config', {
        set: [{ name: 'DB_PASSWORD', value: CONFIG_SECRET, secret: true }],
      }),
    );
    ok(
      await as('admin', 'POST', '/api/v1/domains', {
        host: 'target.example.com',
        app: 'target',
        env: 'prod',
      }),
      201,
    );
    for (const code of ['caller', 'target']) {
      secrets[code] = ok(await as('admin', 'GET', `/api/v1/apps/${code}/secret`)).body.secret;
    }
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await t?.stop();
  });

  function as(who: string, method: string, path: string, body?: unknown): Promise<ApiResponse> {
    return t.api(method, path, { cookie: cookies[who], ...(body === undefined ? {} : { body }) });
  }

  function ok(res: ApiResponse, status = 200): ApiResponse {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res;
  }

  /** A call to /api/c/{path} as the caller app (its code and secret in Berth's headers). */
  async function call(
    path: string,
    opts: { method?: string; body?: string; headers?: Record<string, string>; inBody?: boolean } = {},
  ) {
    const res = await fetch(`${t.url}/api/c/${path}`, {
      method: opts.method ?? 'GET',
      headers: {
        ...(opts.inBody ? {} : { 'x-berth-app-code': 'caller', 'x-berth-app-secret': secrets['caller']! }),
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...opts.headers,
      },
      ...(opts.body === undefined ? {} : { body: opts.body }),
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: the envelope's JSON
    const body: any = JSON.parse(text);
    expect(res.headers.get('x-request-id')).toBe(body.request_id);
    return { status: res.status, body, text, headers: res.headers };
  }

  async function refused(path: string, status: number, code: string, opts: Parameters<typeof call>[1] = {}) {
    const res = await call(path, opts);
    expect([res.status, res.body.code], res.text).toEqual([status, code]);
    expect(res.body).toMatchObject({ result: false, data: null, request_id: expect.any(String) });
  }

  it('refuses a caller without a grant; only admins and operators grant the system', async () => {
    await refused('berth/users/alice', 403, 'APIGW_PERMISSION_DENIED');
    await refused('berth/apps/target', 403, 'APIGW_PERMISSION_DENIED');
    await refused('berth/notifications', 403, 'APIGW_PERMISSION_DENIED', {
      method: 'POST',
      body: JSON.stringify({ title: 't', content: 'c' }),
    });
    // A wrong secret is refused before anything about the component is told.
    await refused('berth/users/alice', 401, 'APIGW_APP_AUTH_FAILED', {
      headers: { 'x-berth-app-secret': 'wrong' },
    });
    // The system has no owner app: a developer (even of the calling app) may not grant it.
    const denied = await as('dev', 'POST', '/api/v1/apigw/grants', { app: 'caller', system: 'berth' });
    expect([denied.status, denied.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    // The caller's developer asks for it; only an admin or operator approves (the approval is the grant).
    const asked = ok(
      await as('dev', 'POST', '/api/v1/apigw/permission-requests', {
        app: 'caller',
        system: 'berth',
        reason: 'show user names and send alerts',
      }),
      201,
    ).body.request.id as string;
    const selfApproved = await as('dev', 'POST', `/api/v1/apigw/permission-requests/${asked}/approve`, {});
    expect([selfApproved.status, selfApproved.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    await refused('berth/users/alice', 403, 'APIGW_PERMISSION_DENIED');
    ok(await as('admin', 'POST', `/api/v1/apigw/permission-requests/${asked}/approve`, {}));
  });

  it("looks up users: the public profile only, in BlueKing's envelope", async () => {
    const res = await call('berth/users/alice');
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      result: true,
      code: 0,
      message: '',
      data: { username: 'alice', display_name: 'Alice Liddell', email: 'alice@example.com', disabled: false },
      request_id: expect.any(String),
    });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    for (const leak of ['scrypt', 'password', 'operator', 'role', 'token'])
      expect(res.text).not.toContain(leak);
    await refused('berth/users/nobody', 404, 'USER_NOT_FOUND');
    const batch = await call('berth/users?usernames=alice,nobody,dev');
    expect(batch.body.data.map((u: { username: string }) => u.username)).toEqual(['alice', 'dev']);
    expect(batch.body.data[1]).toMatchObject({ username: 'dev', email: null, disabled: false });
    await refused('berth/users', 400, 'VALIDATION_FAILED');
  });

  it('describes an app: environments, URLs, releases, never its secret or config', async () => {
    const res = await call('berth/apps/target');
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toEqual({
      code: 'target',
      name: 'Target',
      description: 'The app described',
      envs: [
        {
          name: 'stag',
          url: `${t.berthd.urls.apps.replace(/\/$/, '')}/t/target/`,
          domains: [],
          release: null,
          status: 'not-deployed',
        },
        {
          name: 'prod',
          url: `${t.berthd.urls.apps.replace(/\/$/, '')}/o/target/`,
          domains: ['target.example.com'],
          release: null,
          status: 'not-deployed',
        },
      ],
    });
    for (const leak of [secrets['target']!, CONFIG_SECRET, 'DB_PASSWORD', 'members', 'admin']) {
      expect(res.text).not.toContain(leak);
    }
    await refused('berth/apps/nope', 404, 'APP_NOT_FOUND');
    // compapi searches the declared systems only.
    await refused('compapi/apps/target', 404, 'APIGW_COMPONENT_NOT_FOUND');
    await refused('berth/apps/target', 404, 'APIGW_COMPONENT_NOT_FOUND', { method: 'DELETE' });
  });

  it('sends a notification as the calling app, delivered to a real webhook channel', async () => {
    const channel = ok(
      await as('admin', 'POST', '/api/v1/channels', {
        name: 'team',
        config: { kind: 'webhook', url: receiver.url, secret: 'webhook-secret-0123456789' },
      }),
      201,
    ).body.channel.id as string;
    ok(
      await as('dev', 'PUT', `/api/v1/apps/caller/subscriptions/${channel}`, {
        events: ['app.message'],
        envs: ['prod'],
      }),
    );
    // BlueKing's credentials in the body are the gateway's: the handler never sees them.
    const res = await call('berth/notifications', {
      method: 'POST',
      inBody: true,
      body: JSON.stringify({
        bk_app_code: 'caller',
        bk_app_secret: secrets['caller'],
        title: 'Backup finished',
        content: 'All 3 databases were saved.',
        level: 'warning',
      }),
    });
    expect(res.status, res.text).toBe(200);
    const deliveries = res.body.data.deliveries as string[];
    expect(deliveries).toHaveLength(1);
    await vi.waitFor(() => {
      expect(receiver.requests.some((r) => r.raw.includes(deliveries[0]!))).toBe(true);
    }, WAIT);
    const received = receiver.requests.find((r) => r.raw.includes(deliveries[0]!))!;
    const body = JSON.parse(received.raw) as WebhookBody;
    expect(body.event).toMatchObject({
      type: 'app.message',
      app: 'caller',
      env: 'prod',
      title: 'Backup finished',
      content: 'All 3 databases were saved.',
      level: 'warning',
    });
    expect(received.raw).not.toContain(secrets['caller']!);
    // The delivery is the app's, as its developers see it.
    const list = ok(await as('dev', 'GET', '/api/v1/apps/caller/deliveries')).body.deliveries;
    expect(list.map((d: { id: string }) => d.id)).toContain(deliveries[0]);
    // A message for an environment no subscription asks for queues nothing.
    const stag = await call('berth/notifications', {
      method: 'POST',
      body: JSON.stringify({ title: 'x', content: 'y', env: 'stag' }),
    });
    expect(stag.body.data).toEqual({ deliveries: [] });
    // Bad input: a clear refusal naming the field.
    await refused('berth/notifications', 400, 'VALIDATION_FAILED', {
      method: 'POST',
      body: JSON.stringify({ title: 'x'.repeat(201), content: 'y' }),
    });
    await refused('berth/notifications', 400, 'VALIDATION_FAILED', { method: 'POST', body: '{not json' });
    await refused('berth/notifications', 400, 'VALIDATION_FAILED', {
      method: 'POST',
      body: JSON.stringify({ title: 'x', content: 'y', app: 'target' }),
    });
  });

  it('shows the built-in system in the listings and its OpenAPI document', async () => {
    const systems = ok(await as('dev', 'GET', '/api/v1/apigw/systems')).body.items;
    expect(systems[0]).toMatchObject({ name: 'berth', builtIn: true, components: 4 });
    const components = ok(await as('dev', 'GET', '/api/v1/apigw/components?system=berth')).body.items;
    expect(components.map((c: { name: string }) => c.name)).toEqual([
      'get_user',
      'list_users',
      'get_app',
      'send_notification',
    ]);
    for (const c of components) expect(c).toMatchObject({ builtIn: true, system: 'berth' });
    const doc = ok(await as('dev', 'GET', '/api/v1/apigw/systems/berth/openapi.json')).body;
    expect(doc.servers[0].url).toMatch(/\/api\/c\/berth$/);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/apps/{code}',
      '/notifications',
      '/users',
      '/users/{username}',
    ]);
  });

  it('refuses to declare, change, export or remove it', async () => {
    const file = 'system:\n  name: berth\n  label: Mine\n';
    const put = await as('admin', 'PUT', '/api/v1/apigw/systems/berth', { text: file });
    expect([put.status, put.body.error?.code]).toEqual([409, 'APIGW_SYSTEM_RESERVED']);
    const del = await as('admin', 'DELETE', '/api/v1/apigw/systems/berth');
    expect([del.status, del.body.error?.code]).toEqual([409, 'APIGW_SYSTEM_RESERVED']);
    const sync = await as('admin', 'POST', '/api/v1/apigw/sync', {
      files: [
        { name: 'OTHER.yaml', text: 'system:\n  name: OTHER\n  label: Other\n' },
        { name: 'berth.yaml', text: file },
      ],
    });
    expect([sync.status, sync.body.error?.code]).toEqual([409, 'APIGW_SYSTEM_RESERVED']);
    expect(sync.body.error.details).toMatchObject({ file: 'berth.yaml', line: 2, field: 'system.name' });
    // Nothing was synced; a sync of other files leaves it; export does not write it.
    ok(
      await as('admin', 'POST', '/api/v1/apigw/sync', {
        files: [{ name: 'OTHER.yaml', text: 'system:\n  name: OTHER\n  label: Other\n' }],
      }),
    );
    const exported = ok(await as('admin', 'GET', '/api/v1/apigw/export')).body.files;
    expect(exported.map((f: { name: string }) => f.name)).toEqual(['OTHER.yaml']);
    const names = ok(await as('admin', 'GET', '/api/v1/apigw/systems')).body.items.map(
      (s: { name: string }) => s.name,
    );
    expect(names).toEqual(['berth', 'OTHER']);
    // And it still answers.
    expect((await call('berth/users/alice')).status).toBe(200);
  });
});
