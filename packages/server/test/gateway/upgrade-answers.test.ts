// Upgrade requests that the upstream does not switch: an app without WebSocket support answers them
// like any request (200, connection kept alive). The gateway relays that answer and closes the
// connection; nothing the client sent after its Upgrade request reaches the app (no smuggled request
// with forged forwarding headers). A real 101, after an informational answer, still opens the tunnel.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ChunkedBodyError, ChunkedEnd } from '../../src/gateway/chunked-end.ts';
import {
  gatewayWithApp,
  route,
  startGateway,
  startUpstream,
  tableOf,
  type UpstreamHandler,
  waitFor,
} from './support.ts';

const UPGRADE = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: gw\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const SMUGGLED =
  'GET /o/web/smuggled HTTP/1.1\r\nHost: gw\r\nX-Forwarded-For: 6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\n\r\n';

/** Sends `first`, then `second` either in the same write or once the first answer arrived; returns
 *  everything received until the gateway closes the connection. */
async function exchange(port: number, first: string, second: string, together: boolean): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let received = '';
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  if (together) socket.write(first + second);
  else {
    socket.write(first);
    await waitFor(() => received.includes('\r\n\r\n'));
    socket.write(second);
  }
  await closed;
  return received;
}

describe('Upgrade requests answered without a 101', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function plainApp(handler?: UpstreamHandler) {
    // No 'upgrade' listener: Node answers Upgrade requests as ordinary ones and keeps the connection.
    const { g, a } = await gatewayWithApp(
      cleanup,
      'web',
      handler ??
        ((req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`url=${req.url} xff=${req.headers['x-forwarded-for']}`);
        }),
    );
    return { app: a, g };
  }

  for (const together of [true, false]) {
    it(`relays the answer and closes: a request sent after it ${together ? 'in the same packet' : 'later'} never reaches the app`, async () => {
      const { app, g } = await plainApp();
      const received = await exchange(g.port, UPGRADE('/o/web/first'), SMUGGLED, together);
      expect(received).toMatch(/^HTTP\/1\.1 200 /);
      expect(received).toMatch(/\r\nconnection: close\r\n/i);
      expect(received).toContain('url=/first xff=127.0.0.1');
      expect(received).not.toContain('smuggled');
      expect(received.match(/HTTP\/1\.1 /g)).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(app.seen.map((s) => s.url)).toEqual(['/first']);
      expect(JSON.stringify(app.seen)).not.toContain('6.6.6.6');
    });
  }

  it('relays a chunked answer whole, up to the end the app marks by closing', async () => {
    const { g } = await plainApp((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.write('upgrade ');
      setTimeout(() => res.end('required'), 50);
    });
    const received = await exchange(g.port, UPGRADE('/o/web/ws'), '', true);
    expect(received).toMatch(/^HTTP\/1\.1 426 /);
    const body = received.slice(received.indexOf('\r\n\r\n') + 4);
    expect(body).toContain('upgrade ');
    expect(body).toContain('required');
  });

  it('still opens the tunnel on a 101 that follows an informational answer', async () => {
    const app = await startUpstream('ws');
    const upgraded = new Set<net.Socket>();
    app.server.on('upgrade', (_req, socket: net.Socket) => {
      upgraded.add(socket);
      socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n');
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (chunk: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), chunk])));
      socket.on('error', () => {});
    });
    const g = await startGateway();
    cleanup.push(
      () => app.close(),
      () => {
        for (const s of upgraded) s.destroy();
      },
      () => g.close(),
    );
    g.gateway.applyTable(tableOf({ routes: [route('ws', 'prod', [app])] }));
    const socket = net.connect(g.port, '127.0.0.1');
    cleanup.push(() => {
      socket.destroy();
    });
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    // Bytes sent right behind the request wait for the 101, then reach the app first.
    socket.write(`${UPGRADE('/o/ws/')}early`);
    await waitFor(() => received.includes('echo:early'));
    expect(received).toMatch(/^HTTP\/1\.1 101 /);
    expect(received).not.toContain('103');
    socket.write('later');
    await waitFor(() => received.includes('echo:later'));
  });
});

describe('ChunkedEnd', () => {
  const body = '5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n';

  it('finds the end of a chunked body however it is split, and nothing past it', () => {
    const bytes = Buffer.from(`${body}GET /next HTTP/1.1\r\n`);
    for (let split = 1; split < bytes.length; split++) {
      const end = new ChunkedEnd();
      const first = end.feed(bytes.subarray(0, split));
      const at = first >= 0 ? first : split + end.feed(bytes.subarray(split));
      expect(at, `split at ${split}`).toBe(body.length);
    }
    expect(new ChunkedEnd().feed(Buffer.from('3\nabc\n0\n\nrest'))).toBe('3\nabc\n0\n\n'.length);
    expect(new ChunkedEnd().feed(Buffer.from('5\r\nhel'))).toBe(-1);
  });

  it('refuses malformed bodies', () => {
    for (const bad of ['zz\r\n', '3\r\nabcX\r\n', `${'1'.repeat(9000)}\r\n`]) {
      expect(() => new ChunkedEnd().feed(Buffer.from(bad)), bad.slice(0, 20)).toThrow(ChunkedBodyError);
    }
  });
});
