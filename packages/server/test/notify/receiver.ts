// A real HTTP receiver for notification tests: records every request (raw body included) and
// answers what the test tells it to; it can listen on a port chosen beforehand, so that a test can
// point a channel at it while it is still down.
import http from 'node:http';
import net from 'node:net';

export interface Received {
  method: string;
  /** Path and query string as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
}

export interface Receiver {
  readonly port: number;
  readonly url: string;
  readonly requests: Received[];
  /** What the next requests get (default 200 `{"errcode":0}`). */
  answer(status: number, body?: unknown): void;
  close(): Promise<void>;
}

/** A loopback port nothing listens on (until a receiver is started on it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const requests: Received[] = [];
  let status = 200;
  let body: unknown = { errcode: 0, errmsg: 'ok' };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        raw: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as net.AddressInfo).port;
  return {
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    requests,
    answer(s, b = {}) {
      status = s;
      body = b;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
