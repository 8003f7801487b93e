// Attacks on the gateway's shutdown (gateway-server.ts closeServer): an app that never answers and a
// visitor that sends its request one byte at a time and never finishes must not keep berthd (or a
// gateway worker) from stopping. closeServer resolves within the grace, and both connections are cut.
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listenServer } from '../../src/gateway/gateway-server.ts';

describe('closing the gateway against hostile clients', () => {
  const sockets: net.Socket[] = [];
  afterEach(() => {
    for (const s of sockets) s.destroy();
  });

  it('cuts off a request the app never answers and a request that never finishes arriving', async () => {
    let hung = 0;
    const server = http.createServer(() => {
      hung += 1; // the app holds every answer forever
    });
    await listenServer(server, 0, '127.0.0.1');
    const { port } = server.address() as net.AddressInfo;
    const closed = (s: net.Socket) => new Promise<void>((resolve) => s.once('close', () => resolve()));

    // 1. A complete request the "app" never answers.
    // The gateway cutting them is the point: their resets (ECONNRESET, EPIPE) are expected, not errors.
    const expectCut = (s: net.Socket) => s.on('error', () => {});
    const waiting = expectCut(net.connect(port, '127.0.0.1'));
    sockets.push(waiting);
    waiting.write('GET /o/hostile/ HTTP/1.1\r\nHost: x\r\n\r\n');
    // 2. Slowloris: headers dripped, never ended.
    const dripping = expectCut(net.connect(port, '127.0.0.1'));
    sockets.push(dripping);
    dripping.write('GET /o/hostile/ HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => dripping.write('X-Slow: 1\r\n'), 200);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (hung === 1) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });

    const bothClosed = Promise.all([closed(waiting), closed(dripping)]);
    const started = Date.now();
    try {
      await closeServer(server);
    } finally {
      clearInterval(drip);
    }
    await bothClosed;
    // Resolved by the grace cut-off, not by a client giving up (neither ever does).
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(server.listening).toBe(false);
  }, 40_000);
});
