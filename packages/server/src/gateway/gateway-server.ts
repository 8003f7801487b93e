// The http.Server that serves a gateway on its own port (the apps origin): requests and Upgrade
// requests go to the gateway; malformed requests get a bare 400. Used by every gateway worker
// process and by berthd itself when it serves the apps port without workers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway } from './gateway.ts';

export function createGatewayServer(gateway: Pick<Gateway, 'handleRequest' | 'handleUpgrade'>): http.Server {
  const server = http.createServer({ keepAliveTimeout: 65_000 }, gateway.handleRequest);
  server.on('upgrade', gateway.handleUpgrade);
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  return server;
}

/** Listens and resolves with the port it got (`port` 0 picks one). */
export function listenServer(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, closes idle keep-alive connections, and resolves once the rest have finished. */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
