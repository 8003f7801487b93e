import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { routeTableMessage } from '../../src/gateway/index.ts';
import { send, startUpstream, type TestUpstream, tableOf, waitFor } from './support.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/cluster-gateway.ts', import.meta.url));

describe('multi-core gateway (node:cluster workers)', () => {
  let primary: ChildProcess | undefined;
  let upstream: TestUpstream | undefined;
  afterAll(async () => {
    primary?.kill();
    await upstream?.close();
  });

  function next(type: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      const onMessage = (message: Record<string, unknown>) => {
        if (message['type'] !== type) return;
        primary!.off('message', onMessage);
        resolve(message);
      };
      primary!.on('message', onMessage);
    });
  }

  it('serves on one port from every worker and applies tables sent over IPC', async () => {
    upstream = await startUpstream('a');
    primary = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await next('ready');
    const port = ready['port'] as number;

    // Before any table: every app is unknown.
    expect((await send(port, '/o/shop/', { agent: false })).status).toBe(404);

    const table = tableOf({ routes: [{ app: 'shop', env: 'prod' as const, upstreams: [upstream.spec()] }] });
    // What goes over IPC is plain data: it survives structured cloning unchanged.
    expect(structuredClone(routeTableMessage(table))).toEqual(routeTableMessage(table));
    primary.send({ type: 'table', table });

    // New connections are handed to the workers in turn; all of them must have the table.
    await waitFor(async () => (await send(port, '/o/shop/', { agent: false })).status === 200, 20_000);
    const replies = [];
    for (let i = 0; i < 20; i++) replies.push(await send(port, '/o/shop/x', { agent: false }));
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(replies[0]!.json().url).toBe('/x');

    primary.send({ type: 'count' });
    const counts = (await next('counts'))['counts'] as Record<string, number>;
    const perWorker = Object.values(counts);
    expect(perWorker).toHaveLength(2);
    for (const served of perWorker) expect(served).toBeGreaterThan(0);
  });
});
