// The gateway's own answers (no route, no healthy instance, bad or slow upstream), in the API's
// `{"error":{"code","message"}}` shape with the catalogue's codes and statuses; a browser gets a
// small page in its language instead (error-page.ts).
import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERRORS } from '../errors.ts';
import { ERROR_PAGE_CSP, errorPage, type GatewayErrorCode, pageLanguage, wantsHtml } from './error-page.ts';

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

/** Answers with the error (JSON, or a page for a browser); returns the number of body bytes sent. */
export function sendGatewayError(res: ServerResponse, code: GatewayErrorCode, requestId: string): number {
  const status = ERRORS[code].status;
  const headers = res.req.headers;
  // Either body depends on Accept (and the page on Accept-Language); neither may be cached.
  const common = ['cache-control', 'no-store', 'vary', 'accept, accept-language', 'x-request-id', requestId];
  if (wantsHtml(headers)) {
    const lang = pageLanguage(headers);
    const page = errorPage(code, status, requestId, lang);
    res.writeHead(status, [
      'content-type',
      'text/html; charset=utf-8',
      'content-length',
      String(page.length),
      'content-language',
      lang,
      'content-security-policy',
      ERROR_PAGE_CSP,
      'x-content-type-options',
      'nosniff',
      'referrer-policy',
      'no-referrer',
      ...common,
    ]);
    res.end(page);
    return page.length;
  }
  const payload = BODIES[code];
  res.writeHead(status, [
    'content-type',
    'application/json; charset=utf-8',
    'content-length',
    String(payload.length),
    ...common,
  ]);
  res.end(payload);
  return payload.length;
}

/** For Upgrade requests, whose socket has left the HTTP server: writes a whole response, closes.
 *  Always JSON: an Upgrade (WebSocket) client is a program, never a page a person reads. */
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
