// The gateway's own refusals of a call, as they are written: BlueKing's envelope
// (call-request.ts `gatewayEnvelope`) as JSON, with X-Request-Id and, for a rate limit, Retry-After.
import type { ServerResponse } from 'node:http';
import { gatewayEnvelope } from './call-request.ts';

/** What a refusal sends: its status, headers and JSON body. */
export function refusalAnswer(
  error: { code: string; status: number; message: string; details?: unknown },
  requestId: string,
): { status: number; headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-request-id': requestId,
  };
  const retry = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
  if (retry !== undefined) headers['retry-after'] = String(retry);
  return {
    status: error.status,
    headers,
    body: JSON.stringify(gatewayEnvelope(error.code, error.message, requestId)),
  };
}

/** Writes the gateway's refusal on `res`; once an answer started there is nothing to write it in,
 *  and the caller's connection is cut instead. */
export function sendRefusal(
  res: ServerResponse,
  error: { code: string; status: number; message: string; details?: unknown },
  requestId: string,
): void {
  if (res.destroyed) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const answer = refusalAnswer(error, requestId);
  res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}
