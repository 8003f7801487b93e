// Per-route costs of a big table: applying routes makes no connection pools (an upstream gets one
// on its first request and loses it after `idleMs` without requests), and the active health checks
// of every upstream share one timer.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RouteTableInput } from '../../src/gateway/index.ts';
import {
  route,
  send,
  startGateway,
  startUpstream,
  type TestGateway,
  type TestUpstream,
  waitFor,
} from './support.ts';

const ROUTES = 10_000;

/** `pool0` … `pool{n-1}`, each with its own instance id, all served by one upstream. */
function bigTable(upstream: TestUpstream, routes = ROUTES): RouteTableInput {
  return {
    routes: Array.from({ length: routes }, (_, i) => ({
      app: `pool${i}`,
      env: 'prod' as const,
      upstreams: [upstream.spec(`pool-i${i}`)],
    })),
  };
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
    g.gateway.applyTable({ routes: [route('shop', 'prod', [u])] });
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

    g.gateway.applyTable({ routes: [] });
    expect(g.gateway.upstreams.openPools()).toBe(0);
  });

  it('checks the health of 10,000 upstreams with one timer and no pools', async () => {
    const u = await upstream('a');
    // A long interval: the first checks are spread over it; the few that run find `a` healthy.
    const g = await gateway({ healthChecks: { intervalMs: 3_600_000, timeoutMs: 1_000 } });
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    try {
      g.gateway.applyTable(bigTable(u));
      expect(setTimeoutSpy.mock.calls.length + setIntervalSpy.mock.calls.length).toBeLessThanOrEqual(1);
    } finally {
      setTimeoutSpy.mockRestore();
      setIntervalSpy.mockRestore();
    }
    expect(g.gateway.health!.size()).toBe(ROUTES);
    expect(g.gateway.upstreams.openPools()).toBe(0);

    // A smaller table drops the rest; their checks still run, over no pool.
    g.gateway.applyTable(bigTable(u, 10));
    expect(g.gateway.health!.size()).toBe(10);
    const seen = u.seen.length;
    await g.gateway.health!.checkNow();
    expect(u.seen.length - seen).toBeGreaterThanOrEqual(10);
    expect(u.seen.at(-1)?.headers['user-agent']).toBe('berth-health-check');
    expect(g.gateway.upstreams.list().every((x) => x.up)).toBe(true);
    expect(g.gateway.upstreams.openPools()).toBe(0);
  });
});
