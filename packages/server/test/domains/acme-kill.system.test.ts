// An ACME order survives kill -9: berthd (its own process) is killed while Pebble validates the
// domain's HTTP-01 challenge; the order's job is taken over by the next berthd, which removes the
// killed attempt's challenge, orders again, and stores the certificate. Pebble and the stand-in for
// the gateway's HTTP port are as in acme-pebble.system.test.ts; the stand-in reads the challenges
// from the store (berthd runs in another process here).
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { killableSurroundings, startKillable } from '../engine/killable.ts';
import type { Fixture } from '../jobs/processes.ts';
import { systemDialects } from '../support/databases.ts';
import { type Pebble, startPebble } from './pebble.ts';

const HOST = 'k9.acme.test';
const CHALLENGE = '/.well-known/acme-challenge/';

describe.each(systemDialects())('an ACME order across kill -9 on %s', (dialect) => {
  const around = killableSurroundings(dialect, 'berth-acme-k9-');
  let dir: string | undefined;
  let standIn: Server | undefined;
  let pebble: Pebble | undefined;
  let store: Store | undefined;
  /** The berthd to kill when Pebble first asks for a challenge. */
  let victim: Fixture | undefined;
  const answered: string[] = [];

  afterAll(async () => {
    await pebble?.stop();
    if (standIn?.listening) await new Promise((resolve) => standIn!.close(resolve));
    await store?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is taken over by the next berthd and ends with a certificate', { timeout: 240_000 }, async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-acme-k9-'));
    standIn = createServer((req, res) => {
      void (async () => {
        const url = req.url ?? '/';
        if (victim) {
          // The first validation request: berthd dies now, and the challenge goes unanswered.
          victim.child.kill('SIGKILL');
          await victim.exited;
          victim = undefined;
          answered.push(`killed ${url}`);
          res.writeHead(404).end();
          return;
        }
        const token = url.startsWith(CHALLENGE) ? url.slice(CHALLENGE.length) : '';
        const row = await store!.db
          .selectFrom('acme_challenges')
          .selectAll()
          .where('token', '=', token)
          .executeTakeFirst();
        const host = (req.headers.host ?? '').replace(/:\d+$/, '');
        if (!row || row.host !== host) {
          res.writeHead(404).end();
          return;
        }
        answered.push(`answered ${url}`);
        res.writeHead(200, { 'content-type': 'text/plain' }).end(row.key_authorization);
      })().catch((err) => res.writeHead(500).end(String(err)));
    });
    await new Promise<void>((resolve) => standIn!.listen(0, '127.0.0.1', resolve));
    pebble = await startPebble(dir, (standIn.address() as AddressInfo).port);
    const env = await around.env({
      BERTH_ACME_DIRECTORY: pebble.directory,
      BERTH_ACME_CA_FILE: pebble.caFile,
    });
    store = openStore(loadConfig(env, dir).database);

    const a = await startKillable(env, 'shop', around.running);
    expect((await a.api('POST', '/api/v1/apps', { code: 'shop', name: 'Shop' })).app.code).toBe('shop');
    victim = a.p;
    const added = await a.api('POST', '/api/v1/domains', {
      host: HOST,
      app: 'shop',
      env: 'prod',
      certificateSource: 'acme',
    });
    const jobId = added.domain.acme.jobId as string;
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
    expect(answered[0]).toMatch(/^killed /);
    expect(answered.slice(1).some((line) => line.startsWith('answered '))).toBe(true);
    const domain = (await b.api('GET', `/api/v1/domains/${HOST}`)).domain;
    expect(domain.acme.status).toBe('valid');
    const cert = (await b.api('GET', `/api/v1/certificates/${domain.certificate.id}`)).certificate;
    expect(cert).toMatchObject({ names: [HOST], source: 'acme' });
    expect(await store.db.selectFrom('acme_challenges').select('host').execute()).toEqual([]);
  });
});
