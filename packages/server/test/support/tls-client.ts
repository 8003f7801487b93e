// Clients of the gateway's HTTP and HTTPS ports for the domain and gateway contract tests: a
// handshake that reports the certificate the server chose for a server name (SNI), and single
// requests with a chosen Host / server name, on fresh connections (no agent: each request sees the
// table of its moment).
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The SHA-256 fingerprint (colon-separated hex) of the leaf the server shows for `servername`;
 *  rejects when there is no handshake. The certificate is not verified: the tests compare it. */
export function peerFingerprint(port: number, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      resolve(fingerprint);
    });
    socket.once('error', reject);
  });
}

function collect(res: http.IncomingMessage, resolve: (answer: Answer) => void, reject: (e: Error) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () =>
    resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
  );
  res.on('error', reject);
}

/** GET over HTTPS with `servername` as SNI and Host. */
export function httpsGet(port: number, servername: string, urlPath: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        servername,
        headers: { host: servername },
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => collect(res, resolve, reject),
    );
    req.on('error', reject);
    req.end();
  });
}

/** GET over plain HTTP with `host` as the Host header. */
export function httpGet(port: number, host: string, urlPath: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: urlPath, headers: { host }, agent: false },
      (res) => collect(res, resolve, reject),
    );
    req.on('error', reject);
    req.end();
  });
}
