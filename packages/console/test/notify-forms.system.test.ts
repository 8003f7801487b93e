// The bodies the notification forms build, sent to a real berthd: each kind of channel is created
// from a filled-in form, edited from the form as it opens on the API's answer (write-only fields
// empty) without losing its secrets, its optional secrets removed, and an app subscribed from the
// subscription form's values.
import type { Channel } from '@berth/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCert } from '../../server/test/notify/smtp.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import {
  type ChannelForm,
  channelFormValues,
  createChannelBody,
  updateChannelBody,
} from '../src/features/notifications/channel-form.ts';
import { subscriptionBody, subscriptionFormValues } from '../src/features/notifications/notify-rules.ts';

describe('the notification forms against berthd', () => {
  let t: TestBerthd;
  let cookie: string;

  beforeAll(async () => {
    t = await startTestBerthd();
    cookie = await t.login('admin', ADMIN_PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  async function create(form: Partial<ChannelForm>): Promise<Channel> {
    const res = await t.api('POST', '/api/v1/channels', {
      cookie,
      body: createChannelBody({ ...channelFormValues(), ...form }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.channel;
  }

  async function edit(channel: Channel, typed: Partial<ChannelForm>): Promise<Channel> {
    const body = updateChannelBody(channel, { ...channelFormValues(channel), ...typed });
    expect(body).toBeDefined();
    const res = await t.api('PATCH', `/api/v1/channels/${channel.id}`, { cookie, body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.channel;
  }

  it('creates a webhook and renames it without touching its URL or secret', async () => {
    const hook = await create({
      name: 'ops hook',
      kind: 'webhook',
      url: 'https://hooks.example.com/berth/abc',
      secret: 'a-secret-of-16-chars',
      host: 'ignored for a webhook',
    });
    expect(hook.config).toEqual({ kind: 'webhook', url: 'https://hooks.example.com/…', secretSet: true });
    const renamed = await edit(hook, { name: 'ops hook 2', language: 'zh-CN' });
    expect(renamed).toMatchObject({ name: 'ops hook 2', language: 'zh-CN' });
    expect(renamed.config).toEqual(hook.config);
  });

  it('creates an email channel, changes its recipients and removes its password and CA', async () => {
    const { cert } = await selfSignedCert();
    const mail = await create({
      name: 'mail',
      kind: 'email',
      host: 'smtp.example.com',
      port: 465,
      security: 'tls',
      username: 'berth',
      password: 'smtp-password',
      ca: cert,
      from: 'Berth <berth@example.com>',
      to: 'a@example.com, b@example.com',
    });
    expect(mail.config).toMatchObject({ kind: 'email', passwordSet: true, caSet: true, username: 'berth' });

    const kept = await edit(mail, { to: 'c@example.com\na@example.com' });
    expect(kept.config).toMatchObject({
      passwordSet: true,
      caSet: true,
      to: ['c@example.com', 'a@example.com'],
    });

    const cleared = await edit(kept, { clearPassword: true, clearCa: true, username: '' });
    expect(cleared.config).toMatchObject({ passwordSet: false, caSet: false, username: null });
  });

  it('creates a signed DingTalk robot and turns it into a WeCom robot without a secret', async () => {
    const robot = await create({
      name: 'group',
      kind: 'robot',
      flavour: 'dingtalk',
      url: 'https://oapi.dingtalk.com/robot/send?access_token=t0k3n',
      secret: 'SEC123',
    });
    expect(robot.config).toEqual({
      kind: 'robot',
      flavour: 'dingtalk',
      url: 'https://oapi.dingtalk.com/…',
      secretSet: true,
    });
    const wecom = await edit(robot, {
      flavour: 'wecom',
      url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k',
    });
    expect(wecom.config).toEqual({
      kind: 'robot',
      flavour: 'wecom',
      url: 'https://qyapi.weixin.qq.com/…',
      secretSet: false,
    });
  });

  it('subscribes an app from the subscription form and reads it back', async () => {
    const app = await t.api('POST', '/api/v1/apps', {
      cookie,
      body: { code: 'notifyform', name: 'Notify form' },
    });
    expect(app.status).toBe(201);
    const hook = await create({
      name: 'sub hook',
      kind: 'webhook',
      url: 'https://hooks.example.com/sub',
      secret: 'another-secret-16ch',
    });
    const values = {
      ...subscriptionFormValues(),
      channelId: hook.id,
      events: ['deploy.failed' as const, 'request.filed' as const],
      envs: ['prod' as const],
    };
    const put = await t.api('PUT', `/api/v1/apps/notifyform/subscriptions/${hook.id}`, {
      cookie,
      body: subscriptionBody(values),
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const list = await t.api('GET', '/api/v1/apps/notifyform/subscriptions', { cookie });
    expect(list.body.subscriptions).toEqual([
      expect.objectContaining({
        channelId: hook.id,
        events: ['deploy.failed', 'request.filed'],
        envs: ['prod'],
      }),
    ]);
  });
});
