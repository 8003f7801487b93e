// ACME HTTP-01 against Pebble (Debian's `pebble` package), started by the test on loopback ports
// with `pebble-challtestsrv` as its DNS (every name resolves to 127.0.0.1). A real berthd orders a
// certificate for a domain bound with `certificateSource: acme`: the order runs as a job, the
// challenge is one of the module's gateway extras (an exact-path `respond` route on the domain),
// Pebble fetches it over HTTP, and the issued chain is stored as an `acme` certificate that the
// extras then serve for the domain; the challenge route is gone afterwards. Pebble's own HTTPS is
// trusted through BERTH_ACME_CA_FILE (a CA this test makes), for ACME requests only.
//
// Stand-in, until the engine merges the extras into the gateway table (issue 16, the lead's merge):
// Pebble's `httpPort` is a loopback server here that answers from the module's extras with the
// gateway's reference route matcher. After the merge, point `httpPort` at berthd's apps port.
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRouteMatcher } from '../../src/gateway/route-matcher.ts';
import { GATEWAY_TABLE_FORMAT } from '../../src/gateway/route-model.ts';
import { systemDialects } from '../support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../support/harness.ts';
import { type Pebble, startPebble } from './pebble.ts';

const HOST = 'shop.acme.test';

describe.each(systemDialects())('ACME HTTP-01 with Pebble on %s', (dialect) => {
  let dir: string;
  let t: TestBerthd;
  let standIn: Server;
  let pebble: Pebble | undefined;
  const fetched: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-pebble-'));
    // The stand-in for the gateway's HTTP port (see the file comment).
    standIn = createServer((req, res) => {
      void (async () => {
        const extras = await t.berthd.domains.extras();
        const matcher = createRouteMatcher({ format: GATEWAY_TABLE_FORMAT, routes: extras.routes });
        const found = matcher.match(req.headers.host, req.url ?? '/');
        fetched.push(`${req.headers.host} ${req.url}`);
        if (found?.route.target.kind !== 'respond') {
          res.writeHead(404).end();
          return;
        }
        const target = found.route.target;
        res.writeHead(target.status, { 'content-type': target.contentType }).end(target.body);
      })().catch((err) => res.writeHead(500).end(String(err)));
    });
    await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
    const httpPort = (standIn.address() as AddressInfo).port;

    pebble = await startPebble(dir, httpPort);

    t = await startTestBerthd({
      dialect,
      env: {
        BERTH_ACME_DIRECTORY: pebble.directory,
        BERTH_ACME_EMAIL: 'ops@example.com',
        BERTH_ACME_CA_FILE: pebble.caFile,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
    await pebble?.stop();
    if (standIn?.listening) await new Promise((resolve) => standIn.close(resolve));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

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

    const done = await vi.waitFor(
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
    expect(done.kind).toBe('domains.acme-order');
    // Pebble fetched the challenge from the host, at the well-known path.
    expect(fetched).toContainEqual(
      expect.stringMatching(/^shop\.acme\.test(:\d+)? \/\.well-known\/acme-challenge\/[\w-]+$/),
    );

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
  });
});
