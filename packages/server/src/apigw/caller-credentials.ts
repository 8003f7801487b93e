// What a call through the API gateway claims about who makes it, read from the call alone (pure: no
// store, nothing verified here). The calling app: `X-Berth-App-Code` / `X-Berth-App-Secret`, or
// BlueKing's `X-Bkapi-Authorization: {"bk_app_code": …, "bk_app_secret": …}`, or its `bk_app_code` /
// `bk_app_secret` fields in the query string or a JSON or form body (the first of these sources that
// has a field wins, field by field). A signature: `X-Berth-Signature`, `X-Berth-Timestamp`,
// `X-Berth-Nonce` (headers only). The user: a gateway user token (`X-Berth-User-Token`, or
// BlueKing's `bk_token` in the authorization header, query or body — never a cookie, which a browser
// would send on any page's behalf) or a user name alone (`X-Berth-Username` / `bk_username`, which
// only a trusted app may pass: user-auth.ts). What the forwarded request loses is call-request.ts's.
import { BK_CREDENTIAL_FIELDS, bodyField, bodyKind, type CallBody, readCallBody } from './call-body.ts';

/** A call as the gateway's handler received it. */
export interface GatewayCall {
  method: string;
  /** The path as sent, without the query and not percent-decoded (what a signature covers). */
  path: string;
  /** The raw query string, without `?` ('' for none). */
  query: string;
  /** Header names lower-case, as Node's IncomingMessage has them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw body (empty for none). */
  body: Uint8Array | string;
}

/** Where a claimed credential was read from. */
export type CredentialSource = 'header' | 'bk-authorization' | 'query' | 'body';

export interface CallerClaims {
  app?: { code: string; source: CredentialSource };
  /** The app secret, when one was sent (a signed call need not send it). */
  secret?: string;
  signature?: { value: string; timestamp?: string; nonce?: string };
  /** A platform session token (or BlueKing's bk_token). */
  userToken?: { token: string; source: CredentialSource };
  /** A user name sent without a token. */
  username?: { name: string; source: CredentialSource };
}

export const APP_CODE_HEADER = 'x-berth-app-code';
export const APP_SECRET_HEADER = 'x-berth-app-secret';
export const SIGNATURE_HEADER = 'x-berth-signature';
export const TIMESTAMP_HEADER = 'x-berth-timestamp';
export const NONCE_HEADER = 'x-berth-nonce';
export const USER_TOKEN_HEADER = 'x-berth-user-token';
export const USERNAME_HEADER = 'x-berth-username';
export const BK_AUTHORIZATION_HEADER = 'x-bkapi-authorization';

type Fields = Readonly<Record<string, unknown>>;
const NO_FIELDS: Fields = Object.freeze({});

function header(call: GatewayCall, name: string): string | undefined {
  const value = call.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

function fromSearch(params: URLSearchParams): Fields {
  const out: Record<string, unknown> = {};
  for (const name of BK_CREDENTIAL_FIELDS) {
    const value = params.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

function bkAuthorization(call: GatewayCall): Fields {
  const raw = header(call, BK_AUTHORIZATION_HEADER);
  if (raw === undefined) return NO_FIELDS;
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Fields)
      : NO_FIELDS;
  } catch {
    return NO_FIELDS;
  }
}

/** The bk_* fields of a JSON object or form body; nothing for any other body. */
function credentialsOfBody(body: CallBody): Fields {
  if (body.json === undefined && body.form === undefined) return NO_FIELDS;
  const out: Record<string, unknown> = {};
  for (const name of BK_CREDENTIAL_FIELDS) {
    const value = bodyField(body, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** The first source's value of a field: a header, then each BlueKing source in order. */
function first(
  berthHeader: string | undefined,
  bkField: string,
  sources: ReadonlyArray<[CredentialSource, Fields]>,
): { value: string; source: CredentialSource } | undefined {
  if (berthHeader !== undefined) return { value: berthHeader, source: 'header' };
  for (const [source, fields] of sources) {
    const value = fields[bkField];
    if (typeof value === 'string' && value !== '') return { value, source };
  }
  return undefined;
}

/** What the call claims; nothing here is checked. `body` is the call's body read already (the
 *  handler reads it once for every step); without it, the call's body is read here. */
export function readCallerCredentials(call: GatewayCall, body?: CallBody): CallerClaims {
  const sources: Array<[CredentialSource, Fields]> = [
    ['bk-authorization', bkAuthorization(call)],
    ['query', call.query === '' ? NO_FIELDS : fromSearch(new URLSearchParams(call.query))],
    ['body', credentialsOfBody(body ?? readCallBody(bodyKind(header(call, 'content-type')), call.body))],
  ];
  const claims: CallerClaims = {};
  const code = first(header(call, APP_CODE_HEADER), 'bk_app_code', sources);
  if (code) claims.app = { code: code.value, source: code.source };
  const secret = first(header(call, APP_SECRET_HEADER), 'bk_app_secret', sources);
  if (secret) claims.secret = secret.value;
  const signature = header(call, SIGNATURE_HEADER);
  if (signature !== undefined) {
    const timestamp = header(call, TIMESTAMP_HEADER);
    const nonce = header(call, NONCE_HEADER);
    claims.signature = {
      value: signature,
      ...(timestamp !== undefined ? { timestamp } : {}),
      ...(nonce !== undefined ? { nonce } : {}),
    };
  }
  const token = first(header(call, USER_TOKEN_HEADER), 'bk_token', sources);
  if (token) claims.userToken = { token: token.value, source: token.source };
  const username = first(header(call, USERNAME_HEADER), 'bk_username', sources);
  if (username) claims.username = { name: username.value, source: username.source };
  return claims;
}
