// The webhooks module's queries on every store dialect: the replay keys' unique index (several
// refused rows hold no key; two identical verified deliveries at once start one deploy), the log kept
// to the newest DELIVERIES_KEPT per app, the secret made once when many ask at once, and what a
// deleted app leaves behind removed.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/crypto/secret-box.ts';
import type { Actor } from '../../src/identity/actor.ts';
import { createAuditLog } from '../../src/identity/index.ts';
import { silentLogger } from '../../src/logger.ts';
import {
  createWebhooks,
  DELIVERIES_KEPT,
  type WebhookPush,
  type Webhooks,
} from '../../src/webhooks/index.ts';
import { STALE_MS } from '../../src/webhooks/receive.ts';
import { createJobsTestStore, type JobsTestStore } from '../jobs/helpers.ts';
import { testDialects } from '../support/databases.ts';
import { fixture, hostHeaders } from './hosts.ts';

const dev: Actor = {
  userId: 'u_dev',
  username: 'dev',
  role: 'developer',
  via: 'token',
  credentialId: 't_dev',
  ip: '127.0.0.1',
};

describe.each(testDialects())('webhooks store on %s', (dialect) => {
  let t: JobsTestStore;
  let webhooks: Webhooks;
  const told: WebhookPush[] = [];

  beforeAll(async () => {
    t = await createJobsTestStore(dialect);
    webhooks = createWebhooks({
      store: t.store,
      secretBox: createSecretBox(crypto.randomBytes(32)),
      audit: createAuditLog({ store: t.store }),
      logger: silentLogger(),
      authorize: async () => {},
      publicUrl: () => 'https://berth.example.com/',
      onDelivery: async (push) => {
        told.push(push);
        // Long enough for the other deliveries of a burst to arrive meanwhile.
        await new Promise((r) => setTimeout(r, 30));
        return { deployId: `dep_${told.length}`, env: 'stag' };
      },
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  async function secretOf(code: string): Promise<string> {
    return (await webhooks.service.show(dev, code, { reveal: true })).secret!;
  }

  it('makes one secret when many ask at once, and hands out the URL', async () => {
    const shown = await Promise.all(
      Array.from({ length: 6 }, () => webhooks.service.show(dev, 'burst', { reveal: true })),
    );
    expect(new Set(shown.map((s) => s.secret)).size).toBe(1);
    expect(shown[0]!.url).toBe('https://berth.example.com/api/v1/hooks/burst');
  });

  it('starts one deploy for identical deliveries arriving together', async () => {
    const secret = await secretOf('shop');
    const body = fixture('gogs-push');
    const headers = hostHeaders('gogs', body, { event: 'push', secret });
    const before = told.length;
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => webhooks.receive({ code: 'shop', headers, body })),
    );
    const answers = results.map((r) => (r.status === 'fulfilled' ? r.value.body.result : String(r.reason)));
    expect(answers.sort()).toEqual(['ignored', 'ignored', 'ignored', 'ignored', 'started']);
    expect(told.length - before).toBe(1);
  });

  it(`keeps the newest ${DELIVERIES_KEPT} verified and unverified deliveries of an app apart`, async () => {
    const secret = await secretOf('busy');
    const calm = fixture('github-push');
    await webhooks.receive({
      code: 'calm',
      headers: hostHeaders('github', calm, { event: 'push', secret: await secretOf('calm') }),
      body: calm,
    });
    // A real delivery first, then a flood of forged ones (refused rows hold no key: no conflict).
    const real = fixture('gitea-push');
    const realHeaders = hostHeaders('gitea', real, { event: 'push', secret });
    expect((await webhooks.receive({ code: 'busy', headers: realHeaders, body: real })).body.result).toBe(
      'started',
    );
    const body = fixture('github-issues');
    for (let i = 0; i < DELIVERIES_KEPT + 5; i++) {
      const headers = hostHeaders('github', body, { event: 'issues', secret: 'forged' });
      await expect(webhooks.receive({ code: 'busy', headers, body })).rejects.toMatchObject({
        code: 'WEBHOOK_SIGNATURE_INVALID',
      });
    }
    const page = await webhooks.service.deliveries(dev, 'busy', { limit: 500 });
    expect(page.items).toHaveLength(DELIVERIES_KEPT + 1);
    expect(page.items.filter((d) => d.verified).map((d) => d.outcome)).toEqual(['started']);
    // The flood did not make the real delivery replayable.
    const replayed = await webhooks.receive({ code: 'busy', headers: realHeaders, body: real });
    expect(replayed.body).toMatchObject({ result: 'ignored', reason: expect.stringMatching(/^replayed/) });

    // Verified deliveries are kept to DELIVERIES_KEPT as well.
    for (let i = 0; i < DELIVERIES_KEPT + 2; i++) {
      const each = Buffer.concat([body, Buffer.from(' '.repeat(i))]);
      const headers = hostHeaders('github', each, { event: 'issues', secret });
      expect((await webhooks.receive({ code: 'busy', headers, body: each })).body.result).toBe('ignored');
    }
    const after = (await webhooks.service.deliveries(dev, 'busy', { limit: 500 })).items;
    expect(after.filter((d) => d.verified)).toHaveLength(DELIVERIES_KEPT);
    expect(after.filter((d) => !d.verified)).toHaveLength(DELIVERIES_KEPT);
    expect(after[0]!.outcome).toBe('ignored');
    // Another app's log is its own.
    expect((await webhooks.service.deliveries(dev, 'calm')).items).toHaveLength(1);
  });

  it('lets a redelivery take over a delivery a stopped berthd left half-handled', async () => {
    const secret = await secretOf('shop');
    const body = fixture('gitlab-push');
    const headers = hostHeaders('gitlab', body, { event: 'Push Hook', secret, deliveryId: 'left-behind' });
    // What a berthd killed between the log's insert and the outcome leaves.
    const row = {
      app_code: 'shop',
      provider: 'gitlab',
      event: 'Push Hook',
      delivery_id: 'left-behind',
      replay_key: 'id:left-behind',
      body_key: null,
      body_sha256: crypto.createHash('sha256').update(body).digest('hex'),
      verified: 1,
      outcome: 'received',
      reason: null,
      error_code: null,
      ref: null,
      commit_sha: null,
      deploy_id: null,
      env: null,
      remote_address: null,
    };
    const { db } = t.store;
    await db
      .insertInto('webhook_deliveries')
      .values({ ...row, id: 'whd_recent', received_at: Date.now() - 1000 })
      .execute();
    // A minute later it may still be in hand: the redelivery is a replay.
    expect((await webhooks.receive({ code: 'shop', headers, body })).body.result).toBe('ignored');
    await db
      .updateTable('webhook_deliveries')
      .set({ received_at: Date.now() - STALE_MS - 1000 })
      .where('id', '=', 'whd_recent')
      .execute();
    expect((await webhooks.receive({ code: 'shop', headers, body })).body.result).toBe('started');
    const left = await db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', 'whd_recent')
      .executeTakeFirst();
    expect(left).toMatchObject({
      outcome: 'failed',
      replay_key: null,
      reason: 'berthd stopped while handling it',
    });
  });

  it('forgets the secrets and logs of apps that are gone', async () => {
    await webhooks.forgetMissingApps(new Set(['shop', 'calm']));
    const { db } = t.store;
    const secrets = await db.selectFrom('webhook_secrets').select('app_code').orderBy('app_code').execute();
    expect(secrets.map((r) => r.app_code)).toEqual(['calm', 'shop']);
    const logged = await db.selectFrom('webhook_deliveries').select('app_code').distinct().execute();
    expect(logged.map((r) => r.app_code).sort()).toEqual(['calm', 'shop']);
    await webhooks.appDeleted('shop');
    expect(
      await db.selectFrom('webhook_deliveries').select('id').where('app_code', '=', 'shop').execute(),
    ).toEqual([]);
  });
});
