// Why a send failed, in words that name no URL, token or password (developers read it in their
// app's delivery history), and whether trying again can help.
export class SendError extends Error {
  /** True when another attempt would fail the same way (a refusal, not an outage). */
  readonly permanent: boolean;
  constructor(message: string, permanent = false) {
    super(message);
    this.name = 'SendError';
    this.permanent = permanent;
  }
}

/** A network failure as a SendError: its code (ECONNREFUSED, …), never its address. */
export function networkFailure(err: unknown, what: string): SendError {
  const cause = (err as { cause?: unknown }).cause ?? err;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code))
    return new SendError(`${what} failed (${code})`);
  return new SendError(`${what} failed`);
}
