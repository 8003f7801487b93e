// Inbound webhooks against a real berthd: each host's realistic push and tag deliveries reach the deploy
// trigger (a recorder injected through BerthdOptions.webhookDelivery) with the right ref and commit and
// are logged `started`; forged, unsigned, tampered and other apps' deliveries are refused and logged,
// and the trigger never hears of them; other events, pings, deletions and replays (also two at once)
// are ignored with their reason; who may see and rotate the secret; the log's paging and clean-up.
import crypto from 'node:crypto';
import { BerthClient, type WebhookDelivery, type WebhookProvider } from '@berth/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BerthError } from '../../src/errors.ts';
import type { DeliveryAnswer, WebhookPush } from '../../src/webhooks/index.ts';
import { systemDialects } from '../support/databases.ts';
import {
  ADMIN_PASSWORD,
  type ApiResponse,
  createUsers,
  startTestBerthd,
  type TestBerthd,
} from '../support/harness.ts';
import { type FixtureName, fixture, hostHeaders, PUSH_CASES, postHook } from './hosts.ts';

const PASSWORD = 'correct-horse-battery';
const HEX64 = /^[0-9a-f]{64}$/;

describe.each(systemDialects())('inbound webhooks on %s', (dialect) => {
  let t: TestBerthd;
  const cookies: Record<string, string> = {};
  /** What the deploy trigger was told, in order. */
  const told: WebhookPush[] = [];
  /** What the trigger does with the next pushes (a test may change it; reset before each). */
  let trigger: (push: WebhookPush) => Promise<DeliveryAnswer>;
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestBerthd({
      dialect,
      berthd: {
        webhookDelivery: async (push) => {
          told.push(push);
          return trigger(push);
        },
      },
    });
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
    for (const code of ['shop', 'other', 'gone', 'quiet']) {
      ok(await as('dev', 'POST', '/api/v1/apps', { code, name: code }), 201);
    }
    for (const code of ['shop', 'other', 'gone']) {
      secrets[code] = ok(await as('dev', 'GET', `/api/v1/apps/${code}/webhook?reveal=true`)).body.secret;
    }
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });
  beforeEach(() => {
    let n = 0;
    trigger = async (push) => ({ deployId: `dep_test_${push.code}_${++n}`, env: 'stag' });
  });

  const as = (who: string, method: string, path: string, body?: unknown) =>
    t.api(method, path, { cookie: cookies[who], ...(body === undefined ? {} : { body }) });

  function ok(res: ApiResponse, status = 200): ApiResponse {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res;
  }

  function refused(res: { status: number; body: ApiResponse['body'] }, status: number, code: string): void {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.error.code).toBe(code);
  }

  async function deliveries(code: string, query = ''): Promise<WebhookDelivery[]> {
    return ok(await as('admin', 'GET', `/api/v1/apps/${code}/webhook/deliveries${query}`)).body.deliveries;
  }

  async function latest(code: string): Promise<WebhookDelivery> {
    return (await deliveries(code, '?limit=1'))[0]!;
  }

  let sent = 0;
  /** The fixture as a new delivery sends it: two real deliveries never have the same bytes (times,
   *  ids), and a signed body seen before is a replay, so each send differs by trailing whitespace. */
  function fresh(name: FixtureName): Buffer {
    return Buffer.concat([fixture(name), Buffer.from(' '.repeat(++sent))]);
  }

  /** Posts a fixture to `code` as `provider` would, signed with `secret` (the app's own by default). */
  function send(
    code: string,
    provider: WebhookProvider,
    name: FixtureName,
    event: string,
    options: { secret?: string | null; deliveryId?: string | null; body?: Buffer } = {},
  ) {
    const body = options.body ?? fresh(name);
    const secret = options.secret === null ? undefined : (options.secret ?? secrets[code]);
    const headers = hostHeaders(provider, body, {
      event,
      ...(secret === undefined ? {} : { secret }),
      ...(options.deliveryId === undefined ? {} : { deliveryId: options.deliveryId }),
    });
    return postHook(t.url, code, body, headers);
  }

  describe('the URL and the secret', () => {
    it('members read the URL; the secret needs source.write and is audited', async () => {
      const plain = ok(await as('dev', 'GET', '/api/v1/apps/shop/webhook')).body;
      expect(plain).toEqual({ url: `${t.url}/api/v1/hooks/shop` });
      expect(ok(await as('aud', 'GET', '/api/v1/apps/shop/webhook')).body).toEqual(plain);
      refused(await as('aud', 'GET', '/api/v1/apps/shop/webhook?reveal=true'), 403, 'FORBIDDEN');
      refused(await as('stranger', 'GET', '/api/v1/apps/shop/webhook'), 404, 'APP_NOT_FOUND');
      refused(await t.api('GET', '/api/v1/apps/shop/webhook'), 401, 'UNAUTHENTICATED');

      const revealed = ok(await as('dev', 'GET', '/api/v1/apps/shop/webhook?reveal=true')).body;
      expect(revealed).toEqual({ url: plain.url, secret: secrets['shop'] });
      expect(revealed.secret).toMatch(HEX64);
      expect(secrets['other']).not.toBe(secrets['shop']);
      const audit = ok(await as('admin', 'GET', '/api/v1/audit?action=webhook.secret&limit=5')).body.events;
      expect(audit[0]).toMatchObject({ actorName: 'dev', action: 'webhook.secret.view', targetId: 'shop' });
    });
  });

  describe('pushes and tags reach the deploy trigger', () => {
    for (const c of PUSH_CASES) {
      it(`${c.name}: started, with ${c.ref} at ${c.commit.slice(0, 7)}`, async () => {
        const before = told.length;
        const deliveryId = crypto.randomUUID();
        const res = await send('shop', c.provider, c.name, c.event, { deliveryId });
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        expect(res.body).toMatchObject({ result: 'started', deployId: 'dep_test_shop_1', env: 'stag' });
        expect(told.slice(before)).toEqual([
          {
            code: 'shop',
            provider: c.provider,
            event: c.kind,
            ref: c.ref,
            commit: c.commit,
            deliveryId: res.body.delivery,
            providerDeliveryId: deliveryId,
            pusher: c.pusher,
            repositoryUrl: c.repositoryUrl,
          },
        ]);
        expect(await latest('shop')).toMatchObject({
          id: res.body.delivery,
          provider: c.provider,
          event: c.event,
          deliveryId,
          verified: true,
          outcome: 'started',
          reason: null,
          ref: c.ref,
          commit: c.commit,
          deployId: 'dep_test_shop_1',
          env: 'stag',
          remoteAddress: '127.0.0.1',
        });
        const audit = ok(await as('admin', 'GET', '/api/v1/audit?action=webhook.deploy&limit=1')).body.events;
        expect(audit[0]).toMatchObject({
          actorName: `webhook:${c.provider}`,
          action: 'webhook.deploy',
          targetId: 'shop',
          detail: { delivery: res.body.delivery, ref: c.ref, commit: c.commit, deployId: 'dep_test_shop_1' },
        });
      });
    }

    it("GitHub's form encoding (payload=…) is signed and read as sent", async () => {
      const json = fixture('github-push').toString('utf8');
      const form = Buffer.from(new URLSearchParams({ payload: json }).toString());
      const headers = {
        ...hostHeaders('github', form, { event: 'push', secret: secrets['shop']! }),
        'content-type': 'application/x-www-form-urlencoded',
      };
      const res = await postHook(t.url, 'shop', form, headers);
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body.result).toBe('started');
      expect(told.at(-1)).toMatchObject({
        ref: 'refs/heads/main',
        commit: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
      });
    });

    it("a push the trigger does not deploy is ignored with the trigger's reason", async () => {
      trigger = async () => ({ ignored: 'refs/heads/main is not the deploy branch (release)' });
      const res = await send('shop', 'github', 'github-push', 'push');
      expect(res).toMatchObject({
        status: 202,
        body: { result: 'ignored', reason: 'refs/heads/main is not the deploy branch (release)' },
      });
      expect(await latest('shop')).toMatchObject({ outcome: 'ignored', verified: true, deployId: null });
    });

    it('a trigger error is answered and logged failed; the redelivery then goes through', async () => {
      trigger = async () => {
        throw new BerthError('SOURCE_NOT_CONFIGURED');
      };
      const deliveryId = crypto.randomUUID();
      const body = fresh('gitea-push');
      refused(
        await send('shop', 'gitea', 'gitea-push', 'push', { deliveryId, body }),
        409,
        'SOURCE_NOT_CONFIGURED',
      );
      expect(await latest('shop')).toMatchObject({
        outcome: 'failed',
        errorCode: 'SOURCE_NOT_CONFIGURED',
        reason: 'The app has no external repository configured',
        ref: 'refs/heads/main',
      });
      // The host's "redeliver" repeats the id: a failed delivery gave its keys up.
      trigger = async () => ({ deployId: 'dep_after_fix', env: 'stag' });
      const again = await send('shop', 'gitea', 'gitea-push', 'push', { deliveryId, body });
      expect(again).toMatchObject({ status: 202, body: { result: 'started', deployId: 'dep_after_fix' } });
    });
  });

  describe('forged and unsigned deliveries are refused and logged', () => {
    const forgeries: Array<[string, () => Promise<{ status: number; body: unknown }>, RegExp]> = [
      [
        'GitHub, signed with a guessed secret',
        () =>
          send('shop', 'github', 'github-push', 'push', { secret: crypto.randomBytes(32).toString('hex') }),
        /does not match/,
      ],
      [
        'GitHub, not signed',
        () => send('shop', 'github', 'github-push', 'push', { secret: null }),
        /no X-Hub-Signature-256/,
      ],
      [
        "GitHub, signed with another app's secret",
        () => send('shop', 'github', 'github-push', 'push', { secret: secrets['other']! }),
        /does not match/,
      ],
      [
        'Gitea, not signed',
        () => send('shop', 'gitea', 'gitea-push', 'push', { secret: null }),
        /no X-Gitea-Signature/,
      ],
      [
        "Gogs, signed with another app's secret",
        () => send('shop', 'gogs', 'gogs-push', 'push', { secret: secrets['other']! }),
        /does not match/,
      ],
      [
        'GitLab, wrong token',
        () => send('shop', 'gitlab', 'gitlab-push', 'Push Hook', { secret: 'let-me-in' }),
        /not the app's webhook secret/,
      ],
      [
        'GitLab, no token',
        () => send('shop', 'gitlab', 'gitlab-push', 'Push Hook', { secret: null }),
        /no X-Gitlab-Token/,
      ],
      [
        'GitHub, a signed body with one byte changed',
        () => {
          const signed = fixture('github-push');
          const body = Buffer.from(signed.toString('utf8').replace('0d1a26e6', '0d1a26e7'));
          const headers = hostHeaders('github', body, { event: 'push', secret: secrets['shop']!, signed });
          return postHook(t.url, 'shop', body, headers);
        },
        /does not match/,
      ],
    ];

    for (const [what, forge, reason] of forgeries) {
      it(what, async () => {
        const before = told.length;
        const res = await forge();
        refused(res as ApiResponse, 401, 'WEBHOOK_SIGNATURE_INVALID');
        expect(told.length).toBe(before);
        const logged = await latest('shop');
        expect(logged).toMatchObject({
          verified: false,
          outcome: 'refused',
          errorCode: 'WEBHOOK_SIGNATURE_INVALID',
          deployId: null,
        });
        expect(logged.reason).toMatch(reason);
      });
    }

    it("a forged delivery cannot take a real delivery's id ahead of it", async () => {
      const deliveryId = crypto.randomUUID();
      refused(
        await send('shop', 'github', 'github-push', 'push', { deliveryId, secret: 'forged' }),
        401,
        'WEBHOOK_SIGNATURE_INVALID',
      );
      const real = await send('shop', 'github', 'github-push', 'push', { deliveryId });
      expect(real).toMatchObject({ status: 202, body: { result: 'started' } });
    });

    it('without a known event header: refused as not a git host delivery', async () => {
      const res = await postHook(t.url, 'shop', fixture('github-push'), {
        'content-type': 'application/json',
        'x-hub-signature-256': 'sha256=00',
      });
      refused(res, 400, 'VALIDATION_FAILED');
      expect(await latest('shop')).toMatchObject({ provider: null, verified: false, outcome: 'refused' });
    });

    it('an unknown app, or one whose webhook nobody has looked at: 404 and nothing logged', async () => {
      for (const code of ['nosuchapp', 'quiet', 'Bad..Code', 'x'.repeat(64)]) {
        refused(await send(code, 'github', 'github-push', 'push', { secret: 'x' }), 404, 'WEBHOOK_NOT_FOUND');
      }
      const rows = await t.berthd.store.db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('app_code', 'in', ['nosuchapp', 'quiet'])
        .execute();
      expect(rows).toEqual([]);
    });

    it('a body over 1 MiB: 413', async () => {
      const body = Buffer.alloc(1024 * 1024 + 10, 0x20);
      const headers = hostHeaders('github', body, { event: 'push', secret: secrets['shop']! });
      refused(await postHook(t.url, 'shop', body, headers), 413, 'PAYLOAD_TOO_LARGE');
    });

    it('a signed body that is not JSON: 400 BAD_JSON, logged refused', async () => {
      const body = Buffer.from('{"ref": "refs/heads/main", ');
      refused(await send('shop', 'github', 'github-push', 'push', { body }), 400, 'BAD_JSON');
      expect(await latest('shop')).toMatchObject({
        verified: true,
        outcome: 'refused',
        errorCode: 'BAD_JSON',
      });
    });

    it('a signed push of a ref git would refuse: 400 GIT_REF_INVALID, the trigger never told', async () => {
      const before = told.length;
      const body = Buffer.from(
        JSON.stringify({ ref: 'refs/heads/../../x', after: 'a'.repeat(40), repository: {}, pusher: {} }),
      );
      refused(await send('shop', 'gogs', 'gogs-push', 'push', { body }), 400, 'GIT_REF_INVALID');
      expect(told.length).toBe(before);
      expect(await latest('shop')).toMatchObject({ outcome: 'refused', errorCode: 'GIT_REF_INVALID' });
    });
  });

  describe('ignored, with the reason', () => {
    const ignored: Array<[FixtureName, WebhookProvider, string, number, RegExp]> = [
      ['github-issues', 'github', 'issues', 202, /event "issues" is not a push/],
      [
        'gitlab-merge-request',
        'gitlab',
        'Merge Request Hook',
        202,
        /event "Merge Request Hook" is not a push/,
      ],
      ['github-ping', 'github', 'ping', 200, /^ping$/],
      ['github-branch-delete', 'github', 'push', 202, /branch refs\/heads\/feature\/cart was deleted/],
      ['gitea-create-tag', 'gitea', 'create', 202, /deployed from its push event/],
    ];
    for (const [name, provider, event, status, reason] of ignored) {
      it(`${name} (${provider} ${event})`, async () => {
        const before = told.length;
        const res = await send('shop', provider, name, event);
        expect(res.status, JSON.stringify(res.body)).toBe(status);
        expect(res.body.result).toBe('ignored');
        expect(res.body.reason).toMatch(reason);
        expect(told.length).toBe(before);
        const logged = await latest('shop');
        expect(logged).toMatchObject({ id: res.body.delivery, verified: true, outcome: 'ignored' });
        expect(logged.reason).toMatch(reason);
      });
    }

    it('a ref that is neither a branch nor a tag', async () => {
      const body = Buffer.from(
        JSON.stringify({
          ref: 'refs/merge-requests/7/head',
          after: 'b'.repeat(40),
          checkout_sha: 'b'.repeat(40),
        }),
      );
      const res = await send('shop', 'gitlab', 'gitlab-push', 'Push Hook', { body });
      expect(res.body).toMatchObject({
        result: 'ignored',
        reason: 'ref refs/merge-requests/7/head is neither a branch nor a tag',
      });
    });
  });

  describe('replays', () => {
    it('the same delivery id again is ignored as replayed', async () => {
      const deliveryId = crypto.randomUUID();
      const body = fresh('gitlab-push');
      const first = await send('shop', 'gitlab', 'gitlab-push', 'Push Hook', { deliveryId, body });
      expect(first.body.result).toBe('started');
      const before = told.length;
      const again = await send('shop', 'gitlab', 'gitlab-push', 'Push Hook', { deliveryId, body });
      expect(again).toMatchObject({ status: 202, body: { result: 'ignored' } });
      expect(again.body.reason).toMatch(/^replayed/);
      expect(told.length).toBe(before);
      expect(await latest('shop')).toMatchObject({
        id: again.body.delivery,
        outcome: 'ignored',
        verified: true,
      });
    });

    it('a signed body sent again under a new delivery id is a replay too', async () => {
      const body = Buffer.from(
        fixture('github-push').toString('utf8').replace('Update README.md', 'Replay me'),
      );
      expect((await send('shop', 'github', 'github-push', 'push', { body })).body.result).toBe('started');
      const replay = await send('shop', 'github', 'github-push', 'push', {
        body,
        deliveryId: crypto.randomUUID(),
      });
      expect(replay.body).toMatchObject({ result: 'ignored' });
      expect(replay.body.reason).toMatch(/^replayed/);
    });

    it('without a delivery id, the same body again is a replay', async () => {
      const body = Buffer.from(fixture('gitlab-push').toString('utf8').replace('fixed readme', 'no id'));
      const first = await send('shop', 'gitlab', 'gitlab-push', 'Push Hook', { body, deliveryId: null });
      expect(first.body.result).toBe('started');
      const again = await send('shop', 'gitlab', 'gitlab-push', 'Push Hook', { body, deliveryId: null });
      expect(again.body).toMatchObject({
        result: 'ignored',
        reason: 'replayed: this body was delivered before',
      });
      expect((await latest('shop')).deliveryId).toBeNull();
    });

    it('two identical deliveries at once: one starts, the other is ignored', async () => {
      trigger = async (push) => {
        await new Promise((r) => setTimeout(r, 50));
        return { deployId: `dep_once_${push.deliveryId}`, env: 'stag' };
      };
      const before = told.length;
      const deliveryId = crypto.randomUUID();
      const body = Buffer.from(fixture('gitea-push').toString('utf8').replace('Fix the cart total', 'Twice'));
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => send('shop', 'gitea', 'gitea-push', 'push', { body, deliveryId })),
      );
      expect(answers.map((a) => a.body.result).sort()).toEqual(['ignored', 'ignored', 'ignored', 'started']);
      expect(told.length - before).toBe(1);
    });
  });

  describe('rotation', () => {
    it('the old secret is refused once rotated; rotating needs source.write and is audited', async () => {
      refused(await as('aud', 'POST', '/api/v1/apps/other/webhook/rotate'), 403, 'FORBIDDEN');
      refused(await as('stranger', 'POST', '/api/v1/apps/other/webhook/rotate'), 404, 'APP_NOT_FOUND');
      const old = secrets['other']!;
      const rotated = ok(await as('dev', 'POST', '/api/v1/apps/other/webhook/rotate')).body;
      expect(rotated).toEqual({ url: `${t.url}/api/v1/hooks/other`, secret: expect.stringMatching(HEX64) });
      expect(rotated.secret).not.toBe(old);
      secrets['other'] = rotated.secret;

      refused(
        await send('other', 'github', 'github-push', 'push', { secret: old }),
        401,
        'WEBHOOK_SIGNATURE_INVALID',
      );
      refused(
        await send('other', 'gitlab', 'gitlab-push', 'Push Hook', { secret: old }),
        401,
        'WEBHOOK_SIGNATURE_INVALID',
      );
      expect((await send('other', 'github', 'github-push', 'push')).body.result).toBe('started');
      expect(ok(await as('dev', 'GET', '/api/v1/apps/other/webhook?reveal=true')).body.secret).toBe(
        rotated.secret,
      );
      const audit = ok(await as('admin', 'GET', '/api/v1/audit?action=webhook.secret.rotate&limit=1')).body
        .events;
      expect(audit[0]).toMatchObject({ actorName: 'dev', targetId: 'other' });
    });
  });

  describe('the SDK client', () => {
    it('shows, reveals and rotates the secret and pages the log', async () => {
      const client = new BerthClient({
        baseUrl: t.url,
        sessionToken: cookies['dev']!,
        sessionCookie: t.cookieName,
      });
      expect(await client.getWebhook('other')).toEqual({ url: `${t.url}/api/v1/hooks/other` });
      const { secret } = await client.getWebhook('other', { reveal: true });
      expect(secret).toBe(secrets['other']);
      const rotated = await client.rotateWebhookSecret('other');
      expect(rotated.secret).toMatch(HEX64);
      secrets['other'] = rotated.secret;
      const page = await client.listWebhookDeliveries('shop', { limit: 2 });
      expect(page.deliveries).toHaveLength(2);
      expect(page.nextCursor).toEqual(expect.any(String));
      const auditor = new BerthClient({
        baseUrl: t.url,
        sessionToken: cookies['aud']!,
        sessionCookie: t.cookieName,
      });
      await expect(auditor.rotateWebhookSecret('other')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });
  });

  describe('the delivery log', () => {
    it('pages newest first; members and auditors read it, outsiders do not see it', async () => {
      const all = await deliveries('shop', '?limit=500');
      expect(all.length).toBeGreaterThan(10);
      const times = all.map((d) => d.receivedAt);
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      const first = ok(await as('dev', 'GET', '/api/v1/apps/shop/webhook/deliveries?limit=3')).body;
      expect(first.deliveries.map((d: WebhookDelivery) => d.id)).toEqual(all.slice(0, 3).map((d) => d.id));
      const next = ok(
        await as('aud', 'GET', `/api/v1/apps/shop/webhook/deliveries?limit=3&cursor=${first.nextCursor}`),
      ).body;
      expect(next.deliveries.map((d: WebhookDelivery) => d.id)).toEqual(all.slice(3, 6).map((d) => d.id));
      refused(await as('stranger', 'GET', '/api/v1/apps/shop/webhook/deliveries'), 404, 'APP_NOT_FOUND');
      // Another app's log holds only its own deliveries.
      expect((await deliveries('other')).every((d) => d.app === 'other')).toBe(true);
    });

    it("a deleted app's secret and log go with it; its URL is unknown", async () => {
      expect((await send('gone', 'github', 'github-push', 'push')).body.result).toBe('started');
      ok(await as('dev', 'DELETE', '/api/v1/apps/gone'), 204);
      refused(await send('gone', 'github', 'github-push', 'push'), 404, 'WEBHOOK_NOT_FOUND');
      const db = t.berthd.store.db;
      expect(
        await db.selectFrom('webhook_secrets').selectAll().where('app_code', '=', 'gone').execute(),
      ).toEqual([]);
      expect(
        await db.selectFrom('webhook_deliveries').selectAll().where('app_code', '=', 'gone').execute(),
      ).toEqual([]);
      // A new app of the same code gets a new secret, not the old one.
      ok(await as('dev', 'POST', '/api/v1/apps', { code: 'gone', name: 'gone' }), 201);
      const fresh = ok(await as('dev', 'GET', '/api/v1/apps/gone/webhook?reveal=true')).body.secret;
      expect(fresh).not.toBe(secrets['gone']);
      refused(await send('gone', 'github', 'github-push', 'push'), 401, 'WEBHOOK_SIGNATURE_INVALID');
    });
  });
});
