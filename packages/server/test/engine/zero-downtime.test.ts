// Zero downtime: 4 keep-alive clients request the app through the gateway without pause while it is
// deployed 10 times and rolled back 5 times. Not one request may fail.
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../support/databases.ts';
import { type EngineFixture, startEngineFixture, tinyApp } from './support.ts';

describe.each(testDialects())('zero downtime on %s', (dialect) => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await startEngineFixture(dialect);
    await f.createApp('zd');
  }, 60_000);
  afterAll(async () => f?.stop(), 60_000);

  it('serves every request during 10 deploys and 5 rollbacks', async () => {
    await f.deploy('zd', 'stag', await tinyApp({ text: 'r0' }));
    const agent = new Agent({ connections: 4, keepAliveTimeout: 30_000, pipelining: 1 });
    let running = true;
    let ok = 0;
    const failures: string[] = [];
    const seen = new Set<string>();
    const client = async () => {
      while (running) {
        try {
          const res = await request(`${f.t.url}/t/zd/`, { dispatcher: agent });
          const text = await res.body.text();
          if (res.statusCode === 200 && /^r\d+ v\d+$/.test(text)) {
            ok++;
            seen.add(text);
          } else failures.push(`${res.statusCode} ${text.slice(0, 100)}`);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    };
    const clients = [client(), client(), client(), client()];
    try {
      for (let i = 1; i <= 10; i++) await f.deploy('zd', 'stag', await tinyApp({ text: `r${i}` }));
      for (let i = 0; i < 5; i++) {
        const res = await f.api('POST', '/api/v1/apps/zd/envs/stag/rollback', { version: 7 + i });
        expect(res.status).toBe(202);
        expect((await f.waitDeploy(res.body.deploy.id)).status).toBe('succeeded');
      }
    } finally {
      running = false;
      await Promise.all(clients);
      await agent.close();
    }
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(100);
    // Traffic moved through the releases: the last one serves r10 (v11's artifact) as v16; rollbacks stay within the kept releases.
    expect(seen.has('r10 v11')).toBe(true);
    expect((await f.get('/t/zd/')).text).toBe('r10 v16');
  }, 180_000);
});
