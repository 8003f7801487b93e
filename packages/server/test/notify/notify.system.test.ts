// Notifications in a real berthd against real receivers: a local HTTP server checks the webhook
// signatures (with the SDK's verifier) and the robots' formats and signatures, a receiver that was
// down gets its notification once it is back (and only once), a real SMTP server with STARTTLS and
// AUTH receives the mail; who may configure, see and subscribe what; and the API's refusals.
import crypto from 'node:crypto';
import type { NotifyEvent, WebhookBody } from '@berth/sdk';
import { verifyWebhookSignature } from '@berth/sdk/webhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemDialects } from '../support/databases.ts';
import {
  ADMIN_PASSWORD,
  type ApiResponse,
  createUsers,
  startTestBerthd,
  type TestBerthd,
} from '../support/harness.ts';
import { freePort, type Receiver, startReceiver } from './receiver.ts';
import { type SmtpReceiver, startSmtp } from './smtp.ts';

const PASSWORD = 'correct-horse-battery';
const SECRET = 'webhook-secret-0123456789';
const WAIT = { timeout: 30_000, interval: 50 };

describe.each(systemDialects())('notifications on %s', (dialect) => {
  let t: TestBerthd;
  let receiver: Receiver;
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestBerthd({ dialect });
    receiver = await startReceiver();
    cookies['admin'] = await t.login('admin', ADMIN_PASSWORD);
    Object.assign(
      cookies,
      await createUsers(
        t,
        cookies['admin']!,
        [
          ['dev', 'developer'],
          ['stranger', 'developer'],
          ['aud', 'auditor'],
        ],
        PASSWORD,
      ),
    );
    for (const [code, who] of [
      ['shop', 'dev'],
      ['other', 'admin'],
    ] as const) {
      const res = await t.api('POST', '/api/v1/apps', { cookie: cookies[who], body: { code, name: code } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.stop();
  });

  const as = (who: string, method: string, path: string, body?: unknown) =>
    t.api(method, path, { cookie: cookies[who], ...(body === undefined ? {} : { body }) });

  function ok(res: ApiResponse, status = 200): ApiResponse {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res;
  }

  function refused(res: ApiResponse, status: number, code: string): void {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.error.code).toBe(code);
  }

  async function addChannel(body: object): Promise<string> {
    return ok(await as('admin', 'POST', '/api/v1/channels', body), 201).body.channel.id;
  }

  async function subscribe(app: string, channelId: string, body: object, who = 'admin'): Promise<void> {
    ok(await as(who, 'PUT', `/api/v1/apps/${app}/subscriptions/${channelId}`, body));
  }

  function event(type: NotifyEvent['type'], extra: Partial<NotifyEvent> = {}): NotifyEvent {
    return { type, app: 'shop', env: 'prod', at: Date.now(), actor: 'dev', ...extra };
  }

  /** Emits as the engine will: inside a transaction of its own change. */
  async function emit(e: NotifyEvent): Promise<string[]> {
    return t.berthd.store.db.transaction().execute((trx) => t.berthd.notify.notifier.emit(trx, e));
  }

  async function delivery(app: string, id: string) {
    const res = ok(await as('admin', 'GET', `/api/v1/apps/${app}/deliveries`));
    return res.body.deliveries.find((d: { id: string }) => d.id === id);
  }

  async function settled(app: string, id: string, status: 'sent' | 'failed') {
    return vi.waitFor(async () => {
      const d = await delivery(app, id);
      expect(d?.status).toBe(status);
      const job = ok(await as('admin', 'GET', `/api/v1/jobs/${d.jobId}`)).body.job;
      expect(['succeeded', 'failed']).toContain(job.status);
      return d;
    }, WAIT);
  }

  const requestsFor = (r: Receiver, id: string) =>
    r.requests.filter((q) => q.headers['berth-delivery'] === id || q.raw.includes(id));

  it('lets admins add channels and shows nobody a secret or a full URL', async () => {
    const url = `${receiver.url}/hooks/token-abc123?key=private`;
    const created = ok(
      await as('admin', 'POST', '/api/v1/channels', {
        name: 'ops hook',
        language: 'en',
        config: { kind: 'webhook', url, secret: SECRET },
      }),
      201,
    ).body.channel;
    expect(created).toMatchObject({
      name: 'ops hook',
      kind: 'webhook',
      enabled: true,
      language: 'en',
      config: { kind: 'webhook', url: `${receiver.url}/…`, secretSet: true },
      createdBy: 'admin',
    });
    const shown = ok(await as('admin', 'GET', `/api/v1/channels/${created.id}`)).body;
    expect(shown.channel).toEqual(created);
    for (const body of [JSON.stringify(shown), JSON.stringify(created)]) {
      expect(body).not.toContain(SECRET);
      expect(body).not.toContain('token-abc123');
    }

    // Developers see what they need to subscribe: id, name, kind, enabled; no settings.
    const listed = ok(await as('dev', 'GET', '/api/v1/channels')).body.channels;
    expect(listed.find((c: { id: string }) => c.id === created.id)).toEqual({
      id: created.id,
      name: 'ops hook',
      kind: 'webhook',
      enabled: true,
    });
    expect(ok(await as('dev', 'GET', `/api/v1/channels/${created.id}`)).body.channel).toEqual({
      id: created.id,
      name: 'ops hook',
      kind: 'webhook',
      enabled: true,
    });

    // Only admins change channels, test them or read their history.
    const webhook = { kind: 'webhook', url: receiver.url, secret: SECRET };
    for (const who of ['dev', 'aud']) {
      refused(await as(who, 'POST', '/api/v1/channels', { name: 'mine', config: webhook }), 403, 'FORBIDDEN');
      refused(await as(who, 'PATCH', `/api/v1/channels/${created.id}`, { enabled: false }), 403, 'FORBIDDEN');
      refused(await as(who, 'DELETE', `/api/v1/channels/${created.id}`), 403, 'FORBIDDEN');
      refused(await as(who, 'POST', `/api/v1/channels/${created.id}/test`), 403, 'FORBIDDEN');
      refused(await as(who, 'GET', `/api/v1/channels/${created.id}/deliveries`), 403, 'FORBIDDEN');
    }
    refused(await t.api('GET', '/api/v1/channels'), 401, 'UNAUTHENTICATED');
    ok(await as('admin', 'DELETE', `/api/v1/channels/${created.id}`), 204);
  });

  it('refuses bad channel settings with clear codes', async () => {
    const bad: Array<[object, string]> = [
      [{ name: 'x', config: { kind: 'webhook', url: 'ftp://example.com/x', secret: SECRET } }, 'url'],
      [{ name: 'x', config: { kind: 'webhook', url: receiver.url, secret: 'short' } }, 'secret'],
      [
        { name: 'x', config: { kind: 'webhook', url: 'http://user:pw@127.0.0.1:9/h', secret: SECRET } },
        'user name or password',
      ],
      [{ name: 'x', config: { kind: 'webhook', url: receiver.url } }, 'secret'],
      [{ name: 'x', config: { kind: 'robot', flavour: 'wecom', url: receiver.url, secret: 'abc' } }, 'WeCom'],
      [{ name: 'x', config: { kind: 'robot', flavour: 'slack', url: receiver.url } }, 'flavour'],
      [
        {
          name: 'x',
          config: {
            kind: 'email',
            host: '127.0.0.1',
            port: 25,
            security: 'none',
            username: 'u',
            password: 'p',
            from: 'berth@example.com',
            to: ['ops@example.com'],
          },
        },
        'clear text',
      ],
      [
        {
          name: 'x',
          config: {
            kind: 'email',
            host: '127.0.0.1',
            port: 25,
            security: 'starttls',
            ca: 'not a certificate',
            from: 'berth@example.com',
            to: ['ops@example.com'],
          },
        },
        'ca',
      ],
      [
        { name: 'x', config: { kind: 'webhook', url: receiver.url, secret: SECRET }, colour: 'red' },
        'colour',
      ],
      [{ name: '', config: { kind: 'webhook', url: receiver.url, secret: SECRET } }, 'name'],
      [
        { name: 'x', language: 'fr', config: { kind: 'webhook', url: receiver.url, secret: SECRET } },
        'language',
      ],
    ];
    for (const [body, mentions] of bad) {
      const res = await as('admin', 'POST', '/api/v1/channels', body);
      refused(res, 400, 'VALIDATION_FAILED');
      expect(res.body.error.message).toContain(mentions);
    }
    const id = await addChannel({
      name: 'dup',
      config: { kind: 'webhook', url: receiver.url, secret: SECRET },
    });
    refused(
      await as('admin', 'POST', '/api/v1/channels', {
        name: 'dup',
        config: { kind: 'webhook', url: receiver.url, secret: SECRET },
      }),
      409,
      'CHANNEL_NAME_TAKEN',
    );
    const kindChange = await as('admin', 'PATCH', `/api/v1/channels/${id}`, {
      config: { kind: 'robot', flavour: 'wecom', url: receiver.url },
    });
    refused(kindChange, 400, 'VALIDATION_FAILED');
    expect(kindChange.body.error.message).toContain('cannot change');
    refused(await as('admin', 'PATCH', `/api/v1/channels/${id}`, {}), 400, 'VALIDATION_FAILED');
    refused(await as('admin', 'GET', '/api/v1/channels/chn_nothere'), 404, 'CHANNEL_NOT_FOUND');
    refused(
      await as('admin', 'PATCH', '/api/v1/channels/chn_nothere', { enabled: false }),
      404,
      'CHANNEL_NOT_FOUND',
    );
    refused(await as('admin', 'POST', '/api/v1/channels/chn_nothere/test'), 404, 'CHANNEL_NOT_FOUND');
    refused(
      await as('admin', 'PUT', '/api/v1/apps/shop/subscriptions/chn_nothere', { events: ['deploy.failed'] }),
      404,
      'CHANNEL_NOT_FOUND',
    );
    refused(
      await as('admin', 'PUT', `/api/v1/apps/shop/subscriptions/${id}`, { events: [] }),
      400,
      'VALIDATION_FAILED',
    );
    refused(
      await as('admin', 'PUT', `/api/v1/apps/shop/subscriptions/${id}`, { events: ['deploy.exploded'] }),
      400,
      'VALIDATION_FAILED',
    );
    ok(await as('admin', 'DELETE', `/api/v1/channels/${id}`), 204);
  });

  it('lets developers subscribe only the apps they work on', async () => {
    const id = await addChannel({
      name: 'team',
      config: { kind: 'webhook', url: receiver.url, secret: SECRET },
    });
    const put = ok(
      await as('dev', 'PUT', `/api/v1/apps/shop/subscriptions/${id}`, {
        events: ['deploy.failed', 'deploy.succeeded'],
      }),
    ).body.subscription;
    expect(put).toMatchObject({
      app: 'shop',
      channelId: id,
      channelName: 'team',
      channelKind: 'webhook',
      events: ['deploy.failed', 'deploy.succeeded'],
      envs: ['stag', 'prod'],
      createdBy: 'dev',
    });
    const listed = ok(await as('dev', 'GET', '/api/v1/apps/shop/subscriptions')).body.subscriptions;
    expect(listed).toEqual([put]);
    // Another developer's app looks absent; an auditor reads but does not change.
    refused(
      await as('dev', 'PUT', `/api/v1/apps/other/subscriptions/${id}`, { events: ['deploy.failed'] }),
      404,
      'APP_NOT_FOUND',
    );
    refused(await as('stranger', 'GET', '/api/v1/apps/shop/subscriptions'), 404, 'APP_NOT_FOUND');
    refused(await as('stranger', 'GET', '/api/v1/apps/shop/deliveries'), 404, 'APP_NOT_FOUND');
    ok(await as('aud', 'GET', '/api/v1/apps/shop/subscriptions'));
    refused(await as('aud', 'DELETE', `/api/v1/apps/shop/subscriptions/${id}`), 403, 'FORBIDDEN');
    ok(await as('dev', 'DELETE', `/api/v1/apps/shop/subscriptions/${id}`), 204);
    expect(ok(await as('dev', 'GET', '/api/v1/apps/shop/subscriptions')).body.subscriptions).toEqual([]);
    ok(await as('admin', 'DELETE', `/api/v1/channels/${id}`), 204);
  });

  it('sends a signed webhook for the events and environments subscribed, and nothing else', async () => {
    const id = await addChannel({
      name: 'signed',
      language: 'zh-CN',
      config: { kind: 'webhook', url: `${receiver.url}/signed`, secret: SECRET },
    });
    await subscribe('shop', id, { events: ['deploy.failed'], envs: ['prod'] });
    const failed = event('deploy.failed', {
      release: 7,
      error: { code: 'BUILD_FAILED', message: 'npm ci failed' },
    });
    const [deliveryId] = await emit(failed);
    expect(deliveryId).toBeDefined();
    // Not subscribed: another type, another environment, another app.
    expect(await emit(event('deploy.succeeded'))).toEqual([]);
    expect(await emit(event('deploy.failed', { env: 'stag' }))).toEqual([]);
    expect(await emit(event('deploy.failed', { app: 'other' }))).toEqual([]);

    const d = await settled('shop', deliveryId!, 'sent');
    expect(d).toMatchObject({
      app: 'shop',
      channelId: id,
      channelName: 'signed',
      type: 'deploy.failed',
      env: 'prod',
      attempts: 1,
    });
    const [request] = requestsFor(receiver, deliveryId!);
    expect(request).toBeDefined();
    expect(request!.url).toBe('/signed');
    expect(request!.headers['berth-event']).toBe('deploy.failed');
    expect(
      verifyWebhookSignature(SECRET, request!.raw, request!.headers['berth-signature'] as string),
    ).toEqual({
      ok: true,
      timestamp: expect.any(Number),
    });
    expect(
      verifyWebhookSignature(
        'another-secret-012345',
        request!.raw,
        request!.headers['berth-signature'] as string,
      ),
    ).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    const body = JSON.parse(request!.raw) as WebhookBody;
    expect(body).toMatchObject({ id: deliveryId, type: 'deploy.failed', event: failed, language: 'zh-CN' });
    expect(body.title).toBe('shop/prod 部署失败');
    expect(body.text).toContain('npm ci failed (BUILD_FAILED)');
    expect(body.text).toContain('版本: v7');

    // A disabled channel gets no new deliveries.
    ok(await as('admin', 'PATCH', `/api/v1/channels/${id}`, { enabled: false }));
    expect(await emit(failed)).toEqual([]);
    ok(await as('admin', 'DELETE', `/api/v1/channels/${id}`), 204);
    expect(ok(await as('admin', 'GET', '/api/v1/apps/shop/subscriptions')).body.subscriptions).toEqual([]);
  });

  it('writes nothing when the caller’s transaction rolls back', async () => {
    const id = await addChannel({
      name: 'rollback',
      config: { kind: 'webhook', url: receiver.url, secret: SECRET },
    });
    await subscribe('shop', id, { events: ['deploy.succeeded'] });
    const db = t.berthd.store.db;
    let queued: string[] = [];
    await expect(
      db.transaction().execute(async (trx) => {
        queued = await t.berthd.notify.notifier.emit(trx, event('deploy.succeeded'));
        throw new Error('the deploy did not commit');
      }),
    ).rejects.toThrow('did not commit');
    expect(queued).toHaveLength(1);
    expect(await delivery('shop', queued[0]!)).toBeUndefined();
    const jobs = await db
      .selectFrom('jobs')
      .select('id')
      .where('kind', '=', 'notify')
      .where('payload', 'like', `%${queued[0]}%`)
      .execute();
    expect(jobs).toEqual([]);
    ok(await as('admin', 'DELETE', `/api/v1/channels/${id}`), 204);
  });

  it('delivers to a receiver that was down once it is back, exactly once', async () => {
    const port = await freePort();
    const id = await addChannel({
      name: 'flaky',
      config: { kind: 'webhook', url: `http://127.0.0.1:${port}/late`, secret: SECRET },
    });
    await subscribe('shop', id, { events: ['instance.crashloop'] });
    const [deliveryId] = await emit(
      event('instance.crashloop', { processType: 'web', instanceId: 'shop-prod-web-1' }),
    );
    const waiting = await vi.waitFor(async () => {
      const d = await delivery('shop', deliveryId!);
      expect(d.status).toBe('retrying');
      return d;
    }, WAIT);
    expect(waiting.lastError).toBe('the request failed (ECONNREFUSED)');
    expect(waiting.sentAt).toBeNull();

    const late = await startReceiver(port);
    try {
      const d = await settled('shop', deliveryId!, 'sent');
      expect(d.attempts).toBeGreaterThanOrEqual(2);
      expect(d.sentAt).toEqual(expect.any(Number));
      const job = ok(await as('admin', 'GET', `/api/v1/jobs/${d.jobId}`)).body.job;
      expect(job.status).toBe('succeeded');
      expect(late.requests).toHaveLength(1);
      expect(
        verifyWebhookSignature(
          SECRET,
          late.requests[0]!.raw,
          late.requests[0]!.headers['berth-signature'] as string,
        ).ok,
      ).toBe(true);
    } finally {
      await late.close();
    }
    ok(await as('admin', 'DELETE', `/api/v1/channels/${id}`), 204);
  });

  it('marks a delivery failed at once when the receiver refuses it', async () => {
    const refusing = await startReceiver();
    try {
      refusing.answer(410, { gone: true });
      const id = await addChannel({
        name: 'gone',
        config: { kind: 'webhook', url: refusing.url, secret: SECRET },
      });
      await subscribe('shop', id, { events: ['request.filed'] });
      const [deliveryId] = await emit(event('request.filed', { note: 'please' }));
      const d = await settled('shop', deliveryId!, 'failed');
      expect(d).toMatchObject({ attempts: 1, lastError: 'the receiver answered 410', sentAt: null });
      const job = ok(await as('admin', 'GET', `/api/v1/jobs/${d.jobId}`)).body.job;
      expect(job.error.code).toBe('NOTIFY_SEND_FAILED');
      expect(refusing.requests).toHaveLength(1);
      ok(await as('admin', 'DELETE', `/api/v1/channels/${id}`), 204);
    } finally {
      await refusing.close();
    }
  });

  it('speaks the DingTalk, WeCom and Feishu robot formats and signs them', async () => {
    const robots = await startReceiver();
    try {
      const ding = await addChannel({
        name: 'ding',
        language: 'zh-CN',
        config: {
          kind: 'robot',
          flavour: 'dingtalk',
          url: `${robots.url}/robot/send?access_token=tok1`,
          secret: 'SECdingtalk',
        },
      });
      const wecom = await addChannel({
        name: 'wecom',
        config: { kind: 'robot', flavour: 'wecom', url: `${robots.url}/cgi-bin/webhook/send?key=k2` },
      });
      const feishu = await addChannel({
        name: 'feishu',
        config: {
          kind: 'robot',
          flavour: 'feishu',
          url: `${robots.url}/open-apis/bot/v2/hook/h3`,
          secret: 'feishu-secret',
        },
      });
      const view = ok(await as('admin', 'GET', `/api/v1/channels/${ding}`)).body.channel;
      expect(view.config).toEqual({
        kind: 'robot',
        flavour: 'dingtalk',
        url: `${robots.url}/…`,
        secretSet: true,
      });
      for (const channel of [ding, wecom, feishu])
        await subscribe('shop', channel, { events: ['deploy.succeeded'] });
      const ids = await emit(
        event('deploy.succeeded', { release: 3, url: 'http://apps.example.com/o/shop/' }),
      );
      expect(ids).toHaveLength(3);
      for (const id of ids) await settled('shop', id, 'sent');

      const dingReq = robots.requests.find((r) => r.url.startsWith('/robot/send'))!;
      const query = new URL(dingReq.url, robots.url).searchParams;
      expect(query.get('access_token')).toBe('tok1');
      const ts = query.get('timestamp')!;
      expect(query.get('sign')).toBe(
        crypto.createHmac('sha256', 'SECdingtalk').update(`${ts}\nSECdingtalk`).digest('base64'),
      );
      const dingBody = JSON.parse(dingReq.raw);
      expect(dingBody.msgtype).toBe('markdown');
      expect(dingBody.markdown.title).toBe('shop/prod 部署成功');
      expect(dingBody.markdown.text).toContain('- **版本**: v3');

      const wecomBody = JSON.parse(robots.requests.find((r) => r.url.startsWith('/cgi-bin'))!.raw);
      expect(wecomBody.msgtype).toBe('markdown');
      expect(wecomBody.markdown.content).toContain('### Deploy of shop/prod succeeded');
      expect(wecomBody.markdown.content).toContain(
        '[http://apps.example.com/o/shop/](http://apps.example.com/o/shop/)',
      );

      const feishuBody = JSON.parse(robots.requests.find((r) => r.url.startsWith('/open-apis'))!.raw);
      expect(feishuBody.msg_type).toBe('interactive');
      expect(feishuBody.sign).toBe(
        crypto.createHmac('sha256', `${feishuBody.timestamp}\nfeishu-secret`).update('').digest('base64'),
      );
      expect(feishuBody.card.header.title.content).toBe('Deploy of shop/prod succeeded');

      // A robot that answers 200 with an error code refused the message.
      robots.answer(200, { errcode: 310000, errmsg: 'sign not match' });
      const [refusedId] = await emit(event('deploy.succeeded', { env: 'stag' })).then((all) =>
        all.slice(0, 1),
      );
      const d = await settled('shop', refusedId!, 'failed');
      expect(d.lastError).toContain('310000 sign not match');
      for (const channel of [ding, wecom, feishu])
        ok(await as('admin', 'DELETE', `/api/v1/channels/${channel}`), 204);
    } finally {
      await robots.close();
    }
  });

  it('sends e-mail over STARTTLS with AUTH to a real SMTP server', async () => {
    let smtp: SmtpReceiver | undefined;
    try {
      smtp = await startSmtp({ user: 'berth', pass: 'smtp-password-1' });
      const id = await addChannel({
        name: 'mail',
        language: 'en',
        config: {
          kind: 'email',
          host: '127.0.0.1',
          port: smtp.port,
          security: 'starttls',
          ca: smtp.cert,
          username: 'berth',
          password: 'smtp-password-1',
          from: 'Berth <berth@example.com>',
          to: ['ops@example.com', 'lead@example.com'],
        },
      });
      const view = ok(await as('admin', 'GET', `/api/v1/channels/${id}`)).body.channel;
      expect(view.config).toMatchObject({ kind: 'email', caSet: true, passwordSet: true, username: 'berth' });
      expect(JSON.stringify(view)).not.toContain('smtp-password-1');

      await subscribe('shop', id, { events: ['request.approved'] }, 'dev');
      const [deliveryId] = await emit(event('request.approved', { actor: 'lead', note: 'ship <it> & go' }));
      await settled('shop', deliveryId!, 'sent');
      expect(smtp.mails).toHaveLength(1);
      const [received] = smtp.mails;
      expect(received!.secure).toBe(true);
      expect(received!.user).toBe('berth');
      expect(received!.to.sort()).toEqual(['lead@example.com', 'ops@example.com']);
      expect(received!.mail.subject).toBe('lead approved the deploy request for shop/prod');
      expect(received!.mail.messageId).toBe(`<${deliveryId}@notify.berth>`);
      expect(received!.mail.text).toContain('Note: ship <it> & go');
      expect(received!.mail.html).toContain('ship &lt;it&gt; &amp; go');
      expect(received!.mail.headers.get('x-berth-delivery')).toBe(deliveryId);

      // A wrong password is a refusal: failed at once, the reason recorded.
      ok(
        await as('admin', 'PATCH', `/api/v1/channels/${id}`, {
          config: { kind: 'email', password: 'wrong-password' },
        }),
      );
      const [refusedId] = await emit(event('request.approved'));
      const d = await settled('shop', refusedId!, 'failed');
      expect(d).toMatchObject({ attempts: 1, lastError: 'the SMTP server answered 535' });
      ok(await as('admin', 'DELETE', `/api/v1/channels/${id}`), 204);
    } finally {
      await smtp?.close();
    }
  });

  it('queues a test notification and shows it in the channel history', async () => {
    const id = await addChannel({
      name: 'tested',
      config: { kind: 'webhook', url: `${receiver.url}/t`, secret: SECRET },
    });
    const queued = ok(await as('admin', 'POST', `/api/v1/channels/${id}/test`), 202).body.delivery;
    expect(queued).toMatchObject({ app: null, channelId: id, type: 'test', status: 'pending', env: null });
    const history = await vi.waitFor(async () => {
      const list = ok(await as('admin', 'GET', `/api/v1/channels/${id}/deliveries`)).body.deliveries;
      expect(list[0].status).toBe('sent');
      return list;
    }, WAIT);
    expect(history.map((d: { id: string }) => d.id)).toEqual([queued.id]);
    const [request] = requestsFor(receiver, queued.id);
    const body = JSON.parse(request!.raw);
    expect(body).toMatchObject({
      id: queued.id,
      type: 'test',
      title: 'Test notification from Berth (channel tested)',
    });
    expect(body.event).toBeUndefined();
    ok(await as('admin', 'DELETE', `/api/v1/channels/${id}`), 204);
  });

  it('forgets the subscriptions and deliveries of a deleted app', async () => {
    ok(await as('dev', 'POST', '/api/v1/apps', { code: 'brief', name: 'brief' }), 201);
    const id = await addChannel({
      name: 'brief',
      config: { kind: 'webhook', url: receiver.url, secret: SECRET },
    });
    await subscribe('brief', id, { events: ['deploy.failed'] }, 'dev');
    const [deliveryId] = await emit(event('deploy.failed', { app: 'brief' }));
    await settled('brief', deliveryId!, 'sent');
    ok(await as('dev', 'DELETE', '/api/v1/apps/brief'), 204);
    const db = t.berthd.store.db;
    expect(
      await db.selectFrom('notify_subscriptions').selectAll().where('app_code', '=', 'brief').execute(),
    ).toEqual([]);
    expect(
      await db.selectFrom('notify_deliveries').selectAll().where('app_code', '=', 'brief').execute(),
    ).toEqual([]);
    ok(await as('admin', 'DELETE', `/api/v1/channels/${id}`), 204);
  });
});
