// Closing an HTTP server without waiting on its clients' keep-alive: server.close() waits for every
// open connection, and closeIdleConnections() ends only those idle at the moment it is called, so a
// connection whose request finishes during the close would otherwise stay open until its
// keep-alive timeout (72 s for berthd's API), holding up a stop or a restart. This ends connections
// as they become idle, and after `graceMs` ends the rest (requests still running: log follows,
// `berth run` streams, which their clients see cut off).
import type http from 'node:http';

/** How long requests in flight get to finish when berthd stops. */
const CLOSE_GRACE_MS = 5_000;

export async function closeGracefully(
  server: http.Server,
  close: () => Promise<void>,
  graceMs = CLOSE_GRACE_MS,
): Promise<void> {
  const idle = setInterval(() => server.closeIdleConnections(), 100);
  const cutOff = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    server.closeIdleConnections();
    await close();
  } finally {
    clearInterval(idle);
    clearTimeout(cutOff);
  }
}
