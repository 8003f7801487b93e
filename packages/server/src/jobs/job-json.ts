// JSON columns of a job (payload, checkpoint state, result): serialised once, size-checked.
import { MAX_JSON_BYTES } from './job-limits.ts';

export class JobJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobJsonError';
  }
}

/** Serialises `value` (undefined becomes null); throws JobJsonError when it is not JSON or too large. */
export function toJobJson(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value === undefined ? null : value);
  } catch (err) {
    throw new JobJsonError(`the job ${what} is not JSON-serialisable: ${(err as Error).message}`);
  }
  if (text === undefined) throw new JobJsonError(`the job ${what} is not JSON-serialisable`);
  if (Buffer.byteLength(text, 'utf8') > MAX_JSON_BYTES) {
    throw new JobJsonError(`the job ${what} is larger than ${MAX_JSON_BYTES} bytes as JSON`);
  }
  return text;
}
