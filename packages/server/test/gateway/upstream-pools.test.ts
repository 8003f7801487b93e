// Per-route costs of a big table: applying routes makes no connection pools (an upstream gets one
// on its first request and loses it after `idleMs` without requests). (The active health checks of
// every upstream sharing one timer: health-monitor.test.ts.)
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayTable } from '../../src/gateway/index.ts';
import {
  route,
  send,
  startGateway,
  startUpstream,
  type TestGateway,
  type TestUpstream,
  tableOf,
  waitFor,
} from './support.ts';

const ROUTES = 10_000;

/** `pool0` … `pool{n-1}`, each with its own instance id, all served by one upstream. */
function bigTable(upstream: TestUpstream, routes = ROUTES): GatewayTable {
  return tableOf({
    routes: Array.from({ length: routes }, (_, i) => ({
      app: `pool${i}`,
      env: 'prod' as const,
      upstreams: [upstream.spec(`pool-i${i}`)],
    })),
  });
}

describe('gateway upstream pools', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function upstream(name: string): Promise<TestUpstream> {
    const u = await startUpstream(name);
    cleanup.push(() => u.close());
    return u;
  }
  async function gateway(options: Parameters<typeof startGateway>[0] = {}): Promise<TestGateway> {
    const g = await startGateway(options);
    cleanup.push(() => g.close());
    return g;
  }

  it('applies 10,000 routes without a pool, opens one on first request and closes it when idle', async () => {
    const u = await upstream('a');
    const g = await gateway({ pool: { idleMs: 150 } });
    g.gateway.applyTable(bigTable(u));
    expect(g.gateway.upstreams.list()).toHaveLength(ROUTES);
    expect(g.gateway.upstreams.openPools()).toBe(0);

    const first = await send(g.port, '/o/pool1234/x');
    expect(first.status).toBe(200);
    expect(first.json()).toMatchObject({ upstream: 'a', url: '/x' });
    expect(g.gateway.upstreams.openPools()).toBe(1);
    expect(g.gateway.upstreams.get('pool-i1234')!.pool).not.toBeNull();
    expect(g.gateway.upstreams.get('pool-i1235')!.pool).toBeNull();

    // Idle for longer than idleMs: the pool goes; the upstream stays routed and up.
    await waitFor(() => g.gateway.upstreams.openPools() === 0);
    const idle = g.gateway.upstreams.get('pool-i1234')!;
    expect(idle.pool).toBeNull();
    expect(idle.up).toBe(true);

    // The next request makes a new pool.
    expect((await send(g.port, '/o/pool1234/y')).json()).toMatchObject({ upstream: 'a', url: '/y' });
    expect(g.gateway.upstreams.openPools()).toBe(1);
    await waitFor(() => g.gateway.upstreams.openPools() === 0);
  });

  it('keeps a pool open while requests keep coming, and closes it when its upstream leaves the table', async () => {
    const u = await upstream('a');
    const g = await gateway({ pool: { idleMs: 500 } });
    g.gateway.applyTable(tableOf({ routes: [route('shop', 'prod', [u])] }));
    const pool = () => g.gateway.upstreams.get('a')?.pool ?? null;

    expect((await send(g.port, '/o/shop/')).status).toBe(200);
    const opened = pool();
    expect(opened).not.toBeNull();
    // Requests spread over more than two idle periods reuse the same pool.
    const until = Date.now() + 1_200;
    while (Date.now() < until) {
      expect((await send(g.port, '/o/shop/')).status).toBe(200);
      expect(pool()).toBe(opened);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    g.gateway.applyTable(tableOf({ routes: [] }));
    expect(g.gateway.upstreams.openPools()).toBe(0);
  });
});
