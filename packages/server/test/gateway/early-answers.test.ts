// An upstream that answers before it has read the request body (413 from a body limit) and closes:
// the client gets that answer through the gateway, not a 502, even though the gateway's next write
// of body bytes fails. An upstream that drops the connection without answering still gets a 502.
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { gatewayWithApp, type UpstreamHandler } from './support.ts';

/** POSTs `size` bytes (streamed, as a browser upload would be) and reads the answer. */
function upload(
  port: number,
  size: number,
  agent: http.Agent | false = false,
): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/o/shop/upload',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', (err) => resolve({ error: String(err) }));
      },
    );
    req.on('error', (err) => resolve({ error: String(err) }));
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
        sent += part.length;
        if (!req.write(part)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

describe('early answers of an upstream', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  const setUp = (handler: UpstreamHandler) => gatewayWithApp(cleanup, 'shop', handler);

  it('relays a 413 sent before the body was read, when the upstream then resets the connection', async () => {
    const { g } = await setUp((_req, res) => {
      // What a body limit does: answer at once, close, with the body unread (so the kernel resets).
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      res.end('{"error":{"code":"PAYLOAD_TOO_LARGE"}}', () => res.socket?.destroy());
    });
    for (let i = 0; i < 5; i++) {
      const answer = await upload(g.port, 4 * 1024 * 1024);
      expect(answer).toEqual({ status: 413, body: '{"error":{"code":"PAYLOAD_TOO_LARGE"}}' });
    }
  });

  it('reads and drops the rest of the body, so that a kept-alive connection carries the next request', async () => {
    const { g, a } = await setUp((req, res) => {
      if (req.url === '/next') {
        res.end('next');
        return;
      }
      res.writeHead(413, { connection: 'close' });
      res.end('too large', () => res.socket?.destroy());
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanup.push(async () => agent.destroy());
    for (let i = 0; i < 3; i++) {
      expect(await upload(g.port, 2 * 1024 * 1024, agent)).toEqual({ status: 413, body: 'too large' });
    }
    const next = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: g.port, path: '/o/shop/next', agent }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => {
            body += c.toString();
          });
          res.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
    expect(next).toBe('next');
    expect(a.seen.map((s) => s.url)).toEqual(['/upload', '/upload', '/upload', '/next']);
  });

  it('still answers 502 when the upstream drops the connection without a word', async () => {
    const { g } = await setUp((req) => req.socket.destroy());
    const answer = await upload(g.port, 4 * 1024 * 1024);
    expect(answer).toMatchObject({ status: 502 });
  });

  it('relies on a Node socket method that still exists', () => {
    // early-answers.ts hooks it; without it the gateway would be back to 502 (the test above fails).
    expect(typeof (net.Socket.prototype as unknown as { _writeGeneric?: unknown })._writeGeneric).toBe(
      'function',
    );
  });
});
