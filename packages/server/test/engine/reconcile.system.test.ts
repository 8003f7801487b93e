// berthd restarts (clean close, which leaves apps running): the next berthd adopts the instances and
// the reconciler starts what went missing meanwhile, with a `start` deploy by `system`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Berthd, startBerthd } from '../../src/berthd.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { createTestDatabase, systemDialects, type TestDatabase } from '../support/databases.ts';
import { ADMIN_PASSWORD, berthdTestEnv, loginCookieHeader } from '../support/harness.ts';
import { json, tinyApp } from './support.ts';

describe.each(systemDialects())('reconciler on %s', (dialect) => {
  let db: TestDatabase | undefined;
  let dataDir: string | undefined;
  let current: Berthd | undefined;
  afterAll(async () => {
    if (current) {
      await Promise.all(
        (await current.runtime.list()).map((i) => current!.runtime.stop(i.id, { graceMs: 1000 })),
      );
      await current.close();
    }
    await db?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts the instances an environment is missing after a restart', async () => {
    db = await createTestDatabase(dialect);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-reconcile-'));
    const config = loadConfig(
      {
        ...berthdTestEnv(db, dataDir),
        BERTH_JOB_POLL: '50ms',
        BERTH_DRAIN: '100ms',
        BERTH_GATEWAY_WORKERS: '0',
      },
      dataDir,
    );
    const open = async () => {
      const berthd = await startBerthd(config, { logger: silentLogger() });
      current = berthd;
      const cookie = await loginCookieHeader(berthd.url, 'admin', ADMIN_PASSWORD);
      // biome-ignore lint/suspicious/noExplicitAny: wire JSON
      const api = async (method: string, p: string, body?: unknown): Promise<any> =>
        json(
          await fetch(berthd.url + p, {
            method,
            headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          }),
        );
      const waitFor = async (id: string) => {
        for (let i = 0; i < 600; i++) {
          const deploy = (await api('GET', `/api/v1/deploys/${id}`)).deploy;
          if (['succeeded', 'failed', 'cancelled'].includes(deploy.status)) return deploy;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`deploy ${id} did not finish`);
      };
      return { berthd, cookie, api, waitFor };
    };

    const a = await open();
    await a.api('POST', '/api/v1/apps', { code: 'rc', name: 'rc' });
    const upload = await fetch(`${a.berthd.url}/api/v1/apps/rc/envs/stag/deploys`, {
      method: 'POST',
      headers: { cookie: a.cookie, 'content-type': 'application/gzip' },
      body: await tinyApp({ text: 'back' }),
    });
    expect((await a.waitFor((await json(upload)).deploy.id)).status).toBe('succeeded');
    const before = await a.berthd.runtime.list({ app: 'rc' });
    expect(before).toHaveLength(2);
    // One instance goes missing while berthd is down; the other keeps running (close detaches).
    await a.berthd.runtime.stop(before[0]!.id, { graceMs: 1000 });
    await a.berthd.close();

    const b = await open();
    const deploys = (await b.api('GET', '/api/v1/apps/rc/envs/stag/deploys')).deploys;
    expect(deploys[0]).toMatchObject({ kind: 'start', createdBy: 'system' });
    expect((await b.waitFor(deploys[0].id)).status).toBe('succeeded');
    const after = (await b.api('GET', '/api/v1/apps/rc/envs/stag/instances')).instances;
    expect(after).toHaveLength(2);
    // The survivor was adopted, not replaced.
    expect(after.map((i: { id: string }) => i.id)).toContain(before[1]!.id);
    expect(after.every((i: { healthy: boolean }) => i.healthy)).toBe(true);
    const res = await fetch(`${b.berthd.appsUrl}/t/rc/`);
    expect(await res.text()).toBe('back v1');
  }, 120_000);
});
