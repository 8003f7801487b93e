// The gateway's limits on client connections, with raw sockets against a real gateway server
// (startGatewayWorker, what each gateway worker runs): connections whose request headers never
// finish (nothing sent, half a request, headers dripped a line at a time) are closed after the header
// timeout; one address holds at most N connections, others are not affected, and a trusted proxy is
// not capped.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type GatewayWorker, startGatewayWorker } from '../../src/gateway/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { route, send, startUpstream, type TestUpstream, tableOf, waitFor } from './support.ts';

interface RawClient {
  socket: net.Socket;
  received: () => string;
  closedAt: () => number | undefined;
}

function connect(port: number, localAddress = '127.0.0.1'): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    let received = '';
    let closedAt: number | undefined;
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closedAt = Date.now();
    });
    socket.once('connect', () => resolve({ socket, received: () => received, closedAt: () => closedAt }));
    socket.once('error', reject);
  });
}

describe('gateway connection limits', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function gateway(
    limits: { headersTimeoutMs: number; maxConnectionsPerAddress: number },
    trustProxy: string[] | false = false,
  ): Promise<{ worker: GatewayWorker; app: TestUpstream }> {
    const app = await startUpstream('app');
    const worker = await startGatewayWorker({
      logger: silentLogger(),
      port: 0,
      host: '127.0.0.1',
      channel: null,
      limits,
      gateway: { trustProxy },
      table: tableOf({ routes: [route('shop', 'prod', [app])] }),
    });
    cleanup.push(
      () => app.close(),
      async () => {
        worker.server.closeAllConnections();
        await worker.close();
      },
    );
    return { worker, app };
  }

  it('closes connections whose headers do not arrive within the header timeout', async () => {
    const { worker } = await gateway({ headersTimeoutMs: 1_000, maxConnectionsPerAddress: 0 });
    const start = Date.now();
    const silent = await connect(worker.port);
    const partial = await connect(worker.port);
    partial.socket.write('GET /o/shop/ HTTP/1.1\r\nHost: x\r\n');
    const drip = await connect(worker.port);
    drip.socket.write('GET /o/shop/ HTTP/1.1\r\n');
    const dripping = setInterval(() => {
      if (drip.socket.writable) drip.socket.write('X-Slow: 1\r\n');
    }, 200);
    cleanup.push(() => clearInterval(dripping));
    const clients = [silent, partial, drip];
    try {
      await waitFor(() => clients.every((c) => c.closedAt() !== undefined), 10_000);
    } finally {
      clearInterval(dripping);
    }
    for (const c of clients) {
      // Not before the timeout, and soon after it.
      expect(c.closedAt()! - start).toBeGreaterThanOrEqual(900);
    }
    expect(partial.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(drip.received()).toMatch(/^HTTP\/1\.1 408 /);
    // A request that completes in time is served as usual.
    expect((await send(worker.port, '/o/shop/', { agent: false })).status).toBe(200);
  });

  it('caps the open connections of one address, and only of that address', async () => {
    const { worker } = await gateway({ headersTimeoutMs: 30_000, maxConnectionsPerAddress: 3 });
    const held = await Promise.all([1, 2, 3].map(() => connect(worker.port, '127.0.0.2')));
    cleanup.push(() => {
      for (const c of held) c.socket.destroy();
    });
    const refused = await connect(worker.port, '127.0.0.2');
    await waitFor(() => refused.closedAt() !== undefined);
    expect(refused.received()).toBe('');
    for (const c of held) expect(c.closedAt()).toBeUndefined();

    // Another address is served meanwhile.
    const other = await connect(worker.port, '127.0.0.3');
    other.socket.write('GET /o/shop/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await waitFor(() => other.closedAt() !== undefined);
    expect(other.received()).toMatch(/^HTTP\/1\.1 200 /);

    // Once one of the three closes, the address may connect again.
    held[0]!.socket.destroy();
    await waitFor(() => held[0]!.closedAt() !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await connect(worker.port, '127.0.0.2');
    again.socket.write('GET /o/shop/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await waitFor(() => again.closedAt() !== undefined);
    expect(again.received()).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('does not cap a trusted proxy, which carries many clients', async () => {
    const { worker } = await gateway({ headersTimeoutMs: 30_000, maxConnectionsPerAddress: 2 }, [
      '127.0.0.4',
    ]);
    const many = await Promise.all([1, 2, 3, 4, 5].map(() => connect(worker.port, '127.0.0.4')));
    cleanup.push(() => {
      for (const c of many) c.socket.destroy();
    });
    for (const c of many) c.socket.write('GET /o/shop/ HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => many.every((c) => c.received().startsWith('HTTP/1.1 200 ')));
  });
});
