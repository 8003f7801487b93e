// The pure steps of an API gateway call: where `/api/c/…` points (a system and a component path),
// the destination path with its `{var}` placeholders filled, and the request the destination app
// gets — without the caller's credentials (its body's: call-body.ts), with the gateway's headers. No
// I/O: every rule here is tested without a berthd.
import { BerthError } from '../errors.ts';
import { type BodyFields, isCredentialField } from './call-body.ts';
import { COMPAPI } from './model.ts';

const CALL_PREFIX = '/api/c/';

/** What a call's address names: the system (null: compapi) and the component path (`/v2/x/`). */
export interface CallAddress {
  system: string | null;
  path: string;
  /** The raw query string without `?` ('' when none). */
  query: string;
}

/** Splits `/api/c/{system}/{path}?query`; undefined when the address is not one of a call. */
export function parseCallAddress(url: string): CallAddress | undefined {
  if (!url.startsWith(CALL_PREFIX)) return undefined;
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const rest = pathname.slice(CALL_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const system = rest.slice(0, slash);
  const path = rest.slice(slash);
  if (path === '/' || path.includes('//')) return undefined;
  return { system: system === COMPAPI ? null : decodeSegment(system), path, query };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Request headers that never reach the destination: the caller's credentials, the platform's
 *  cookies and tokens, the gateway's own controls, and what describes one connection. */
const DROPPED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'cookie',
  'authorization',
  'proxy-authorization',
  'content-length',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'forwarded',
  'x-real-ip',
  'x-request-id',
  'x-bkapi-authorization',
]);

/** Whether a request header is dropped on the way to the destination (`x-berth-*` and
 *  `x-forwarded-*` are the gateway's to set). */
export function droppedHeader(lower: string): boolean {
  return DROPPED_HEADERS.has(lower) || lower.startsWith('x-berth-') || lower.startsWith('x-forwarded-');
}

/** The query string without credential fields (order and encoding of the rest kept). */
export function queryWithoutCredentials(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .filter((pair) => {
      const eq = pair.indexOf('=');
      const name = decodeField(eq < 0 ? pair : pair.slice(0, eq));
      return !isCredentialField(name);
    })
    .join('&');
}

function decodeField(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * The destination path with each `{var}` filled: from the component path's own variables first, then
 * the query string, then the body's fields. Each value is one path segment, percent-encoded; `.` and
 * `..` are refused (they would move the call elsewhere in the app), as is a missing value.
 */
export function fillDestinationPath(
  template: string,
  sources: { vars: ReadonlyMap<string, string>; query: string; body: BodyFields },
): string {
  let queryFields: Map<string, string> | undefined;
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    let value = sources.vars.get(name);
    if (value === undefined) {
      queryFields ??= firstValues(sources.query);
      value = queryFields.get(name) ?? sources.body.get(name);
    }
    if (value === undefined || value === '') {
      throw new BerthError(
        'VALIDATION_FAILED',
        `The call gives no value for {${name}} (path, query or body)`,
        {
          field: name,
        },
      );
    }
    if (value === '.' || value === '..') {
      throw new BerthError('VALIDATION_FAILED', `{${name}} may not be "${value}"`, { field: name });
    }
    return encodeURIComponent(value);
  });
}

function firstValues(query: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(query)) if (!fields.has(name)) fields.set(name, value);
  return fields;
}

/** The gateway's envelope for its own refusals and failures (BlueKing's shape); the destination's
 *  answers are never wrapped. */
export function gatewayEnvelope(
  code: string,
  message: string,
  requestId: string,
): { result: false; code: string; message: string; data: null; request_id: string } {
  return { result: false, code, message, data: null, request_id: requestId };
}
