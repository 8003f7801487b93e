// A call to a built-in component (the system `berth`), once the gateway's checks passed: what its
// handler gets (the query and body without credentials, the body parsed) and the answer it gives,
// as JSON in BlueKing's ESB envelope: `{result: true, code: 0, message: '', data, request_id}` on
// success, `{result: false, code, message, data: null, request_id}` with a catalogue code and its
// status when the handler refuses (a BerthError). Other errors are berthd's bugs: they go up.
import { Readable } from 'node:stream';
import { BerthError, isBerthError } from '../errors.ts';
import type { BuiltinCall, BuiltinHandler } from './builtin-types.ts';
import { type CallBody, formWithoutCredentials, jsonWithoutCredentials } from './call-body.ts';
import { gatewayEnvelope, queryWithoutCredentials } from './call-request.ts';

/** The answer's headers besides its type: it is served on berthd's own origin, as apps' are. */
const ANSWER_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "sandbox; default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

/** The body a handler gets: a JSON value or a form's fields (credentials taken out), or undefined
 *  when the call has none. VALIDATION_FAILED for JSON that does not parse or another type. The
 *  body comes parsed already (call-body.ts): a JSON object or a form is not parsed again. */
export function builtinBody(body: CallBody): unknown {
  if (body.raw === null || body.raw.length === 0) return undefined;
  if (body.json !== undefined) return jsonWithoutCredentials(body.json);
  if (body.form !== undefined) return Object.fromEntries(formWithoutCredentials(body.form));
  if (body.kind === 'json') {
    // Not an object (a list or a single value: nothing to take out), or not JSON at all.
    try {
      return JSON.parse(body.raw.toString('utf8'));
    } catch {
      throw new BerthError('VALIDATION_FAILED', 'The body is not valid JSON', { field: 'body' });
    }
  }
  throw new BerthError('VALIDATION_FAILED', 'Send the body as JSON (Content-Type: application/json)', {
    field: 'body',
  });
}

/** The query a handler gets (BlueKing's credential fields taken out). */
export function builtinQuery(query: string): URLSearchParams {
  return new URLSearchParams(queryWithoutCredentials(query));
}

/** The envelope of a built-in component's answer. */
export function builtinEnvelope(
  outcome: { data: unknown } | { error: Pick<BerthError, 'code' | 'message'> },
  requestId: string,
): Record<string, unknown> {
  if ('error' in outcome) return gatewayEnvelope(outcome.error.code, outcome.error.message, requestId);
  return { result: true, code: 0, message: '', data: outcome.data ?? null, request_id: requestId };
}

export interface BuiltinAnswer {
  status: number;
  headers: Record<string, string>;
  body: Readable;
}

/** The handler's answer, or APIGW_DEST_TIMEOUT once `timeoutMs` passed (the caller is answered; what
 *  the handler was doing finishes or fails on its own, as a slow destination app's work would). */
async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new BerthError('APIGW_DEST_TIMEOUT', `berthd did not answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the handler (the input read first: a bad body is the handler's 400 too) and answers. */
export async function answerBuiltin(
  handler: BuiltinHandler | undefined,
  input: () => BuiltinCall,
  requestId: string,
  timeoutMs: number,
): Promise<BuiltinAnswer> {
  let status = 200;
  let envelope: Record<string, unknown>;
  try {
    if (handler === undefined) throw new BerthError('INTERNAL', 'This built-in component has no handler');
    const work = handler(input());
    // A late failure of the work is not the caller's any more; it must not go unhandled either.
    work.catch(() => undefined);
    envelope = builtinEnvelope({ data: await withTimeout(work, timeoutMs) }, requestId);
  } catch (err) {
    if (!isBerthError(err)) throw err;
    status = err.status;
    envelope = builtinEnvelope({ error: err }, requestId);
  }
  return {
    status,
    headers: { ...ANSWER_HEADERS, 'x-request-id': requestId },
    body: Readable.from([Buffer.from(JSON.stringify(envelope))]),
  };
}
