// The control plane's health checks (health-monitor.ts): instances go down after `fall` failed
// checks and come back after `rise` passing ones, listeners hear each change, the table marks the
// failed instances `down` and the gateway then sends them nothing. Passive detection stays in the
// gateway: a refused connection skips an instance briefly, then it is tried again.
import http from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildGatewayTable } from '../../src/engine/gateway-table.ts';
import { createHealthMonitor, type GatewayTable, type HealthMonitor } from '../../src/gateway/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { route, send, startGateway, startUpstream, type TestUpstream, tableOf, waitFor } from './support.ts';

/** An instance whose /healthz answers `health.status` (or never, when `health.hang`). */
async function checkedUpstream(name: string) {
  const health = { status: 200, hang: false, checks: 0 };
  const u = await startUpstream(name, (req, res) => {
    if (req.url === '/healthz') {
      health.checks++;
      if (health.hang) return;
      res.writeHead(health.status);
      res.end();
      return;
    }
    res.writeHead(200, { 'x-upstream': name });
    res.end(name);
  });
  return { u, health };
}

function checkedTable(upstreams: TestUpstream[], healthCheck = {}, down?: Set<string>): GatewayTable {
  return buildGatewayTable({
    envs: [{ ...route('shop', 'prod', upstreams), healthCheck: { path: '/healthz', ...healthCheck } }],
    ...(down === undefined ? {} : { down }),
  });
}

describe('control-plane health checks', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  function monitorOf(table: GatewayTable, defaults = {}): HealthMonitor {
    // A long interval: the test steps the checks itself with checkNow().
    const monitor = createHealthMonitor({
      logger: silentLogger(),
      defaults: { intervalMs: 60_000, timeoutMs: 300, rise: 2, fall: 2, ...defaults },
    });
    monitor.sync(table);
    cleanup.push(() => monitor.stop());
    return monitor;
  }

  it('takes an instance out after `fall` failures and back after `rise` successes, telling listeners', async () => {
    const { u, health } = await checkedUpstream('a');
    cleanup.push(() => u.close());
    const monitor = monitorOf(checkedTable([u]));
    const changes: Array<[string, boolean]> = [];
    monitor.onChange((id, up) => changes.push([id, up]));

    expect(monitor.isUp('a')).toBe(true); // not checked yet: up
    await monitor.checkNow();
    expect(monitor.isUp('a')).toBe(true);
    health.status = 503;
    await monitor.checkNow();
    expect(monitor.isUp('a')).toBe(true); // one failure is not enough
    await monitor.checkNow();
    expect(monitor.isUp('a')).toBe(false);
    expect(monitor.down()).toEqual(new Set(['a']));

    health.status = 200;
    await monitor.checkNow();
    expect(monitor.isUp('a')).toBe(false); // one success is not enough
    await monitor.checkNow();
    expect(monitor.isUp('a')).toBe(true);
    expect(health.checks).toBe(5);
    expect(changes).toEqual([
      ['a', false],
      ['a', true],
    ]);
    // Instances it does not check are up.
    expect(monitor.isUp('unknown')).toBe(true);
  });

  it('counts a check that times out, and honours expectStatus', async () => {
    const { u, health } = await checkedUpstream('a');
    cleanup.push(() => u.close());
    const monitor = monitorOf(checkedTable([u], { expectStatus: 204, fall: 1 }));
    health.status = 200; // not the expected 204
    await monitor.checkNow();
    expect(monitor.isUp('a')).toBe(false);

    health.status = 204;
    await monitor.checkNow();
    await monitor.checkNow();
    expect(monitor.isUp('a')).toBe(true);

    health.hang = true;
    await monitor.checkNow();
    expect(monitor.isUp('a')).toBe(false);
  });

  it('marks down instances in the table, and the gateway sends them nothing', async () => {
    const a = await checkedUpstream('a');
    const b = await checkedUpstream('b');
    cleanup.push(() => a.u.close());
    cleanup.push(() => b.u.close());
    const g = await startGateway();
    cleanup.push(() => g.close());
    const monitor = monitorOf(checkedTable([a.u, b.u]), { fall: 1 });
    // What the control plane does on a change (route-tables.ts): the next table marks it down.
    monitor.onChange(() => g.gateway.applyTable(checkedTable([a.u, b.u], {}, monitor.down())));
    g.gateway.applyTable(checkedTable([a.u, b.u]));

    a.health.status = 500;
    await monitor.checkNow();
    expect(monitor.down()).toEqual(new Set(['a']));
    const route = g.gateway.table.routes.find((r) => r.id === 'o/shop')!;
    expect(route.target.kind === 'proxy' && route.target.upstreams.map((x) => x.down === true)).toEqual([
      true,
      false,
    ]);
    for (let i = 0; i < 6; i++) expect((await send(g.port, '/o/shop/')).body.toString()).toBe('b');

    a.health.status = 200;
    await monitor.checkNow();
    await monitor.checkNow();
    const served = new Set<string>();
    for (let i = 0; i < 4; i++) served.add((await send(g.port, '/o/shop/')).body.toString());
    expect(served).toEqual(new Set(['a', 'b']));
  });

  it('tries again an instance that passive detection took out, once it answers again', async () => {
    const { u } = await checkedUpstream('a');
    const b = await checkedUpstream('b');
    cleanup.push(() => b.u.close());
    const port = u.port;
    const g = await startGateway({ passiveRetryMs: 200 });
    cleanup.push(() => g.close());
    g.gateway.applyTable(tableOf({ routes: [route('shop', 'prod', [u, b.u])] }));

    // The instance goes away: the next request to it is refused, retried on b, and a is skipped.
    await u.close();
    for (let i = 0; i < 2; i++) expect((await send(g.port, '/o/shop/')).body.toString()).toBe('b');

    // It comes back on the same port: after the retry delay it is in rotation again.
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'x-upstream': 'a' });
      res.end('a');
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    await waitFor(() => g.gateway.upstreams.get('a')!.up);
    const served = new Set<string>();
    for (let i = 0; i < 4; i++) served.add((await send(g.port, '/o/shop/')).body.toString());
    expect(served).toEqual(new Set(['a', 'b']));
  });

  it('brings back up, and tells listeners, an instance that was down and now listens elsewhere', async () => {
    // A container removed from outside is made again on another port under the same instance id:
    // the table applied while it was down marks it down, and only a change makes the next one.
    const old = await checkedUpstream('a');
    cleanup.push(() => old.u.close());
    const monitor = monitorOf(checkedTable([old.u]));
    const changes: Array<[string, boolean]> = [];
    monitor.onChange((id, up) => changes.push([id, up]));
    old.health.status = 503;
    await monitor.checkNow();
    await monitor.checkNow();
    expect(monitor.down()).toEqual(new Set(['a']));

    const moved = await checkedUpstream('a');
    cleanup.push(() => moved.u.close());
    expect(moved.u.spec().port).not.toBe(old.u.spec().port);
    monitor.sync(checkedTable([moved.u], {}, monitor.down()));
    expect(monitor.isUp('a')).toBe(true);
    expect(changes).toEqual([
      ['a', false],
      ['a', true],
    ]);
    // The same address again changes nothing.
    monitor.sync(checkedTable([moved.u]));
    expect(changes).toHaveLength(2);
  });

  it('stops checking instances that leave the table, and stops altogether', async () => {
    const a = await checkedUpstream('a');
    const b = await checkedUpstream('b');
    cleanup.push(() => a.u.close());
    cleanup.push(() => b.u.close());
    const monitor = createHealthMonitor({
      logger: silentLogger(),
      defaults: { path: '/healthz', intervalMs: 30, timeoutMs: 300 },
    });
    cleanup.push(() => monitor.stop());
    monitor.sync(tableOf({ routes: [route('shop', 'prod', [a.u, b.u])] }));
    await waitFor(() => a.health.checks > 2 && b.health.checks > 2);

    monitor.sync(tableOf({ routes: [route('shop', 'prod', [b.u])] }));
    const aChecks = a.health.checks;
    const bChecks = b.health.checks;
    await waitFor(() => b.health.checks > bChecks + 3);
    // At most the check already on its way to `a` when it left the table arrives after it left.
    expect(a.health.checks).toBeLessThanOrEqual(aChecks + 1);

    await monitor.stop();
    const after = b.health.checks;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(b.health.checks).toBeLessThanOrEqual(after + 1); // at most the one already under way
  });

  it('checks the health of 10,000 upstreams with one timer', async () => {
    const u = await startUpstream('a');
    cleanup.push(() => u.close());
    const ROUTES = 10_000;
    const big = (n: number) =>
      buildGatewayTable({
        envs: Array.from({ length: n }, (_, i) => ({
          app: `pool${i}`,
          env: 'prod' as const,
          upstreams: [u.spec(`pool-i${i}`)],
        })),
      });
    // A long interval: the first checks are spread over it; the few that run find `a` healthy.
    const monitor = createHealthMonitor({
      logger: silentLogger(),
      defaults: { intervalMs: 3_600_000, timeoutMs: 1_000 },
    });
    cleanup.push(() => monitor.stop());
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    try {
      monitor.sync(big(ROUTES));
      expect(setTimeoutSpy.mock.calls.length + setIntervalSpy.mock.calls.length).toBeLessThanOrEqual(1);
    } finally {
      setTimeoutSpy.mockRestore();
      setIntervalSpy.mockRestore();
    }
    expect(monitor.size()).toBe(ROUTES);

    // A smaller table drops the rest.
    monitor.sync(big(10));
    expect(monitor.size()).toBe(10);
    const seen = u.seen.length;
    await monitor.checkNow();
    expect(u.seen.length - seen).toBeGreaterThanOrEqual(10);
    expect(u.seen.at(-1)?.headers['user-agent']).toBe('berth-health-check');
    expect(monitor.down().size).toBe(0);
  });
});
