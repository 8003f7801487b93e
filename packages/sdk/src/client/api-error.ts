// The one error type of the API client. Server errors carry the catalogue's stable code (see
// docs/errors.md); a few codes are made up on the client side, when no catalogue body arrived:
//   NETWORK_ERROR  the request never got an HTTP response (server down, DNS, refused, reset, aborted);
//                  status 0, the URL is in the message.
//   HTTP_ERROR     an error status without Berth's `{"error":{...}}` body (e.g. a proxy's 502 page).
//   BAD_RESPONSE   a success status whose body is not the JSON the client expected.

export const NETWORK_ERROR = 'NETWORK_ERROR';
export const HTTP_ERROR = 'HTTP_ERROR';
export const BAD_RESPONSE = 'BAD_RESPONSE';

export class BerthApiError extends Error {
  /** HTTP status; 0 for NETWORK_ERROR. */
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(
    status: number,
    code: string,
    message: string,
    details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BerthApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function isBerthApiError(err: unknown, code?: string): err is BerthApiError {
  return err instanceof BerthApiError && (code === undefined || err.code === code);
}

/** Builds the error for a non-2xx response from its body text (which may be anything). */
export function errorFromResponse(status: number, statusText: string, text: string): BerthApiError {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const e = parsed?.error;
    if (e && typeof e.code === 'string') {
      const message = typeof e.message === 'string' && e.message ? e.message : e.code;
      return new BerthApiError(status, e.code, message, e.details);
    }
  } catch {
    // not JSON: fall through
  }
  return new BerthApiError(status, HTTP_ERROR, `HTTP ${status}${statusText ? ` ${statusText}` : ''}`);
}

/** Builds the NETWORK_ERROR for a fetch that threw, naming the URL and the underlying cause. */
export function networkError(method: string, url: string, err: unknown): BerthApiError {
  const cause = (err as { cause?: { message?: unknown; code?: unknown } } | undefined)?.cause;
  let reason = err instanceof Error ? err.message : String(err);
  if (cause && typeof cause.message === 'string' && cause.message) reason = cause.message;
  else if (cause && typeof cause.code === 'string') reason = cause.code;
  return new BerthApiError(0, NETWORK_ERROR, `cannot reach ${method} ${url}: ${reason}`, undefined, {
    cause: err,
  });
}
