// The upstream's answer to an Upgrade request, read by the tunnel (tunnel.ts) before it decides
// anything: its head parsed once, rewritten for the client (our X-Request-Id, no platform cookie set
// by an app, `connection: close` when it is not a 101), and where its body ends when it is relayed.
import { ChunkedEnd } from './chunked-end.ts';
import { setsPlatformCookie } from './cookie-filter.ts';

/** A response head's lines, split once. */
export interface ResponseHead {
  status: number;
  lines: string[];
}

export function parseHead(bytes: Buffer): ResponseHead {
  const lines = bytes.toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 502);
  return { status, lines };
}

/** Where a relayed body ends: after `length` bytes, after its last chunk, or when the upstream
 *  closes (no length given). */
export type BodyEnd =
  | { length: number; chunked?: undefined }
  | { length?: undefined; chunked: ChunkedEnd }
  | 'close';

export function bodyEnd({ status, lines }: ResponseHead): BodyEnd {
  if (status === 204 || status === 304) return { length: 0 };
  let length: number | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'transfer-encoding') {
      return value.toLowerCase().endsWith('chunked') ? { chunked: new ChunkedEnd() } : 'close';
    }
    if (name !== 'content-length') continue;
    if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== Number(value))) return 'close';
    length = Number(value);
  }
  return length === undefined ? 'close' : { length };
}

/** The response head as sent to the client: our X-Request-Id, no platform cookie from an app, and
 *  `connection: close` instead of the app's connection headers when the connection ends after it. */
export function headText(head: ResponseHead, requestId: string, toApp: boolean, close: boolean): string {
  let text = head.lines[0]!;
  for (let i = 1; i < head.lines.length; i++) {
    const line = head.lines[i]!;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === 'x-request-id') continue;
    if (close && (name === 'connection' || name === 'keep-alive')) continue;
    if (toApp && name === 'set-cookie' && setsPlatformCookie(line.slice(colon + 1).trim())) continue;
    text += `\r\n${line}`;
  }
  text += `\r\nx-request-id: ${requestId}`;
  if (close) text += '\r\nconnection: close';
  return `${text}\r\n\r\n`;
}
