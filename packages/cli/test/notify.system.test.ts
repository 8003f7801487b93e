// `berth channels` and `berth notifications` (in-process) against a real berthd and a real HTTP
// receiver: admins add, show, change, test and remove channels; developers subscribe their app and
// read its deliveries; secrets never come back; refusals end with the server's code.
import { verifyWebhookSignature } from '@berth/sdk/webhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Receiver, startReceiver } from '../../server/test/notify/receiver.ts';
import { systemDialects } from '../../server/test/support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import { type CliHome, createUserAndLogin, expectFailure, expectOk, loginAs } from './support/cli.ts';
import { createInProcessCli } from './support/in-process.ts';

const DEV_PASSWORD = 'developer-password-1';
const SECRET = 'cli-webhook-secret-0123';

describe.each(systemDialects())('berth channels and notifications against berthd on %s', (dialect) => {
  let t: TestBerthd;
  let receiver: Receiver;
  let admin: CliHome;
  let dev: CliHome;

  beforeAll(async () => {
    t = await startTestBerthd({ dialect });
    receiver = await startReceiver();
    admin = createInProcessCli();
    dev = createInProcessCli();
    await loginAs(admin, t.url, 'admin', ADMIN_PASSWORD);
    await createUserAndLogin(admin, dev, t.url, { name: 'dev1', role: 'developer', password: DEV_PASSWORD });
    expect((await dev.run(['apps', 'create', 'shop', '--name', 'Shop'])).code).toBe(0);
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.stop();
    for (const home of [admin, dev]) home?.remove();
  });

  it('adds, lists, shows and changes a webhook channel without ever printing its secret', async () => {
    const added = await admin.run(
      [
        'channels',
        'add',
        'ops',
        '--kind',
        'webhook',
        '--url',
        `${receiver.url}/hook?token=t0k3n`,
        '--secret-stdin',
      ],
      { input: `${SECRET}\n` },
    );
    expect(expectOk(added).stdout).toMatch(/^Added webhook channel ops \(chn_[0-9a-f]+\)\.\n$/);

    const table = expectOk(await admin.run(['channels', 'list'])).stdout.split('\n');
    expect(table[0]).toMatch(/^NAME\s+KIND\s+STATUS\s+LANGUAGE\s+TARGET\s+ID/);
    expect(table[1]).toMatch(new RegExp(`^ops\\s+webhook\\s+enabled\\s+en\\s+${receiver.url}/…\\s+chn_`));
    const shown = expectOk(await admin.run(['channels', 'show', 'ops'])).stdout;
    expect(shown).toMatch(/^Secret:\s+set$/m);
    const json = expectOk(await admin.run(['channels', 'show', 'ops', '--json'])).stdout;
    for (const text of [shown, json, table.join('\n')]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('t0k3n');
    }

    expectOk(await admin.run(['channels', 'update', 'ops', '--language', 'zh-CN', '--disable']));
    const changed = JSON.parse(
      expectOk(await admin.run(['channels', 'show', 'ops', '--json'])).stdout,
    ).channel;
    expect(changed).toMatchObject({ language: 'zh-CN', enabled: false });
    expectOk(await admin.run(['channels', 'update', 'ops', '--enable', '--url', `${receiver.url}/cli`]));
    expect(
      expectOk(await admin.run(['channels', 'update', 'ops', '--json', '--name', 'ops'])).stdout,
    ).toContain('"enabled": true');

    // Developers see the channel to subscribe to, not where it sends; they change nothing.
    const devTable = expectOk(await dev.run(['channels', 'list'])).stdout;
    expect(devTable).toMatch(/^ops\s+webhook\s+enabled\s+chn_/m);
    expectFailure(
      await dev.run(
        ['channels', 'add', 'mine', '--kind', 'webhook', '--url', receiver.url, '--secret-stdin'],
        {
          input: `${SECRET}\n`,
        },
      ),
      1,
      'FORBIDDEN',
    );
    expectFailure(await dev.run(['channels', 'remove', 'ops', '--yes']), 1, 'FORBIDDEN');
  });

  it('subscribes an app, delivers a signed notification and shows the history', async () => {
    expect(
      expectOk(
        await dev.run([
          'notifications',
          'subscribe',
          '--app',
          'shop',
          'ops',
          '--events',
          'deploy.failed,deploy.succeeded',
          '--env',
          'prod',
        ]),
      ).stdout,
    ).toBe('shop sends deploy.failed, deploy.succeeded of prod to ops.\n');
    const list = expectOk(await dev.run(['notifications', '--app', 'shop'])).stdout.split('\n');
    expect(list[1]).toMatch(/^ops\s+webhook\s+deploy\.failed,deploy\.succeeded\s+prod\s+dev1\s/);

    const [id] = await t.berthd.store.db.transaction().execute((trx) =>
      t.berthd.notify.notifier.emit(trx, {
        type: 'deploy.succeeded',
        app: 'shop',
        env: 'prod',
        at: Date.now(),
        release: 2,
      }),
    );
    await vi.waitFor(
      async () => {
        const body = JSON.parse(
          expectOk(await dev.run(['notifications', 'deliveries', '--app', 'shop', '--json'])).stdout,
        );
        expect(body.deliveries[0]).toMatchObject({ id, status: 'sent', attempts: 1 });
      },
      { timeout: 20_000, interval: 50 },
    );
    const rows = expectOk(await dev.run(['notifications', 'deliveries', '--app', 'shop'])).stdout.split('\n');
    expect(rows[0]).toMatch(/^ID\s+CHANNEL\s+EVENT\s+ENV\s+STATUS\s+ATTEMPTS\s+CREATED\s+SENT\s+LAST ERROR/);
    expect(rows[1]).toMatch(new RegExp(`^${id}\\s+ops\\s+deploy\\.succeeded\\s+prod\\s+sent\\s+1\\s`));
    const request = receiver.requests.find((r) => r.headers['berth-delivery'] === id)!;
    expect(request.url).toBe('/cli');
    expect(verifyWebhookSignature(SECRET, request.raw, request.headers['berth-signature'] as string).ok).toBe(
      true,
    );
    expect(JSON.parse(request.raw).title).toBe('shop/prod 部署成功');

    expect(expectOk(await dev.run(['notifications', 'unsubscribe', '--app', 'shop', 'ops'])).stdout).toBe(
      'shop sends nothing to ops any more.\n',
    );
    expect(expectOk(await dev.run(['notifications', 'list', '--app', 'shop'])).stdout).toBe(
      'shop is not subscribed to any channel.\n',
    );
  });

  it('tests a channel and shows its deliveries', async () => {
    const queued = expectOk(await admin.run(['channels', 'test', 'ops', '--json'])).stdout;
    const delivery = JSON.parse(queued).delivery;
    expect(delivery).toMatchObject({ type: 'test', status: 'pending', app: null });
    await vi.waitFor(
      async () => {
        const rows = expectOk(await admin.run(['channels', 'deliveries', 'ops'])).stdout.split('\n');
        expect(rows[1]).toMatch(new RegExp(`^${delivery.id}\\s+-\\s+test\\s+sent\\s+1\\s`));
      },
      { timeout: 20_000, interval: 50 },
    );
    const text = await admin.run(['channels', 'test', 'ops']);
    expect(text.stdout).toMatch(/^Queued test delivery dlv_\w+ to ops\.\n$/);
    expect(text.stderr).toBe("'berth channels deliveries ops' shows how it went.\n");
  });

  it('refuses bad arguments before asking the server, and unknown channels after', async () => {
    expectFailure(await admin.run(['channels', 'add', 'x', '--url', receiver.url]), 2, 'USAGE');
    expectFailure(await admin.run(['channels', 'add', 'x', '--kind', 'pager']), 2, 'USAGE');
    expectFailure(
      await admin.run(['channels', 'add', 'x', '--kind', 'webhook', '--url', receiver.url]),
      2,
      'USAGE',
    );
    expectFailure(
      await admin.run([
        'channels',
        'add',
        'x',
        '--kind',
        'robot',
        '--flavour',
        'slack',
        '--url',
        receiver.url,
      ]),
      2,
      'USAGE',
    );
    expectFailure(await admin.run(['channels', 'update', 'ops']), 2, 'USAGE');
    expectFailure(
      await dev.run(['notifications', 'subscribe', '--app', 'shop', 'ops', '--events', 'deploy.exploded']),
      2,
      'USAGE',
    );
    expectFailure(await dev.run(['notifications', 'subscribe', 'ops', '--events', 'all']), 2, 'USAGE');
    expectFailure(await admin.run(['channels', 'show', 'nowhere']), 1, 'CHANNEL_NOT_FOUND');
    expectFailure(
      await admin.run(
        [
          'channels',
          'add',
          'bad',
          '--kind',
          'email',
          '--host',
          'mail',
          '--port',
          '25',
          '--security',
          'none',
          '--username',
          'u',
          '--secret-stdin',
          '--from',
          'b@example.com',
          '--to',
          'o@example.com',
        ],
        { input: 'pw\n' },
      ),
      1,
      'VALIDATION_FAILED',
    );
  });

  it('reads a robot URL and its secret from stdin, and shows neither', async () => {
    const added = await admin.run(
      [
        'channels',
        'add',
        'ding',
        '--kind',
        'robot',
        '--flavour',
        'dingtalk',
        '--url-stdin',
        '--secret-stdin',
      ],
      { input: `${receiver.url}/robot/send?access_token=tok-in-url\nSEC-robot-secret\n` },
    );
    expect(expectOk(added).stdout).toMatch(/^Added robot channel ding/);
    const shown = expectOk(await admin.run(['channels', 'show', 'ding'])).stdout;
    expect(shown).toMatch(/^Kind:\s+robot \(dingtalk\)$/m);
    expect(shown).toMatch(new RegExp(`^URL:\\s+${receiver.url}/…$`, 'm'));
    expect(shown).toMatch(/^Secret:\s+set$/m);
    expect(shown).not.toContain('tok-in-url');
    expectOk(await admin.run(['channels', 'update', 'ding', '--clear-secret']));
    expect(expectOk(await admin.run(['channels', 'show', 'ding'])).stdout).toMatch(/^Secret:\s+none$/m);
    expectFailure(
      await admin.run(['channels', 'update', 'ding', '--url', receiver.url, '--url-stdin'], { input: 'x\n' }),
      2,
      'USAGE',
    );
    expectOk(await admin.run(['channels', 'remove', 'ding', '--yes']));
  });

  it('removes a channel with --yes only', async () => {
    expectFailure(await admin.run(['channels', 'remove', 'ops']), 2, 'USAGE');
    expect(expectOk(await admin.run(['channels', 'remove', 'ops', '--yes'])).stdout).toBe(
      'Removed channel ops.\n',
    );
    expect(expectOk(await admin.run(['channels', 'list'])).stdout).toBe('No notification channels.\n');
  });
});
