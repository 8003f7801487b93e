// The domains module on every store dialect: domains and certificates round-trip (keys sealed, long
// PEM text), a host binds once (two adds at once: one wins, DOMAIN_TAKEN), hosts the platform serves
// are refused, the extras carry the opened key, the status counts expiring certificates, and a
// deleted app's domains and challenges go.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/crypto/secret-box.ts';
import { createDomainsModule, type DomainsModule } from '../../src/domains/index.ts';
import { BerthError } from '../../src/errors.ts';
import type { Actor } from '../../src/identity/actor.ts';
import { createAuditLog } from '../../src/identity/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { createJobsTestStore, type JobsTestStore } from '../jobs/helpers.ts';
import { testDialects } from '../support/databases.ts';
import { days, makeCert, makeChain } from './make-certs.ts';

const admin: Actor = {
  userId: 'u_admin',
  username: 'admin',
  role: 'admin',
  via: 'token',
  credentialId: 't_admin',
  ip: '127.0.0.1',
};

describe.each(testDialects())('domains store on %s', (dialect) => {
  let t: JobsTestStore;
  let mod: DomainsModule;
  let refreshes = 0;
  const apps = new Set(['shop', 'api']);
  const box = createSecretBox(crypto.randomBytes(32));

  beforeAll(async () => {
    t = await createJobsTestStore(dialect);
    mod = createDomainsModule({
      store: t.store,
      secretBox: box,
      audit: createAuditLog({ store: t.store }),
      logger: silentLogger(),
      queue: t.queue(),
      authorize: async (_actor, _action, code) => {
        if (!apps.has(code)) throw new BerthError('APP_NOT_FOUND');
      },
      readableCodes: async () => 'all',
      appCodes: async () => apps,
      platformHosts: () => ({
        console: 'berth.example.com',
        apps: 'apps.example.com',
        appsDomain: 'apps.example.com',
      }),
      refreshRoutes: async () => {
        refreshes++;
      },
      settings: { warnDays: 21, acme: undefined },
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('binds a domain once, even when two adds race', async () => {
    const before = refreshes;
    const results = await Promise.allSettled([
      mod.domains.add(admin, { host: 'shop.example.com', app: 'shop', env: 'prod', httpsRedirect: true }),
      mod.domains.add(admin, { host: 'shop.example.com', app: 'api', env: 'stag' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'DOMAIN_TAKEN' });
    expect(refreshes - before).toBe(1);
    const [listed] = await mod.domains.list(admin);
    expect(listed).toMatchObject({ host: 'shop.example.com', certificateSource: 'auto', createdBy: 'admin' });
  });

  it("refuses the platform's own hosts and apps' hosts under the apps domain", async () => {
    for (const host of [
      'berth.example.com',
      'apps.example.com',
      '*.apps.example.com',
      'shop.apps.example.com',
      'api-stag.apps.example.com',
    ]) {
      await expect(mod.domains.add(admin, { host, app: 'shop', env: 'prod' })).rejects.toMatchObject({
        code: 'DOMAIN_RESERVED',
      });
    }
    // A name under the apps domain that no app has is not reserved.
    await mod.domains.add(admin, { host: 'promo.apps.example.com', app: 'shop', env: 'prod' });
    await expect(
      mod.domains.add(admin, { host: 'Shop.Example.com', app: 'shop', env: 'prod' }),
    ).rejects.toMatchObject({
      code: 'DOMAIN_INVALID',
    });
  });

  it('stores a certificate with its key sealed, and the extras serve it with the key opened', async () => {
    const { leaf, intermediate } = await makeChain(['shop.example.com']);
    const uploaded = await mod.certificates.upload(admin, {
      cert: leaf.pem + intermediate.pem,
      key: leaf.keyPem,
    });
    expect(uploaded).toMatchObject({
      names: ['shop.example.com'],
      source: 'upload',
      domains: ['shop.example.com'],
    });
    expect(JSON.stringify(uploaded)).not.toContain('PRIVATE KEY');
    const row = await t.store.db
      .selectFrom('certificates')
      .selectAll()
      .where('id', '=', uploaded.id)
      .executeTakeFirstOrThrow();
    expect(row.key_sealed).not.toContain('PRIVATE KEY');
    expect(row.cert_pem).toBe(`${leaf.pem}\n${intermediate.pem}\n`);
    const extras = await mod.extras();
    // Either add of the race above may have won: the redirect is the winner's.
    const bound = await mod.domains.get(admin, 'shop.example.com');
    expect(extras.hosts).toEqual([
      {
        host: 'shop.example.com',
        certificate: uploaded.id,
        ...(bound.httpsRedirect ? { httpsRedirect: true } : {}),
      },
    ]);
    const served = extras.certificates.find((c) => c.id === uploaded.id)!;
    expect(crypto.createPrivateKey(served.keyPem).asymmetricKeyType).toBe('ec');
    expect((await mod.domains.get(admin, 'shop.example.com')).certificate).toMatchObject({ id: uploaded.id });
  });

  it('counts certificates that expire soon for the status page, and warns in the views', async () => {
    const soon = await makeCert({ names: ['soon.example.com'], notAfter: new Date(Date.now() + days(5)) });
    const uploaded = await mod.certificates.upload(admin, { cert: soon.pem, key: soon.keyPem });
    expect(uploaded).toMatchObject({ warning: 'expiring', expiresInDays: 4 });
    const status = await mod.certificateStatus();
    expect(status).toMatchObject({ warnDays: 21, expiringSoon: 1, expired: 0, soonest: { id: uploaded.id } });
    await mod.certificates.remove(admin, uploaded.id);
    await expect(mod.certificates.get(admin, uploaded.id)).rejects.toMatchObject({
      code: 'CERTIFICATE_NOT_FOUND',
    });
  });

  it('orders ACME certificates that are missing or due, once while an order is queued', async () => {
    const queue = t.queue();
    const withAcme = createDomainsModule({
      store: t.store,
      secretBox: box,
      audit: createAuditLog({ store: t.store }),
      logger: silentLogger(),
      queue,
      authorize: async () => {},
      readableCodes: async () => 'all',
      appCodes: async () => apps,
      platformHosts: () => ({
        console: 'berth.example.com',
        apps: 'apps.example.com',
        appsDomain: undefined,
      }),
      refreshRoutes: async () => {},
      settings: {
        warnDays: 21,
        acme: { directory: 'https://acme.example.com/dir', email: undefined, caPem: undefined },
      },
    });
    const added = await withAcme.domains.add(admin, {
      host: 'renew.example.com',
      app: 'shop',
      env: 'prod',
      certificateSource: 'acme',
    });
    expect(added.acme).toMatchObject({ status: 'pending', jobId: expect.any(String) });
    const first = await queue.get(added.acme!.jobId!);
    expect([first.kind, first.status, first.payload]).toEqual([
      'domains.acme-order',
      'queued',
      { host: 'renew.example.com', by: 'admin' },
    ]);
    // Queued already: not ordered twice.
    expect(await withAcme.acme!.renewDue()).toEqual([]);
    // A cancelled order is ordered again.
    await queue.cancel(first.id);
    expect(await withAcme.acme!.renewDue()).toEqual(['renew.example.com']);
    const second = (await withAcme.domains.get(admin, 'renew.example.com')).acme!.jobId!;
    await queue.cancel(second);
    // A certificate with 60 days left is not due; one with 10 days left is.
    const fresh = await makeCert({ names: ['renew.example.com'], notAfter: new Date(Date.now() + days(60)) });
    await withAcme.certificates.upload(admin, { cert: fresh.pem, key: fresh.keyPem });
    expect(await withAcme.acme!.renewDue()).toEqual([]);
    const list = await withAcme.certificates.list(admin);
    for (const c of list.filter((c) => c.names.includes('renew.example.com'))) {
      await withAcme.certificates.remove(admin, c.id);
    }
    const due = await makeCert({ names: ['renew.example.com'], notAfter: new Date(Date.now() + days(10)) });
    await withAcme.certificates.upload(admin, { cert: due.pem, key: due.keyPem });
    expect(await withAcme.acme!.renewDue()).toEqual(['renew.example.com']);
    await withAcme.domains.remove(admin, 'renew.example.com');
  });

  it("removes a deleted app's domains and challenges", async () => {
    await mod.domains.add(admin, { host: 'api.example.com', app: 'api', env: 'stag' });
    await t.store.db
      .insertInto('acme_challenges')
      .values({ token: 'tok', host: 'api.example.com', key_authorization: 'tok.k', created_at: Date.now() })
      .execute();
    expect((await mod.extras()).routes.map((r) => r.id)).toEqual(['acme/api.example.com/tok']);
    await mod.forget('api');
    expect((await mod.domains.list(admin)).map((d) => d.host)).not.toContain('api.example.com');
    expect((await mod.extras()).routes).toEqual([]);
  });
});
