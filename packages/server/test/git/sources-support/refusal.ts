// What a refused call threw, for assertions on its catalogue code, message and details.
import { isBerthError } from '../../../src/errors.ts';

export interface Refusal {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/** Awaits `p`, expecting a BerthError; anything else (or success) fails the test. */
export async function refusal(p: Promise<unknown>): Promise<Refusal> {
  try {
    await p;
  } catch (err) {
    if (isBerthError(err)) {
      return {
        code: err.code,
        message: err.message,
        details: (err.details ?? {}) as Record<string, unknown>,
      };
    }
    throw err;
  }
  throw new Error('expected a BerthError, but the call succeeded');
}
