// Checks what a module asks to enqueue (programming errors surface as VALIDATION_FAILED).
import { BerthError } from '../errors.ts';
import { MAX_APP_CODE_CHARS, MAX_KEY_CHARS, MAX_KIND_CHARS, MAX_MAX_ATTEMPTS } from './job-limits.ts';

const KIND_RE = /^[a-z0-9][a-z0-9._:-]*$/;

export function validateEnqueue(
  kind: string,
  options: { key?: string | null; appCode?: string | null; maxAttempts?: number; runAt?: number },
): void {
  const invalid = (message: string) => new BerthError('VALIDATION_FAILED', message);
  if (typeof kind !== 'string' || kind.length > MAX_KIND_CHARS || !KIND_RE.test(kind)) {
    throw invalid(`job kind "${String(kind).slice(0, 120)}" is not valid (a-z 0-9 . _ : -, up to 100)`);
  }
  const { key, appCode, maxAttempts, runAt } = options;
  if (key != null && (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_CHARS)) {
    throw invalid(`job key must be 1-${MAX_KEY_CHARS} characters`);
  }
  if (appCode != null && (typeof appCode !== 'string' || appCode.length > MAX_APP_CODE_CHARS)) {
    throw invalid('job appCode is not an app code');
  }
  if (
    maxAttempts !== undefined &&
    (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_MAX_ATTEMPTS)
  ) {
    throw invalid(`maxAttempts must be a whole number from 1 to ${MAX_MAX_ATTEMPTS}`);
  }
  if (runAt !== undefined && (!Number.isSafeInteger(runAt) || runAt < 0)) {
    throw invalid('runAt must be epoch milliseconds');
  }
}
