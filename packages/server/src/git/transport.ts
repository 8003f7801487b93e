// How git reaches an external repository: the environment of one fetch, with its credentials in
// the environment (never in argv or the URL), only HTTPS, HTTP and SSH allowed (also for redirects),
// and no submodule fetched. The secrets it holds are listed, so that git's messages can be masked.
import { BerthError } from '../errors.ts';
import { isLoopbackHttp, remoteKind } from './remote-url.ts';
import { openSshSession } from './ssh.ts';
import { CONTROL_OR_SPACE } from './text-checks.ts';

export type RemoteCredentials =
  | { kind: 'none' }
  /** HTTPS (or http on this machine): HTTP basic auth, user `git` unless given, as GitLab, Gitea and GitHub take. */
  | { kind: 'token'; username?: string; token: string }
  /** SSH: an OpenSSH or PEM private key (a deploy key); known_hosts lines to pin the server to. */
  | { kind: 'ssh'; privateKey: string; knownHosts?: string };

export interface Transport {
  env: Record<string, string>;
  /** Strings to mask in anything shown (the token and its encodings). */
  secrets: string[];
  /** SSH: the known_hosts lines to pin after the session. */
  knownHosts(): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Checks that the credentials fit the (checked) URL and prepares git's environment for it. */
export async function openTransport(url: string, credentials: RemoteCredentials): Promise<Transport> {
  const kind = remoteKind(url);
  const config: [string, string][] = [
    ['fetch.recurseSubmodules', 'false'],
    ['submodule.recurse', 'false'],
    // Background maintenance would outlive the fetch's time limit and hold the mirror's locks.
    ['gc.auto', '0'],
    ['maintenance.auto', 'false'],
    // No hook runs during a fetch (git runs reference-transaction hooks on ref updates).
    ['core.hooksPath', '/dev/null'],
    // A stalled server is given up on well before the overall time limit.
    ['http.lowSpeedLimit', '1'],
    ['http.lowSpeedTime', '120'],
  ];
  const env: Record<string, string> = { GIT_ALLOW_PROTOCOL: 'https:http:ssh' };
  const secrets: string[] = [];
  let ssh: Awaited<ReturnType<typeof openSshSession>> | undefined;

  if (credentials.kind === 'token') {
    if (kind !== 'http') refuse('An access token works with https:// URLs; SSH URLs take a deploy key');
    if (url.startsWith('http://') && !isLoopbackHttp(url)) {
      refuse('An access token is sent only over https:// (http:// would send it in the clear)');
    }
    const token = String(credentials.token ?? '');
    const user = credentials.username ?? 'git';
    if (token === '' || CONTROL_OR_SPACE.test(token))
      refuse('The access token is empty or has spaces or control characters');
    if (user === '' || CONTROL_OR_SPACE.test(user) || user.includes(':'))
      refuse('The user name is empty or has spaces, control characters or ":"');
    const basic = Buffer.from(`${user}:${token}`).toString('base64');
    config.push(['http.extraHeader', `Authorization: Basic ${basic}`]);
    // A redirect could carry the header to another host: with a token, none is followed.
    config.push(['http.followRedirects', 'false']);
    secrets.push(token, basic, encodeURIComponent(token));
  } else if (credentials.kind === 'ssh') {
    if (kind !== 'ssh')
      refuse('A deploy key works with ssh:// or user@host:path URLs; https:// takes a token');
    ssh = await openSshSession({
      privateKey: credentials.privateKey,
      ...(credentials.knownHosts !== undefined ? { knownHosts: credentials.knownHosts } : {}),
    });
    Object.assign(env, ssh.env);
  } else if (kind === 'ssh') {
    refuse('An SSH repository needs a deploy key');
  } else {
    config.push(['http.followRedirects', 'initial']);
  }

  env['GIT_CONFIG_COUNT'] = String(config.length);
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return {
    env,
    secrets: secrets.filter((s) => s.length >= 4),
    knownHosts: async () => (ssh ? await ssh.knownHosts() : undefined),
    close: async () => {
      await ssh?.close();
    },
  };
}

function refuse(message: string): never {
  throw new BerthError('VALIDATION_FAILED', message);
}

/** `text` with every secret replaced by `***`. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}
