// ACME HTTP-01 against Pebble (Debian's `pebble` package), started by the test on loopback ports
// with `pebble-challtestsrv` as its DNS (every name resolves to 127.0.0.1). A real berthd orders a
// certificate for a domain bound with `certificateSource: acme`: the order runs as a job, the
// challenge is one of the module's gateway extras (an exact-path `respond` route on the domain) that
// the engine merges into the gateway's table, and Pebble fetches it from berthd's own apps port (its
// `httpPort` is BERTH_APPS_PORT: nothing else listens there). The issued chain is stored as an `acme`
// certificate, which berthd's HTTPS listener then serves for the domain by SNI; the challenge route
// is gone afterwards. Ordering again while the domain redirects HTTP to HTTPS validates too, and the
// newer certificate is served at once. Pebble's
// own HTTPS is trusted through BERTH_ACME_CA_FILE (a CA this test makes), for ACME requests only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemDialects } from '../support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../support/harness.ts';
import { httpGet, httpsGet, peerFingerprint } from '../support/tls-client.ts';
import { freePort, type Pebble, startPebble } from './pebble.ts';

const HOST = 'shop.acme.test';

describe.each(systemDialects())('ACME HTTP-01 with Pebble on %s', (dialect) => {
  let dir: string;
  let t: TestBerthd;
  let pebble: Pebble | undefined;
  let appsPort: number;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-pebble-'));
    // Pebble is told the port before berthd listens on it (it connects only when validating).
    appsPort = await freePort();
    pebble = await startPebble(dir, appsPort);

    t = await startTestBerthd({
      dialect,
      env: {
        BERTH_APPS_PORT: String(appsPort),
        BERTH_HTTPS_PORT: '0',
        BERTH_ACME_DIRECTORY: pebble.directory,
        BERTH_ACME_EMAIL: 'ops@example.com',
        BERTH_ACME_CA_FILE: pebble.caFile,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
    await pebble?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function waitForJob(cookie: string, jobId: string) {
    return vi.waitFor(
      async () => {
        const job = await t.api('GET', `/api/v1/jobs/${jobId}`, { cookie });
        if (job.body.job?.status === 'failed') {
          const logs = await t.api('GET', `/api/v1/jobs/${jobId}/logs`, { cookie });
          throw new Error(`the order failed: ${JSON.stringify(logs.body)}\npebble:\n${pebble?.output()}`);
        }
        expect(job.body.job?.status).toBe('succeeded');
        return job.body.job;
      },
      { timeout: 90_000, interval: 500 },
    );
  }

  it('orders, validates and stores a certificate for a domain, and serves it', async () => {
    const cookie = await t.login('admin', ADMIN_PASSWORD);
    expect(
      (await t.api('POST', '/api/v1/apps', { cookie, body: { code: 'shop', name: 'Shop' } })).status,
    ).toBe(201);
    // A wildcard cannot be validated over HTTP-01.
    const wild = await t.api('POST', '/api/v1/domains', {
      cookie,
      body: { host: '*.acme.test', app: 'shop', env: 'prod', certificateSource: 'acme' },
    });
    expect([wild.status, wild.body.error?.code]).toEqual([409, 'ACME_WILDCARD_UNSUPPORTED']);

    const added = await t.api('POST', '/api/v1/domains', {
      cookie,
      body: { host: HOST, app: 'shop', env: 'prod', httpsRedirect: true, certificateSource: 'acme' },
    });
    expect(added.status).toBe(201);
    expect(added.body.domain).toMatchObject({
      host: HOST,
      certificateSource: 'acme',
      acme: { status: 'pending' },
    });
    const jobId = added.body.domain.acme.jobId as string;

    expect(t.berthd.appsPort).toBe(appsPort);
    const done = await waitForJob(cookie, jobId);
    expect(done.kind).toBe('domains.acme-order');
    const domain = (await t.api('GET', `/api/v1/domains/${HOST}`, { cookie })).body.domain;
    expect(domain.acme).toMatchObject({ status: 'valid' });
    expect(domain.certificate).toMatchObject({ id: expect.stringMatching(/^crt_/) });
    const cert = (await t.api('GET', `/api/v1/certificates/${domain.certificate.id}`, { cookie })).body
      .certificate;
    expect(cert).toMatchObject({ names: [HOST], source: 'acme', domains: [HOST] });
    expect(cert.issuer).toMatch(/Pebble/);

    const extras = await t.berthd.domains.extras();
    expect(extras.routes).toEqual([]);
    expect(extras.hosts).toEqual([{ host: HOST, certificate: cert.id, httpsRedirect: true }]);
    const served = extras.certificates.find((c) => c.id === cert.id)!;
    expect(served.certPem.match(/BEGIN CERTIFICATE/g)!.length).toBeGreaterThanOrEqual(2);

    // The account was made once and is reused: its key is sealed in the store.
    const accounts = await t.berthd.store.db.selectFrom('acme_accounts').selectAll().execute();
    expect(accounts).toHaveLength(1);
    expect(accounts[0]!.key_sealed).not.toContain('PRIVATE KEY');
    expect(accounts[0]!.account_url).toMatch(/^https:\/\/127\.0\.0\.1:/);

    // Nothing is due for renewal now (Pebble's certificates last longer than 30 days).
    expect(await t.berthd.domains.acme!.renewDue()).toEqual([]);

    // berthd's HTTPS listener serves the issued certificate for the domain (SNI), and the app
    // behind it answers (503: shop has no release yet); plain HTTP is sent to HTTPS.
    const httpsPort = t.berthd.httpsPort!;
    expect(await peerFingerprint(httpsPort, HOST)).toBe(cert.fingerprint);
    const secure = await httpsGet(httpsPort, HOST, '/');
    expect(JSON.parse(secure.body).error.code).toBe('GATEWAY_NO_UPSTREAM');
    const plain = await httpGet(appsPort, HOST, '/basket?x=1');
    expect([plain.status, plain.headers.location]).toEqual([308, `https://${HOST}:${httpsPort}/basket?x=1`]);

    // Ordering again while HTTP is redirected to HTTPS validates too (the challenge's exact path is
    // served over plain HTTP: the gateway contract checks that), and the newer certificate is
    // served without a restart.
    const again = await t.api('POST', `/api/v1/domains/${HOST}/acme`, { cookie });
    expect(again.status).toBe(202);
    await waitForJob(cookie, again.body.jobId);
    const renewed = (await t.api('GET', `/api/v1/domains/${HOST}`, { cookie })).body.domain;
    expect(renewed.certificate.id).not.toBe(cert.id);
    const newer = (await t.api('GET', `/api/v1/certificates/${renewed.certificate.id}`, { cookie })).body
      .certificate;
    expect(newer.fingerprint).not.toBe(cert.fingerprint);
    expect(await peerFingerprint(httpsPort, HOST)).toBe(newer.fingerprint);
    expect((await t.berthd.domains.extras()).routes).toEqual([]);
  });
});
