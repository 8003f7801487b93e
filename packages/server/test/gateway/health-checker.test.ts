import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealthChecker, createRouteTable, createUpstreamRegistry } from '../../src/gateway/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { route, send, startGateway, startUpstream, type TestUpstream, waitFor } from './support.ts';

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

describe('gateway health checks', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  function registryWith(upstreams: TestUpstream[], healthCheck = {}) {
    const registry = createUpstreamRegistry({ logger: silentLogger() });
    const table = createRouteTable({
      routes: [{ ...route('shop', 'prod', upstreams), healthCheck: { path: '/healthz', ...healthCheck } }],
    });
    registry.sync(table.routes[0]!.upstreams);
    // A long interval: the test steps the checks itself with checkNow().
    const checker = createHealthChecker({
      registry,
      logger: silentLogger(),
      defaults: { intervalMs: 60_000, timeoutMs: 300, rise: 2, fall: 2 },
    });
    checker.sync(table);
    cleanup.push(async () => {
      await checker.stop();
      await registry.close();
    });
    return { registry, checker };
  }

  it('takes an instance out after `fall` failures and back after `rise` successes', async () => {
    const { u, health } = await checkedUpstream('a');
    cleanup.push(() => u.close());
    const { registry, checker } = registryWith([u]);
    const a = registry.get('a')!;

    await checker.checkNow();
    expect(a.up).toBe(true);
    health.status = 503;
    await checker.checkNow();
    expect(a.up).toBe(true); // one failure is not enough
    await checker.checkNow();
    expect(a.up).toBe(false);

    health.status = 200;
    await checker.checkNow();
    expect(a.up).toBe(false); // one success is not enough
    await checker.checkNow();
    expect(a.up).toBe(true);
    expect(health.checks).toBe(5);
  });

  it('counts a check that times out, and honours expectStatus', async () => {
    const { u, health } = await checkedUpstream('a');
    cleanup.push(() => u.close());
    const { registry, checker } = registryWith([u], { expectStatus: 204, fall: 1 });
    health.status = 200; // not the expected 204
    await checker.checkNow();
    expect(registry.get('a')!.up).toBe(false);

    health.status = 204;
    await checker.checkNow();
    await checker.checkNow();
    expect(registry.get('a')!.up).toBe(true);

    health.hang = true;
    await checker.checkNow();
    expect(registry.get('a')!.up).toBe(false);
  });

  it('brings back an instance that passive detection took out, once checks pass again', async () => {
    const { u, health } = await checkedUpstream('a');
    const b = await checkedUpstream('b');
    cleanup.push(() => b.u.close());
    const port = u.port;
    const g = await startGateway({
      healthChecks: { path: '/healthz', intervalMs: 100, timeoutMs: 300, rise: 2, fall: 3 },
    });
    cleanup.push(() => g.close());
    g.gateway.applyTable({ routes: [route('shop', 'prod', [u, b.u])] });

    // The instance goes away: the next request to it is refused, retried on b, and a is marked down.
    await u.close();
    for (let i = 0; i < 2; i++) expect((await send(g.port, '/o/shop/')).body.toString()).toBe('b');
    expect(g.gateway.upstreams.get('a')!.up).toBe(false);

    // It comes back on the same port: the active checks see it and put it back in rotation.
    const server = http.createServer((req, res) => {
      if (req.url === '/healthz') health.checks++;
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
    const checksBefore = health.checks;
    await waitFor(() => g.gateway.upstreams.get('a')!.up);
    expect(health.checks - checksBefore).toBeGreaterThanOrEqual(2);
    const served = new Set<string>();
    for (let i = 0; i < 4; i++) served.add((await send(g.port, '/o/shop/')).body.toString());
    expect(served).toEqual(new Set(['a', 'b']));
  });

  it('stops checking instances that leave the table, and stops altogether', async () => {
    const a = await checkedUpstream('a');
    const b = await checkedUpstream('b');
    cleanup.push(() => a.u.close());
    cleanup.push(() => b.u.close());
    const g = await startGateway({ healthChecks: { path: '/healthz', intervalMs: 30, timeoutMs: 300 } });
    cleanup.push(() => g.close());
    g.gateway.applyTable({ routes: [route('shop', 'prod', [a.u, b.u])] });
    await waitFor(() => a.health.checks > 2 && b.health.checks > 2);

    g.gateway.applyTable({ routes: [route('shop', 'prod', [b.u])] });
    const aChecks = a.health.checks;
    const bChecks = b.health.checks;
    await waitFor(() => b.health.checks > bChecks + 3);
    expect(a.health.checks).toBe(aChecks);

    await g.gateway.health!.stop();
    const after = b.health.checks;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(b.health.checks).toBeLessThanOrEqual(after + 1); // at most the one already under way
  });
});
