// The notification pages' rules: the channel body built from the form per kind (only that kind's
// fields; write-only URLs and secrets sent only when typed anew, removable when optional), the
// subscription body, and which buttons the app's permissions allow.
import type { AppPermissionsResponse, Channel, Subscription } from '@berth/sdk';
import { CHANNEL_KINDS, NOTIFY_EVENTS, NOTIFY_LANGUAGES, ROBOT_FLAVOURS, SMTP_SECURITY } from '@berth/sdk';
import { describe, expect, it } from 'vitest';
import {
  type ChannelForm,
  channelFormValues,
  createChannelBody,
  parseAddresses,
  updateChannelBody,
} from '../src/features/notifications/channel-form.ts';
import {
  CHANNEL_KIND_LIST,
  NOTIFY_EVENT_LIST,
  NOTIFY_LANGUAGE_LIST,
  ROBOT_FLAVOUR_LIST,
  SMTP_SECURITY_LIST,
} from '../src/features/notifications/notify-lists.ts';
import {
  canWriteNotify,
  channelsToSubscribe,
  subscriptionBody,
  subscriptionFormValues,
} from '../src/features/notifications/notify-rules.ts';

const T = 1_764_900_000_000;

const webhook: Channel = {
  id: 'ch_w',
  name: 'ops hook',
  kind: 'webhook',
  enabled: true,
  language: 'en',
  config: { kind: 'webhook', url: 'https://hooks.example.com/…', secretSet: true },
};
const email: Channel = {
  id: 'ch_e',
  name: 'mail',
  kind: 'email',
  enabled: true,
  language: 'zh-CN',
  config: {
    kind: 'email',
    host: 'smtp.example.com',
    port: 587,
    security: 'starttls',
    caSet: true,
    username: 'berth',
    passwordSet: true,
    from: 'Berth <berth@example.com>',
    to: ['a@example.com', 'b@example.com'],
  },
};
const robot: Channel = {
  id: 'ch_r',
  name: 'group',
  kind: 'robot',
  enabled: false,
  language: 'zh-CN',
  config: { kind: 'robot', flavour: 'dingtalk', url: 'https://oapi.dingtalk.com/…', secretSet: true },
};

/** The form as opened on a channel, with some fields typed over. */
function edited(channel: Channel, typed: Partial<ChannelForm>): ChannelForm {
  return { ...channelFormValues(channel), ...typed };
}

describe("the console's copies of the API's lists", () => {
  it('equal the SDK constants, in order', () => {
    expect(NOTIFY_EVENT_LIST).toEqual(NOTIFY_EVENTS);
    expect(CHANNEL_KIND_LIST).toEqual(CHANNEL_KINDS);
    expect(ROBOT_FLAVOUR_LIST).toEqual(ROBOT_FLAVOURS);
    expect(SMTP_SECURITY_LIST).toEqual(SMTP_SECURITY);
    expect(NOTIFY_LANGUAGE_LIST).toEqual(NOTIFY_LANGUAGES);
  });
});

describe('a new channel', () => {
  it('sends only the webhook fields of a webhook, whatever else the form holds', () => {
    const body = createChannelBody({
      ...channelFormValues(),
      name: ' ops hook ',
      url: ' https://hooks.example.com/berth ',
      secret: 'a-secret-of-16-chars',
      host: 'left over from email',
    });
    expect(body).toEqual({
      name: 'ops hook',
      language: 'en',
      enabled: true,
      config: { kind: 'webhook', url: 'https://hooks.example.com/berth', secret: 'a-secret-of-16-chars' },
    });
  });

  it('builds an email channel with its recipients split, optional fields left out when empty', () => {
    const body = createChannelBody({
      ...channelFormValues(),
      name: 'mail',
      kind: 'email',
      host: 'smtp.example.com',
      port: 465,
      security: 'tls',
      ca: '   ',
      username: '',
      password: '',
      from: 'Berth <berth@example.com>',
      to: 'a@example.com, b@example.com\nb@example.com;c@example.com',
    });
    expect(body.config).toEqual({
      kind: 'email',
      host: 'smtp.example.com',
      port: 465,
      security: 'tls',
      from: 'Berth <berth@example.com>',
      to: ['a@example.com', 'b@example.com', 'c@example.com'],
    });
  });

  it('gives a robot its secret, except a WeCom robot, which has none', () => {
    const base = {
      ...channelFormValues(),
      name: 'group',
      kind: 'robot' as const,
      url: 'https://r.example/x',
    };
    expect(createChannelBody({ ...base, flavour: 'feishu', secret: 's3cret' }).config).toEqual({
      kind: 'robot',
      flavour: 'feishu',
      url: 'https://r.example/x',
      secret: 's3cret',
    });
    expect(createChannelBody({ ...base, flavour: 'wecom', secret: 's3cret' }).config).toEqual({
      kind: 'robot',
      flavour: 'wecom',
      url: 'https://r.example/x',
    });
  });
});

describe('editing a channel', () => {
  it('opens with the readable settings and the write-only ones empty', () => {
    expect(channelFormValues(email)).toMatchObject({
      name: 'mail',
      kind: 'email',
      language: 'zh-CN',
      host: 'smtp.example.com',
      username: 'berth',
      to: 'a@example.com, b@example.com',
    });
    expect(channelFormValues(email).password).toBeUndefined();
    expect(channelFormValues(webhook).url).toBeUndefined();
    expect(channelFormValues(webhook).secret).toBeUndefined();
  });

  it('sends nothing when nothing changed, secrets and URLs left empty', () => {
    for (const channel of [webhook, email, robot])
      expect(updateChannelBody(channel, edited(channel, {}))).toBe(undefined);
  });

  it('sends a secret or URL only when typed anew, with the kind', () => {
    const body = updateChannelBody(webhook, edited(webhook, { secret: 'a-new-secret-16chars' }));
    expect(body).toEqual({ config: { kind: 'webhook', secret: 'a-new-secret-16chars' } });
    expect(
      updateChannelBody(robot, edited(robot, { url: 'https://oapi.dingtalk.com/robot/send?t=1' })),
    ).toEqual({
      config: { kind: 'robot', url: 'https://oapi.dingtalk.com/robot/send?t=1' },
    });
  });

  it('sends the changed plain fields of an email channel and nulls for what is removed', () => {
    const body = updateChannelBody(
      email,
      edited(email, {
        port: 2525,
        username: '',
        clearPassword: true,
        clearCa: true,
        to: 'b@example.com a@example.com',
      }),
    );
    expect(body).toEqual({
      config: {
        kind: 'email',
        port: 2525,
        username: null,
        ca: null,
        password: null,
        to: ['b@example.com', 'a@example.com'],
      },
    });
  });

  it('prefers a typed password over the removal box, and keeps the same recipients unsent', () => {
    expect(updateChannelBody(email, edited(email, { password: 'pw', clearPassword: true }))).toEqual({
      config: { kind: 'email', password: 'pw' },
    });
  });

  it('drops a robot secret when asked or when the robot becomes WeCom', () => {
    expect(updateChannelBody(robot, edited(robot, { clearSecret: true }))).toEqual({
      config: { kind: 'robot', secret: null },
    });
    expect(updateChannelBody(robot, edited(robot, { flavour: 'wecom', secret: 'typed' }))).toEqual({
      config: { kind: 'robot', flavour: 'wecom', secret: null },
    });
  });

  it('sends the name, language and enabled flag when they change', () => {
    expect(updateChannelBody(robot, edited(robot, { name: 'team', language: 'en', enabled: true }))).toEqual({
      name: 'team',
      language: 'en',
      enabled: true,
    });
  });
});

describe('recipients', () => {
  it('split on commas, semicolons and white space, each once', () => {
    expect(parseAddresses(' a@x.io,,b@x.io ;\n a@x.io ')).toEqual(['a@x.io', 'b@x.io']);
    expect(parseAddresses(undefined)).toEqual([]);
  });
});

describe('subscriptions', () => {
  const sub: Subscription = {
    app: 'shop',
    channelId: 'ch_w',
    channelName: 'ops hook',
    channelKind: 'webhook',
    events: ['deploy.failed', 'request.filed'],
    envs: ['prod'],
    createdBy: 'dev',
    createdAt: T,
    updatedAt: T,
  };

  it('send events and environments in the catalogue order, each once', () => {
    expect(
      subscriptionBody({
        channelId: 'x',
        events: ['deploy.failed', 'request.filed', 'deploy.failed'],
        envs: ['prod', 'stag'],
      }),
    ).toEqual({ events: ['request.filed', 'deploy.failed'], envs: ['stag', 'prod'] });
  });

  it('open an edit with what the app hears now', () => {
    expect(subscriptionFormValues(sub)).toEqual({
      channelId: 'ch_w',
      events: ['deploy.failed', 'request.filed'],
      envs: ['prod'],
    });
    expect(subscriptionFormValues().envs).toEqual(['stag', 'prod']);
  });

  it('offer only the channels the app is not subscribed to', () => {
    expect(channelsToSubscribe([webhook, email, robot], [sub]).map((c) => c.id)).toEqual(['ch_e', 'ch_r']);
  });

  it('are changed only with notify.write', () => {
    const perms = (actions: string[]) =>
      ({
        app: 'shop',
        role: 'developer',
        actions,
        envs: { stag: {}, prod: {} },
      }) as unknown as AppPermissionsResponse;
    expect(canWriteNotify(perms(['app.read', 'notify.read', 'notify.write']))).toBe(true);
    expect(canWriteNotify(perms(['app.read', 'notify.read']))).toBe(false);
    expect(canWriteNotify(undefined)).toBe(false);
  });
});
