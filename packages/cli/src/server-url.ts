import { usageError } from './errors.ts';

/**
 * Checks and tidies a server URL: http(s) only, no query or fragment, no trailing `/`. A path is
 * kept, for a berthd behind a reverse proxy under a prefix.
 */
export function normalizeServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw usageError(`not a server URL: ${raw} (example: https://berth.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`not a server URL: ${raw} (it must start with http:// or https://)`);
  }
  if (url.username || url.password) throw usageError('the server URL must not contain a user or password');
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}
