// A tiny git smart-HTTP server for the fetch tests: node:http on 127.0.0.1 that requires HTTP basic
// auth and runs git's own `git http-backend` as a CGI program for the repositories under one
// directory. It also records each request (method, path, whether it carried the right
// credentials), and can answer with a redirect, so that tests can see what the client sent where.
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gitEnvironment } from '../../../src/git/run-git.ts';

export interface GitHttpServer {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: { method: string; path: string; authorized: boolean; authorization: string | undefined }[];
  /** Paths (e.g. '/moved.git/info/refs') answered with a 302 to `location`. */
  redirects: Map<string, string>;
  close(): Promise<void>;
}

export async function startGitHttpServer(o: {
  projectRoot: string;
  username: string;
  token: string;
  /** Extra git config for http-backend (`uploadpack.allowAnySHA1InWant`...). */
  config?: Record<string, string>;
}): Promise<GitHttpServer> {
  const expected = `Basic ${Buffer.from(`${o.username}:${o.token}`).toString('base64')}`;
  const requests: GitHttpServer['requests'] = [];
  const redirects = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const authorized = req.headers.authorization === expected;
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      authorized,
      authorization: req.headers.authorization,
    });
    const redirect = redirects.get(url.pathname);
    if (redirect) {
      res.writeHead(302, { location: `${redirect}${url.search}` }).end();
      return;
    }
    if (!authorized) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end('unauthorized\n');
      return;
    }
    const config = Object.entries(o.config ?? {});
    const child = spawn('git', ['http-backend'], {
      env: gitEnvironment({
        GIT_PROJECT_ROOT: o.projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: o.username,
        REMOTE_ADDR: '127.0.0.1',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
        GIT_CONFIG_COUNT: String(config.length),
        ...Object.fromEntries(
          config.flatMap(([k, v], i) => [
            [`GIT_CONFIG_KEY_${i}`, k],
            [`GIT_CONFIG_VALUE_${i}`, v],
          ]),
        ),
      }),
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(child.stdin);
    child.stdin.on('error', () => {});
    relayCgi(child.stdout, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    redirects,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Turns a CGI response (headers, a blank line, the body) into the HTTP response. */
function relayCgi(stdout: NodeJS.ReadableStream, res: http.ServerResponse): void {
  let head = Buffer.alloc(0);
  let started = false;
  stdout.on('data', (chunk: Buffer) => {
    if (started) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const crlf = head.indexOf('\r\n\r\n');
    const lf = head.indexOf('\n\n');
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
    if (end < 0) return;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'status') status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    started = true;
    res.write(head.subarray(end));
  });
  stdout.on('end', () => {
    if (!started) res.writeHead(502);
    res.end();
  });
}
