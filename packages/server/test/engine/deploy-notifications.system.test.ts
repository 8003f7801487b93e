// The engine's events reach a subscribed channel: a filed, refused and approved deploy request, a
// succeeded and a failed deploy and a crash-looping instance each arrive once at a real webhook
// receiver, signed, with what happened (app, env, deploy, note, reason, release, error).
import type { WebhookBody } from '@berth/sdk';
import { verifyWebhookSignature } from '@berth/sdk/webhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Receiver, startReceiver } from '../notify/receiver.ts';
import { systemDialects } from '../support/databases.ts';
import { createUsers } from '../support/harness.ts';
import {
  type EngineFixture,
  json,
  nodeBerthYaml,
  packFiles,
  startEngineFixture,
  tinyApp,
} from './support.ts';

const PW = 'notified-password-1';
const SECRET = 'engine-events-secret-0123456789';
const code = 'told';

describe.each(systemDialects())('deploy notifications on %s', (dialect) => {
  let f: EngineFixture;
  let receiver: Receiver;
  let cookies: Record<string, string> = {};
  const as = (user: string, method: string, p: string, body?: unknown) =>
    f.t.api(method, p, { cookie: cookies[user]!, ...(body === undefined ? {} : { body }) });
  /** The webhook bodies received so far, each checked against its signature. */
  const received = (): WebhookBody[] =>
    receiver.requests.map((r) => {
      expect(verifyWebhookSignature(SECRET, r.raw, r.headers['berth-signature'] as string).ok).toBe(true);
      return JSON.parse(r.raw) as WebhookBody;
    });
  const eventsOf = (deployId: string) =>
    received()
      .filter((b) => b.event?.deployId === deployId)
      .map((b) => b.type);

  beforeAll(async () => {
    f = await startEngineFixture(dialect, { BERTH_PROD_APPROVAL: 'on', BERTH_REQUEST_POLL: '100ms' });
    receiver = await startReceiver();
    cookies = await createUsers(
      f.t,
      f.cookie,
      [
        ['dev', 'developer'],
        ['op', 'operator'],
      ],
      PW,
    );
    await f.createApp(code);
    expect((await f.api('POST', `/api/v1/apps/${code}/members`, { username: 'dev' })).status).toBe(204);
    const channel = await f.api('POST', '/api/v1/channels', {
      name: 'deploys',
      language: 'en',
      config: { kind: 'webhook', url: `${receiver.url}/hook`, secret: SECRET },
    });
    expect(channel.status, JSON.stringify(channel.body)).toBe(201);
    // The app's developer subscribes the app to everything.
    const sub = await as('dev', 'PUT', `/api/v1/apps/${code}/subscriptions/${channel.body.channel.id}`, {
      events: [
        'request.filed',
        'request.approved',
        'request.refused',
        'request.withdrawn',
        'deploy.succeeded',
        'deploy.failed',
        'instance.crashloop',
      ],
    });
    expect(sub.status, JSON.stringify(sub.body)).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await f?.stop();
  }, 60_000);

  it('tells of requests and deploys once each, with what happened', async () => {
    const upload = await fetch(`${f.t.url}/api/v1/apps/${code}/envs/stag/deploys`, {
      method: 'POST',
      headers: { cookie: `${f.t.cookieName}=${cookies['dev']}`, 'content-type': 'application/gzip' },
      body: await tinyApp({ text: 'told' }),
    });
    const stag = (await json(upload)).deploy;
    expect((await f.waitDeploy(stag.id)).status).toBe('succeeded');
    await vi.waitFor(() => expect(eventsOf(stag.id)).toEqual(['deploy.succeeded']), { timeout: 30_000 });

    const refused = (await as('dev', 'POST', `/api/v1/apps/${code}/envs/prod/requests`, { kind: 'promote' }))
      .body.deploy;
    await as('op', 'POST', `/api/v1/requests/${refused.id}/refuse`, { reason: 'freeze week' });
    const request = (
      await as('dev', 'POST', `/api/v1/apps/${code}/envs/prod/requests`, { kind: 'promote', note: 'ship it' })
    ).body.deploy;
    await as('op', 'POST', `/api/v1/requests/${request.id}/approve`, {});
    expect((await f.waitDeploy(request.id)).status).toBe('succeeded');

    await vi.waitFor(
      () => expect(eventsOf(request.id)).toEqual(['request.filed', 'request.approved', 'deploy.succeeded']),
      { timeout: 30_000 },
    );
    await vi.waitFor(() => expect(eventsOf(refused.id)).toEqual(['request.filed', 'request.refused']), {
      timeout: 30_000,
    });
    const bodies = received();
    expect(bodies.find((b) => b.type === 'request.refused')?.event).toMatchObject({
      app: code,
      env: 'prod',
      actor: 'op',
      reason: 'freeze week',
    });
    expect(
      bodies.find((b) => b.type === 'request.filed' && b.event?.deployId === request.id)?.event,
    ).toMatchObject({ actor: 'dev', note: 'ship it', kind: 'promote' });
    expect(
      bodies.find((b) => b.type === 'deploy.succeeded' && b.event?.deployId === request.id)?.event,
    ).toMatchObject({ env: 'prod', release: 1 });
    // One delivery each: no event was sent twice.
    const ids = receiver.requests.map((r) => r.headers['berth-delivery']);
    expect(new Set(ids).size).toBe(ids.length);
  }, 120_000);

  it('tells of a failed deploy with its error, and of an instance that keeps crashing', async () => {
    const broken = await fetch(`${f.t.url}/api/v1/apps/${code}/envs/stag/deploys`, {
      method: 'POST',
      headers: { cookie: `${f.t.cookieName}=${cookies['dev']}`, 'content-type': 'application/gzip' },
      body: await tinyApp({
        text: 'sick',
        extra: {},
        berthYaml: nodeBerthYaml({
          count: 1,
          healthPath: '/healthz',
          startTimeout: '3s',
          env: { TEXT: 'x', UNHEALTHY: '1' },
        }),
      }),
    });
    const failed = (await json(broken)).deploy;
    expect((await f.waitDeploy(failed.id)).status).toBe('failed');
    await vi.waitFor(() => expect(eventsOf(failed.id)).toEqual(['deploy.failed']), { timeout: 30_000 });
    const body = received().find((b) => b.event?.deployId === failed.id)!;
    expect(body.event?.error?.code).toBe('HEALTH_CHECK_FAILED');
    expect(body.text).toContain(code);

    // A worker that runs a moment and exits, again and again, until the runtime gives up on it.
    const crashing = await fetch(`${f.t.url}/api/v1/apps/${code}/envs/stag/deploys`, {
      method: 'POST',
      headers: { cookie: `${f.t.cookieName}=${cookies['dev']}`, 'content-type': 'application/gzip' },
      body: await packFiles({
        'package.json': JSON.stringify({ name: 'crash', version: '1.0.0', private: true }),
        'worker.js': 'setTimeout(() => process.exit(3), Number(process.env.LIFE_MS));',
        'berth.yaml': [
          'runtime: node',
          'processes:',
          '  worker:',
          '    command: node worker.js',
          'env:',
          '  LIFE_MS: "2500"',
          '',
        ].join('\n'),
      }),
    });
    const crash = (await json(crashing)).deploy;
    await f.waitDeploy(crash.id);
    await vi.waitFor(
      () =>
        expect(received().find((b) => b.type === 'instance.crashloop')?.event).toMatchObject({
          app: code,
          env: 'stag',
          processType: 'worker',
        }),
      { timeout: 90_000, interval: 500 },
    );
  }, 180_000);
});
