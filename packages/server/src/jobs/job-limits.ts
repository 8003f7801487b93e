// Sizes the queue enforces, so one job cannot fill the store.

/** Serialised payload, checkpoint state and result, each (UTF-8 bytes). */
export const MAX_JSON_BYTES = 1024 * 1024;
/** One log line (UTF-8 bytes); longer lines are cut with a marker. */
export const MAX_LOG_LINE_BYTES = 8 * 1024;
/** Log lines per job; after these, one truncation notice and nothing more. */
export const MAX_LOG_LINES = 100_000;
/** A stored error message (characters). */
export const MAX_ERROR_CHARS = 4000;
export const MAX_KIND_CHARS = 100;
export const MAX_KEY_CHARS = 255;
export const MAX_APP_CODE_CHARS = 64;
export const DEFAULT_MAX_ATTEMPTS = 3;
export const MAX_MAX_ATTEMPTS = 100;

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function clipBytes(text: string, maxBytes: number, marker = ' …[truncated]'): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(marker, 'utf8');
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > budget) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end) + marker;
}

export function clipChars(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}
