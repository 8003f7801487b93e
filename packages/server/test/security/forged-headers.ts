// What a hostile client sends to be taken for someone else: forwarding headers naming another
// address, scheme, host and prefix, a request id of its choice and the platform's cookies. The
// gateway security tests (both drivers) send them and assert the app sees only the gateway's own;
// requests no HTTP client would send as written go over a raw connection (rawExchange).
import http from 'node:http';
import net from 'node:net';

export const FORGED_HEADERS = {
  'x-forwarded-for': '6.6.6.6',
  'x-real-ip': '6.6.6.6',
  forwarded: 'for=6.6.6.6;proto=https',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'https',
  'x-forwarded-prefix': '/admin',
  'x-request-id': 'forged-request-id',
  cookie: 'berth_token=stolen; app_pref=1; __Host-berth_session=stolen; berth_session=stolen',
} as const;

/** A GET with `headers` on a new connection to 127.0.0.1:`port`: the status, the answer's request
 *  id and its body. */
export function getWithHeaders(
  port: number,
  urlPath: string,
  headers: Readonly<Record<string, string>>,
): Promise<{ status: number; requestId: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, requestId: String(res.headers['x-request-id']), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** Everything a raw connection to 127.0.0.1:`port` receives until the other side closes it (or
 *  10 s pass): for requests an HTTP client would not send as written. */
export async function rawExchange(
  port: number,
  send: (socket: net.Socket, received: () => string) => Promise<void>,
) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await send(socket, () => received);
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  socket.destroy();
  return received;
}
