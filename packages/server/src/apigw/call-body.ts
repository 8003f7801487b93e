// A gateway call's body, read once for every step that looks into it: the credential fields a
// BlueKing caller may send there (caller-credentials.ts), the fields `{var}` placeholders are filled
// from, and the body the destination gets without those credentials (call-request.ts). Only a JSON
// object and a form are looked into; any other body (or one that does not parse) goes as it came.
// Pure: no I/O.

/** BlueKing's credential fields, in the query string or the body: read by the gateway, never
 *  forwarded. */
export const BK_CREDENTIAL_FIELDS: readonly string[] = [
  'bk_app_code',
  'bk_app_secret',
  'bk_token',
  'bk_username',
];
const CREDENTIAL_FIELDS: ReadonlySet<string> = new Set(BK_CREDENTIAL_FIELDS);

/** Whether a query or body field is one of the caller's credentials. */
export function isCredentialField(name: string): boolean {
  return CREDENTIAL_FIELDS.has(name);
}

export type BodyKind = 'json' | 'form' | 'other';

export function bodyKind(contentType: string | undefined): BodyKind {
  if (contentType === undefined || contentType === '') return 'other';
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  return 'other';
}

/** The body as it came and, for a JSON object or a form, its fields (parsed once). */
export interface CallBody {
  kind: BodyKind;
  /** The raw body (null or empty: none). */
  raw: Buffer | null;
  /** A JSON object's top-level fields. */
  json?: Readonly<Record<string, unknown>>;
  /** A form's fields. */
  form?: URLSearchParams;
}

/** A body's fields as placeholders take them (string values). */
export type BodyFields = ReadonlyMap<string, string>;

const NO_FIELDS: BodyFields = new Map();

export function readCallBody(kind: BodyKind, raw: Buffer | Uint8Array | string | null): CallBody {
  if (raw === null) return { kind, raw: null };
  const bytes = typeof raw === 'string' ? Buffer.from(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
  if (bytes.length === 0) return { kind, raw: bytes };
  if (kind === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      return { kind, raw: bytes };
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { kind, raw: bytes };
    return { kind, raw: bytes, json: parsed as Record<string, unknown> };
  }
  if (kind === 'form') return { kind, raw: bytes, form: new URLSearchParams(bytes.toString('utf8')) };
  return { kind, raw: bytes };
}

/** A field of the body (a JSON object's value, a form's first value); undefined when it has none. */
export function bodyField(body: CallBody, name: string): unknown {
  if (body.json !== undefined) return Object.hasOwn(body.json, name) ? body.json[name] : undefined;
  return body.form?.get(name) ?? undefined;
}

/** The body's string, number and boolean fields as text (a form's first value of each name). */
export function bodyFields(body: CallBody): BodyFields {
  if (body.json === undefined && body.form === undefined) return NO_FIELDS;
  const fields = new Map<string, string>();
  if (body.json !== undefined) {
    for (const [name, value] of Object.entries(body.json)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        fields.set(name, String(value));
    }
  } else {
    for (const [name, value] of body.form!) if (!fields.has(name)) fields.set(name, value);
  }
  return fields;
}

/** A JSON object's fields without the credential fields (a new object). */
export function jsonWithoutCredentials(json: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const name of Object.keys(json)) if (!isCredentialField(name)) kept[name] = json[name];
  return kept;
}

/** A form's fields without the credential fields (a new form). */
export function formWithoutCredentials(form: URLSearchParams): URLSearchParams {
  const params = new URLSearchParams(form);
  for (const name of BK_CREDENTIAL_FIELDS) params.delete(name);
  return params;
}

/** The body without credential fields (a JSON object or a form); others go as they came. */
export function bodyWithoutCredentials(body: CallBody): Buffer | null {
  if (body.json !== undefined) {
    const names = Object.keys(body.json);
    if (!names.some(isCredentialField)) return body.raw;
    return Buffer.from(JSON.stringify(jsonWithoutCredentials(body.json)));
  }
  if (body.form !== undefined) {
    if (!BK_CREDENTIAL_FIELDS.some((name) => body.form!.has(name))) return body.raw;
    return Buffer.from(formWithoutCredentials(body.form).toString());
  }
  return body.raw;
}
