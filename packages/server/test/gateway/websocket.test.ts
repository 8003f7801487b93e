import { createHash } from 'node:crypto';
import type http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestDoneInfo } from '../../src/gateway/index.ts';
import { route, startGateway, startUpstream, type TestUpstream, tableOf, waitFor } from './support.ts';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The upstream's side: the RFC 6455 handshake, then echo each (small, masked) text frame back. */
function acceptWebSocket(
  req: http.IncomingMessage,
  socket: Duplex,
  seen: Array<Record<string, unknown>>,
): void {
  const key = req.headers['sec-websocket-key'] ?? '';
  const accept = createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
  seen.push({ url: req.url, headers: req.headers });
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\nX-Request-Id: upstream-made-this-up\r\n\r\n`,
  );
  socket.on('data', (frame: Buffer) => {
    const length = frame[1]! & 0x7f;
    const mask = frame.subarray(2, 6);
    const payload = Buffer.from(frame.subarray(6, 6 + length).map((b, i) => b ^ mask[i % 4]!));
    socket.write(Buffer.concat([Buffer.from([0x81, payload.length]), payload]));
  });
  socket.on('end', () => socket.end());
  socket.on('error', () => {});
}

function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  return Buffer.concat([
    Buffer.from([0x81, 0x80 | payload.length]),
    mask,
    Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!)),
  ]);
}

/** Opens a raw connection, sends an Upgrade request, returns the response head and the socket. */
async function upgrade(
  port: number,
  path: string,
): Promise<{ head: string; socket: net.Socket; rest: Buffer }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  let buffered = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      resolve({ head: buffered.subarray(0, end).toString(), socket, rest: buffered.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

function nextData(socket: net.Socket, already: Buffer): Promise<Buffer> {
  if (already.length > 0) return Promise.resolve(already);
  return new Promise((resolve) => socket.once('data', resolve));
}

describe('gateway WebSocket tunnel', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  /** An upstream that accepts WebSockets; `sockets` are its ends of the tunnels. */
  async function wsUpstream(
    name: string,
    seen: Array<Record<string, unknown>>,
  ): Promise<TestUpstream & { sockets: Set<Duplex> }> {
    const u = await startUpstream(name);
    const sockets = new Set<Duplex>();
    u.server.on('upgrade', (req, socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      acceptWebSocket(req, socket, seen);
    });
    cleanup.push(() => {
      for (const socket of sockets) socket.destroy();
      return u.close();
    });
    return { ...u, sockets };
  }

  it('echoes a frame through the gateway with the prefix stripped and a request id', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const a = await wsUpstream('a', seen);
    const done: RequestDoneInfo[] = [];
    const g = await startGateway({ onRequestDone: (info) => done.push(info) });
    cleanup.push(() => g.close());
    g.gateway.applyTable(tableOf({ routes: [route('chat', 'prod', [a])] }));

    const { head, socket, rest } = await upgrade(g.port, '/o/chat/ws?room=1');
    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    const id = /\r\nx-request-id: ([^\r]+)/i.exec(head)?.[1];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(head).not.toContain('upstream-made-this-up');

    expect(seen[0]).toMatchObject({
      url: '/ws?room=1',
      headers: {
        upgrade: 'websocket',
        connection: 'upgrade',
        'x-forwarded-prefix': '/o/chat',
        'x-forwarded-for': '127.0.0.1',
        'x-request-id': id,
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });

    socket.write(maskedTextFrame('hello through berth'));
    const echoed = await nextData(socket, rest);
    expect(echoed[0]).toBe(0x81);
    expect(echoed.subarray(2).toString()).toBe('hello through berth');
    expect(g.gateway.upstreams.get('a')?.inFlight).toBe(1);

    socket.destroy();
    await waitFor(() => done.length === 1);
    await waitFor(() => a.sockets.size === 0);
    expect(done[0]).toMatchObject({ app: 'chat', env: 'prod', upstream: 'a', status: 101, requestId: id });
    expect(g.gateway.upstreams.get('a')?.inFlight).toBe(0);
  });

  it('closes the client side when the upstream goes away', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const a = await wsUpstream('a', seen);
    const g = await startGateway();
    cleanup.push(() => g.close());
    g.gateway.applyTable(tableOf({ routes: [route('chat', 'prod', [a])] }));
    const { socket } = await upgrade(g.port, '/o/chat/');
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await waitFor(() => a.sockets.size === 1);
    for (const s of a.sockets) s.destroy();
    await closed;
    await waitFor(() => g.gateway.upstreams.get('a')?.inFlight === 0);
  });

  it('answers Upgrade requests for unknown apps and dead instances with gateway errors', async () => {
    const g = await startGateway();
    cleanup.push(() => g.close());
    const dead = net.createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    g.gateway.applyTable(
      tableOf({
        routes: [{ app: 'chat', env: 'prod', upstreams: [{ id: 'd', host: '127.0.0.1', port }] }],
      }),
    );

    const missing = await upgrade(g.port, '/o/nope/ws');
    expect(missing.head).toMatch(/^HTTP\/1\.1 404 /);
    expect(missing.rest.toString()).toContain('GATEWAY_NO_ROUTE');
    const refused = await upgrade(g.port, '/o/chat/ws');
    expect(refused.head).toMatch(/^HTTP\/1\.1 502 /);
    expect(g.gateway.upstreams.get('d')?.up).toBe(false);
    const none = await upgrade(g.port, '/o/chat/ws');
    expect(none.head).toMatch(/^HTTP\/1\.1 503 /);
    for (const r of [missing, refused, none]) r.socket.destroy();
  });
});
