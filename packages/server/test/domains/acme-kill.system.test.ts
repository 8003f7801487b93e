// An ACME order survives kill -9: berthd (its own process) is killed as soon as it publishes the
// domain's HTTP-01 challenge (the row in the store, which its gateway then serves to Pebble); the
// order's job is taken over by the next berthd on the same ports, which removes the killed attempt's
// challenge, orders again, has Pebble validate through its own apps port, stores the certificate
// and serves it by SNI. Pebble is as in acme-pebble.system.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { killableSurroundings, startKillable } from '../engine/killable.ts';
import { systemDialects } from '../support/databases.ts';
import { peerFingerprint } from '../support/tls-client.ts';
import { freePort, type Pebble, startPebble } from './pebble.ts';

const HOST = 'k9.acme.test';

describe.each(systemDialects())('an ACME order across kill -9 on %s', (dialect) => {
  const around = killableSurroundings(dialect, 'berth-acme-k9-');
  let dir: string | undefined;
  let pebble: Pebble | undefined;
  let store: Store | undefined;

  afterAll(async () => {
    await pebble?.stop();
    await store?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is taken over by the next berthd and ends with a certificate', { timeout: 240_000 }, async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-acme-k9-'));
    // Both berthds listen on these ports (the gateway in berthd's process: nothing outlives it).
    const [appsPort, httpsPort] = await Promise.all([freePort(), freePort()]);
    pebble = await startPebble(dir, appsPort);
    const env = await around.env({
      BERTH_APPS_PORT: String(appsPort),
      BERTH_HTTPS_PORT: String(httpsPort),
      BERTH_GATEWAY_WORKERS: '0',
      BERTH_ACME_DIRECTORY: pebble.directory,
      BERTH_ACME_CA_FILE: pebble.caFile,
    });
    store = openStore(loadConfig(env, dir).database);

    const a = await startKillable(env, 'shop', around.running);
    expect((await a.api('POST', '/api/v1/apps', { code: 'shop', name: 'Shop' })).app.code).toBe('shop');
    const added = await a.api('POST', '/api/v1/domains', {
      host: HOST,
      app: 'shop',
      env: 'prod',
      certificateSource: 'acme',
    });
    const jobId = added.domain.acme.jobId as string;
    // The challenge is published: berthd dies now.
    await vi.waitFor(
      async () =>
        expect(await store!.db.selectFrom('acme_challenges').select('host').execute()).toEqual([
          { host: HOST },
        ]),
      { timeout: 60_000, interval: 20 },
    );
    a.p.child.kill('SIGKILL');
    expect(await a.p.exited).toBe('SIGKILL');
    // What the killed attempt left: its challenge, still stored.
    expect(await store.db.selectFrom('acme_challenges').select('host').execute()).toEqual([{ host: HOST }]);

    const b = await startKillable(env, 'shop', around.running);
    const job = await vi.waitFor(
      async () => {
        const j = (await b.api('GET', `/api/v1/jobs/${jobId}`)).job;
        if (j.status === 'failed') {
          const logs = await b.api('GET', `/api/v1/jobs/${jobId}/logs`);
          throw new Error(`the order failed: ${JSON.stringify(logs)}`);
        }
        expect(j.status).toBe('succeeded');
        return j;
      },
      { timeout: 120_000, interval: 500 },
    );
    expect(job.attempts).toBe(2);
    const domain = (await b.api('GET', `/api/v1/domains/${HOST}`)).domain;
    expect(domain.acme.status).toBe('valid');
    const cert = (await b.api('GET', `/api/v1/certificates/${domain.certificate.id}`)).certificate;
    expect(cert).toMatchObject({ names: [HOST], source: 'acme' });
    expect(await store.db.selectFrom('acme_challenges').select('host').execute()).toEqual([]);
    expect(await peerFingerprint(httpsPort, HOST)).toBe(cert.fingerprint);
  });
});
