// External repository addresses a user gives. Git understands many more forms than Berth lets
// through: local paths and file:// read berthd's own disk, `ext::` runs a command, and `<helper>::`
// starts a remote helper; only HTTPS, HTTP and SSH reach another machine with nothing else run.
// Credentials never sit in the address (they would be stored, shown and logged with it): the
// token or the deploy key goes in its own, encrypted field.
import { BerthError } from '../errors.ts';
import { CONTROL_CHARS_GLOBAL, CONTROL_OR_SPACE } from './text-checks.ts';

const MAX_URL_BYTES = 2048;
/** An SSH user name: letters, digits, '.', '_', '-', not starting with '-'. */
const SSH_USER = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;
/** A host name or an IPv4 address (lower-cased), or an IPv6 address in brackets. */
const HOST = /^(?:[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?|\[[0-9a-f:.]+\])$/;
/** `user@host:path`, git's scp-like syntax (a user is required, so no local path matches). */
const SCP_LIKE = /^([^@/:]+)@([^/:[\]]+|\[[0-9A-Fa-f:.]+\]):(.+)$/;

export type RemoteKind = 'http' | 'ssh';

function refuse(url: unknown, why: string): never {
  throw new BerthError('VALIDATION_FAILED', `The repository URL is not accepted: ${why}`, {
    url: typeof url === 'string' ? displayRemoteUrl(url).slice(0, 200) : null,
  });
}

/**
 * Checks a user-given repository URL and returns it normalised: `https://host/path`,
 * `http://host/path` (sent in the clear: documented as such), `ssh://user@host[:port]/path` or
 * `user@host:path`. Refuses every other form (file://, ext::, git://, local paths), a leading '-',
 * control characters or spaces, and user names, passwords, queries or fragments in HTTP URLs,
 * with VALIDATION_FAILED.
 */
export function checkRemoteUrl(url: string): string {
  if (typeof url !== 'string' || url.trim() === '') refuse(url, 'it is empty');
  const text = url.trim();
  if (Buffer.byteLength(text, 'utf8') > MAX_URL_BYTES)
    refuse(url, `it is longer than ${MAX_URL_BYTES} bytes`);
  if (CONTROL_OR_SPACE.test(text)) refuse(url, 'it contains a space or a control character');
  if (text.startsWith('-')) refuse(url, "it starts with '-'");
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'https' || scheme === 'http') return checkHttp(text);
  if (scheme === 'ssh') return checkSsh(text);
  if (scheme !== undefined) {
    refuse(url, `${scheme}:// is not allowed; use https://, http:// or ssh://`);
  }
  if (/^[A-Za-z0-9+.-]+::/.test(text)) refuse(url, 'remote helpers (<transport>::<address>) are not allowed');
  if (/^[^@/:]*:[^@/]*@/.test(text))
    refuse(url, 'it contains a password; SSH repositories take a deploy key');
  const scp = SCP_LIKE.exec(text);
  if (scp) return checkScpLike(text, scp[1] as string, scp[2] as string, scp[3] as string);
  refuse(url, 'local paths are not allowed; give an https://, http://, ssh:// or user@host:path URL');
}

function parse(text: string): URL {
  try {
    return new URL(text);
  } catch {
    refuse(text, 'it is not a valid URL');
  }
}

function checkHttp(text: string): string {
  const parsed = parse(text);
  if (parsed.username || parsed.password) {
    refuse(text, 'it contains a user name or password; put the access token in the token field instead');
  }
  if (parsed.search || text.includes('?')) refuse(text, 'it has a query string');
  if (parsed.hash || text.includes('#')) refuse(text, 'it has a fragment (#...)');
  if (!parsed.hostname) refuse(text, 'it has no host');
  return parsed.href;
}

function checkSsh(text: string): string {
  const parsed = parse(text);
  if (parsed.password) refuse(text, 'it contains a password; SSH repositories take a deploy key');
  if (parsed.search || parsed.hash || /[?#]/.test(text)) refuse(text, 'it has a query string or a fragment');
  const host = parsed.hostname.toLowerCase();
  if (!HOST.test(host)) refuse(text, 'its host is not a valid host name');
  const user = decodeURIComponent(parsed.username);
  if (user && !SSH_USER.test(user))
    refuse(text, 'its user name may hold only letters, digits, ".", "_" and "-"');
  if (parsed.pathname === '' || parsed.pathname === '/') refuse(text, 'it names no repository path');
  return `ssh://${user ? `${user}@` : ''}${host}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
}

function checkScpLike(text: string, user: string, rawHost: string, repoPath: string): string {
  if (!SSH_USER.test(user)) refuse(text, 'its user name may hold only letters, digits, ".", "_" and "-"');
  const host = rawHost.toLowerCase();
  if (!HOST.test(host)) refuse(text, 'its host is not a valid host name');
  if (repoPath.startsWith('-') || repoPath.startsWith(':')) refuse(text, "its path starts with '-' or ':'");
  return `${user}@${host}:${repoPath}`;
}

/** Which transport a URL that passed checkRemoteUrl takes. */
export function remoteKind(url: string): RemoteKind {
  return /^https?:\/\//i.test(url) ? 'http' : 'ssh';
}

/** Whether an http:// URL stays on this machine (a token may be sent in the clear only there). */
export function isLoopbackHttp(url: string): boolean {
  if (!/^http:\/\//i.test(url)) return false;
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The URL for display and logs: no password, no HTTP user name, no query (where tokens hide).
 * Never throws, so that it can be used on input that failed checkRemoteUrl.
 */
export function displayRemoteUrl(url: string): string {
  if (typeof url !== 'string') return '';
  const text = url.replace(CONTROL_CHARS_GLOBAL, '\uFFFD');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  const noQuery = text.replace(/[?#].*$/s, '');
  if (scheme === 'ssh') return noQuery.replace(/^(ssh:\/\/[^/@:]*):[^/@]*@/i, '$1@');
  if (scheme !== undefined) return noQuery.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/]*@/, '$1');
  // scp-like: a password before the '@' ("user:password@host:path", which checkRemoteUrl refuses).
  return noQuery.replace(/^([^@/:]*):[^@/]*@/, '$1@');
}
