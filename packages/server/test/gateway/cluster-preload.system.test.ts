// A gateway cluster forked ahead of `start` (`preload`, what berthd does so that its workers load
// their code while berthd itself starts): the workers wait, listen only once started, serve the table
// current at that moment (its platform route forwards the rest to the API); a preloaded cluster
// closed without a start leaves no worker behind.
import cluster from 'node:cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayTable } from '../../src/gateway/index.ts';
import { createGatewayCluster } from '../../src/gateway/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { route, send, startUpstream, type TestUpstream, tableOf, waitFor } from './support.ts';

const WORKER = { logLevel: 'silent', accessLog: false, trustProxy: false } as const;

/** A cluster of two silent workers on a free loopback port, not yet preloaded. */
function twoWorkers(currentTable: () => { table: GatewayTable; seq: number }) {
  return createGatewayCluster({
    logger: silentLogger(),
    workers: 2,
    port: 0,
    host: '127.0.0.1',
    worker: WORKER,
    currentTable,
  });
}

function liveWorkers(): number {
  return Object.keys(cluster.workers ?? {}).length;
}

describe('a preloaded gateway cluster', () => {
  let app: TestUpstream;
  let api: TestUpstream;
  beforeAll(async () => {
    app = await startUpstream('preload-app');
    api = await startUpstream('preload-api');
  });
  afterAll(async () => {
    await app?.close();
    await api?.close();
  });

  it('waits for start, then serves the table current at start and forwards the rest to the API', async () => {
    let table: GatewayTable = tableOf({ routes: [] });
    const workers = twoWorkers(() => ({ table, seq: 1 }));
    let hellos = 0;
    const onMessage = (_worker: unknown, message: { type?: string }) => {
      if (message?.type === 'berth:gateway:hello') hellos++;
    };
    cluster.on('message', onMessage);
    try {
      workers.preload();
      // Both workers loaded their code and wait: nobody serves before `start`.
      await waitFor(() => hellos === 2, 60_000);
      expect(workers.pids()).toEqual([]);
      const platform = { host: '127.0.0.1', port: api.port };
      table = tableOf({ routes: [route('preloadapp', 'prod', [app])], platform });
      await workers.start();
      expect(workers.serving().map((w) => w.seq)).toEqual([1, 1]);
      expect(workers.pids()).toHaveLength(2);
      expect(workers.port).toBeGreaterThan(0);

      const toApp = await send(workers.port, '/o/preloadapp/hello', { agent: false });
      expect(toApp.status).toBe(200);
      expect(toApp.json()).toMatchObject({ upstream: 'preload-app', url: '/hello' });
      const toApi = await send(workers.port, '/healthz', { agent: false });
      expect(toApi.status).toBe(200);
      expect(toApi.json()).toMatchObject({ upstream: 'preload-api', url: '/healthz' });
    } finally {
      cluster.off('message', onMessage);
      await workers.close();
    }
    await waitFor(() => liveWorkers() === 0, 30_000);
  }, 120_000);

  it('closed without a start, leaves no worker behind', async () => {
    const workers = twoWorkers(() => ({ table: tableOf({ routes: [] }), seq: 1 }));
    workers.preload();
    expect(liveWorkers()).toBe(2);
    await workers.close();
    await waitFor(() => liveWorkers() === 0, 30_000);
    await expect(workers.start()).rejects.toThrow(/closed/);
  }, 120_000);
});
