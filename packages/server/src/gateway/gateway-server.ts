// The http.Server that serves a gateway on its own port (the apps origin): requests and Upgrade
// requests go to the gateway; the connection limits hold (connection-guard.ts: a header timeout,
// answered 408, and a cap per client address); malformed requests get a bare 400. Used by every gateway worker
// process and by berthd itself when it serves the apps port without workers.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { closeGracefully } from '../close-gracefully.ts';
import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS, guardServer } from './connection-guard.ts';
import type { Gateway } from './gateway.ts';

export function createGatewayServer(
  gateway: Pick<Gateway, 'handleRequest' | 'handleUpgrade'>,
  limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS,
): http.Server {
  return serve(http.createServer({ keepAliveTimeout: 65_000 }, gateway.handleRequest), gateway, limits);
}

/** The same over TLS: each connection gets the certificate its SNI name picks (tls-contexts.ts);
 *  a name with no certificate, or no name, fails the handshake. */
export function createGatewayTlsServer(
  gateway: Pick<Gateway, 'handleRequest' | 'handleUpgrade' | 'tls'>,
  limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS,
): https.Server {
  const server = https.createServer(
    { keepAliveTimeout: 65_000, SNICallback: gateway.tls.callback, ALPNProtocols: ['http/1.1'] },
    gateway.handleRequest,
  );
  // A failed handshake (unknown name, a scanner) is the client's business: nothing to log.
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  return serve(server, gateway, limits);
}

function serve<S extends http.Server | https.Server>(
  server: S,
  gateway: Pick<Gateway, 'handleUpgrade'>,
  limits: ConnectionLimits,
): S {
  guardServer(server as http.Server, limits);
  const plain = server as http.Server;
  plain.on('upgrade', gateway.handleUpgrade);
  plain.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`, () =>
      socket.destroy(),
    );
  });
  return server;
}

/** Listens and resolves with the port it got (`port` 0 picks one). */
export function listenServer(
  server: http.Server | https.Server,
  port: number,
  host: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting and resolves once every connection is closed: idle keep-alive ones at once, the
 *  rest when they go idle or, still busy after the grace (close-gracefully.ts), cut off. */
export function closeServer(server: http.Server | https.Server): Promise<void> {
  return closeGracefully(
    server as http.Server,
    () => new Promise((resolve) => server.close(() => resolve())),
  );
}
