// The gateway's own answers (no route, no healthy instance, bad or slow upstream), in the API's
// `{"error":{"code","message"}}` shape with the catalogue's codes and statuses.
import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERRORS } from '../errors.ts';

export type GatewayErrorCode =
  | 'GATEWAY_NO_ROUTE'
  | 'GATEWAY_BAD_REQUEST'
  | 'GATEWAY_NO_UPSTREAM'
  | 'GATEWAY_BAD_UPSTREAM'
  | 'GATEWAY_TIMEOUT';

function body(code: GatewayErrorCode): Buffer {
  return Buffer.from(JSON.stringify({ error: { code, message: ERRORS[code].message } }));
}

const BODIES: Record<GatewayErrorCode, Buffer> = {
  GATEWAY_NO_ROUTE: body('GATEWAY_NO_ROUTE'),
  GATEWAY_BAD_REQUEST: body('GATEWAY_BAD_REQUEST'),
  GATEWAY_NO_UPSTREAM: body('GATEWAY_NO_UPSTREAM'),
  GATEWAY_BAD_UPSTREAM: body('GATEWAY_BAD_UPSTREAM'),
  GATEWAY_TIMEOUT: body('GATEWAY_TIMEOUT'),
};

export function errorStatus(code: GatewayErrorCode): number {
  return ERRORS[code].status;
}

/** Answers with the error; returns the number of body bytes sent. */
export function sendGatewayError(res: ServerResponse, code: GatewayErrorCode, requestId: string): number {
  const payload = BODIES[code];
  res.writeHead(ERRORS[code].status, [
    'content-type',
    'application/json; charset=utf-8',
    'content-length',
    String(payload.length),
    'cache-control',
    'no-store',
    'x-request-id',
    requestId,
  ]);
  res.end(payload);
  return payload.length;
}

/** For Upgrade requests, whose socket has left the HTTP server: writes a whole response, closes. */
export function writeGatewayErrorToSocket(socket: Duplex, code: GatewayErrorCode, requestId: string): number {
  const payload = BODIES[code];
  const status = ERRORS[code].status;
  if (!socket.writable) {
    socket.destroy();
    return 0;
  }
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${payload.length}\r\n` +
      'cache-control: no-store\r\n' +
      `x-request-id: ${requestId}\r\n` +
      'connection: close\r\n\r\n' +
      payload.toString(),
  );
  return payload.length;
}

/** A 308 to the same path with a trailing slash. */
export function sendRedirect(res: ServerResponse, location: string, requestId: string): void {
  res.writeHead(308, ['location', location, 'content-length', '0', 'x-request-id', requestId]);
  res.end();
}
