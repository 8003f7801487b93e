// An app's placement reaches the runtime: every instance the engine starts carries the app's
// placement constraints in its spec (read here from the process runtime's state files, which keep
// each instance's spec), a change applies from the next restart, not to running instances; and
// GET /api/v1/nodes on a single-host runtime is this host, counting the instances it runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineFixture, nodeBerthYaml, startEngineFixture, tinyApp } from './support.ts';

const APP = 'placed';

describe('placement and nodes on the process runtime', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await startEngineFixture();
    await f.createApp(APP);
  }, 120_000);
  afterAll(async () => f?.stop(), 60_000);

  /** The specs the runtime keeps of the environment's running instances. */
  async function runningSpecs(): Promise<Array<{ id: string; placement?: string[] }>> {
    const res = await f.api('GET', `/api/v1/apps/${APP}/envs/stag/instances`);
    expect(res.status).toBe(200);
    const ids: string[] = res.body.instances.map((i: { id: string }) => i.id);
    expect(ids.length).toBeGreaterThan(0);
    const dir = path.join(f.t.dataDir, 'runtime', 'instances');
    return ids.map((id) => JSON.parse(fs.readFileSync(path.join(dir, `${id}.json`), 'utf8')).spec);
  }

  it('starts every instance with the app placement; a change waits for the next restart', async () => {
    const set = await f.api('PATCH', `/api/v1/apps/${APP}`, {
      placement: ['node.labels.zone == a', 'node.role==worker'],
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.app.placement).toEqual(['node.labels.zone==a', 'node.role==worker']);

    const yaml = nodeBerthYaml({ count: 2, healthPath: '/healthz', startTimeout: '20s' });
    await f.deploy(APP, 'stag', await tinyApp({ berthYaml: yaml }));
    const first = await runningSpecs();
    expect(first).toHaveLength(2);
    for (const spec of first)
      expect(spec.placement, spec.id).toEqual(['node.labels.zone==a', 'node.role==worker']);

    // Cleared: the running instances keep what they were started with…
    expect((await f.api('PATCH', `/api/v1/apps/${APP}`, { placement: [] })).body.app.placement).toEqual([]);
    expect((await runningSpecs()).map((s) => s.placement)).toEqual(first.map((s) => s.placement));
    // …until the environment restarts.
    const restart = await f.api('POST', `/api/v1/apps/${APP}/envs/stag/restart`);
    expect((await f.waitDeploy(restart.body.deploy.id)).status).toBe('succeeded');
    const after = await runningSpecs();
    expect(after.map((s) => s.id).filter((id) => first.some((s) => s.id === id))).toEqual([]);
    for (const spec of after) expect(spec).not.toHaveProperty('placement');
  }, 180_000);

  it('refuses a bad placement over HTTP with PLACEMENT_INVALID', async () => {
    const res = await f.api('PATCH', `/api/v1/apps/${APP}`, { placement: ['node.labels.zone=a'] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('PLACEMENT_INVALID');
    expect(res.body.error.message).toContain("'node.labels.zone=a'");
  });

  it('lists this host as the one node, with the instances the runtime runs', async () => {
    const res = await f.api('GET', '/api/v1/nodes');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.nodes).toEqual([
      {
        id: os.hostname(),
        hostname: os.hostname(),
        role: 'host',
        availability: 'active',
        state: 'ready',
        address: '127.0.0.1',
        labels: {},
        cpus: os.availableParallelism(),
        memoryBytes: os.totalmem(),
        instances: 2,
      },
    ]);
  });
});
