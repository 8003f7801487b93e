import { afterEach, describe, expect, it } from 'vitest';
import { route, send, sleep, startGateway, startUpstream, type TestUpstream, tableOf } from './support.ts';

describe('gateway route table swaps', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('serves every request while instances are replaced under a request loop', async () => {
    // Instances answer after a short delay, so that requests are in flight at every swap.
    const start = async (name: string) => {
      const u = await startUpstream(name, (req, res) => {
        req.resume();
        setTimeout(() => {
          res.writeHead(200, { 'x-upstream': name });
          res.end(name);
        }, 5);
      });
      cleanup.push(() => u.close());
      return u;
    };
    const generations: TestUpstream[] = [];
    for (let i = 0; i < 4; i++) generations.push(await start(`gen${i}`));
    const g = await startGateway();
    cleanup.push(() => g.close());
    g.gateway.applyTable(tableOf({ routes: [route('shop', 'prod', [generations[0]!])] }));

    let running = true;
    const statuses = new Map<number, number>();
    const servedBy = new Map<string, number>();
    // Half the loops POST, which the gateway never retries: a request cut by a swap would show.
    const loop = async (_: unknown, n: number) => {
      while (running) {
        try {
          const res =
            n % 2 === 0
              ? await send(g.port, '/o/shop/')
              : await send(g.port, '/o/shop/orders', { method: 'POST', body: '{"n":1}' });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const name = res.body.toString();
          servedBy.set(name, (servedBy.get(name) ?? 0) + 1);
        } catch {
          statuses.set(-1, (statuses.get(-1) ?? 0) + 1);
        }
      }
    };
    const loops = Array.from({ length: 8 }, loop);

    // Each deploy: add the new instance next to the old one, then take the old one out, let what it
    // is serving finish (the drain grace period), and stop it for good.
    for (let i = 1; i < generations.length; i++) {
      await sleep(150);
      g.gateway.applyTable(
        tableOf({ routes: [route('shop', 'prod', [generations[i - 1]!, generations[i]!])] }),
      );
      await sleep(150);
      g.gateway.applyTable(
        tableOf({
          routes: [route('shop', 'prod', [generations[i]!]), route('other', 'stag', [generations[i]!])],
        }),
      );
      await sleep(100);
      await generations[i - 1]!.close();
    }
    await sleep(150);
    running = false;
    await Promise.all(loops);

    expect(Object.fromEntries(statuses)).toEqual({ 200: expect.any(Number) });
    expect(statuses.get(200)).toBeGreaterThan(100);
    for (const u of generations) expect(servedBy.get(u.name), u.name).toBeGreaterThan(0);
    // Retired upstreams left the registry; only the last generation is live.
    expect(g.gateway.upstreams.list().map((u) => u.id)).toEqual(['gen3']);
    expect(g.gateway.metrics.routes.get('shop/prod')?.requests).toBe(statuses.get(200));
  });
});
