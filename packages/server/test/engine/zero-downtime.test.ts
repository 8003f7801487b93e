// Zero downtime: 4 keep-alive clients request the app through the gateway without pause while it is
// deployed 10 times and rolled back 5 times. Not one request may fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../support/databases.ts';
import { type EngineFixture, type LoadResult, startEngineFixture, steadyLoad, tinyApp } from './support.ts';

describe.each(testDialects())('zero downtime on %s', (dialect) => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await startEngineFixture(dialect);
    await f.createApp('zd');
  }, 60_000);
  afterAll(async () => f?.stop(), 60_000);

  it('serves every request during 10 deploys and 5 rollbacks', async () => {
    await f.deploy('zd', 'stag', await tinyApp({ text: 'r0' }));
    const load = steadyLoad(`${f.t.appsUrl}/t/zd/`, /^r\d+ v\d+$/);
    let result: LoadResult;
    try {
      for (let i = 1; i <= 10; i++) await f.deploy('zd', 'stag', await tinyApp({ text: `r${i}` }));
      for (let i = 0; i < 5; i++) {
        const res = await f.api('POST', '/api/v1/apps/zd/envs/stag/rollback', { version: 7 + i });
        expect(res.status).toBe(202);
        expect((await f.waitDeploy(res.body.deploy.id)).status).toBe('succeeded');
      }
    } finally {
      result = await load.stop();
    }
    const { ok, failures, seen } = result;
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(100);
    // Traffic moved through the releases: the last one serves r10 (v11's artifact) as v16; rollbacks stay within the kept releases.
    expect(seen.has('r10 v11')).toBe(true);
    expect((await f.get('/t/zd/')).text).toBe('r10 v16');
  }, 180_000);
});
