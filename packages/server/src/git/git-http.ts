// Serving one smart-HTTP request with git's own `git http-backend`, run as a CGI child with an
// argument array and a clean environment: the request body is piped to it with a byte counter, its
// CGI headers are read and turned into the HTTP response, its body streamed to the client.
//
// Ending a request early ends git's input (EOF), never kills git first: git then fails the transfer
// itself ("early EOF") and removes the push's quarantine, where a killed git would leave it behind.
// Only git that outlives its time is terminated (SIGTERM, which git also cleans up after, then
// SIGKILL).
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { ERRORS } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { spawnGit, stderrTail } from './run-git.ts';

/** Most bytes of CGI headers read before the body starts. */
const MAX_CGI_HEADER_BYTES = 64 * 1024;
/** Time git gets after SIGTERM before SIGKILL. */
const TERM_GRACE_MS = 5_000;

export interface CgiRequest {
  method: 'GET' | 'POST';
  /** `/{code}.git/info/refs`, `/{code}.git/git-receive-pack`… (below GIT_PROJECT_ROOT). */
  pathInfo: string;
  /** `service=git-upload-pack`, or empty. */
  query: string;
  contentType?: string | undefined;
  /** `gzip` when the client compressed the body (http-backend inflates it). */
  contentEncoding?: string | undefined;
  /** The client's Git-Protocol header (protocol v2), already checked. */
  gitProtocol?: string | undefined;
  remoteUser: string;
  remoteAddr: string;
  body: Readable | null;
}

export interface CgiOptions {
  projectRoot: string;
  /** Added to git's environment: the hardened config, the hook bridge's variables. */
  env: Record<string, string>;
  /** Most request body bytes (as sent, before inflating); beyond: 413 and nothing stored. */
  maxBodyBytes: number;
  /** Time one request's git may run (a push includes its hooks: builds and deploys). */
  timeoutMs: number;
  logger: Logger;
}

export interface CgiRun {
  /** Settles when git has exited and the response is done. */
  done: Promise<void>;
  /** Terminates git (berthd closing). */
  terminate(): void;
}

/** Runs `git http-backend` for `request`, answering on `res` (which nobody else writes). */
export function runHttpBackend(request: CgiRequest, res: ServerResponse, options: CgiOptions): CgiRun {
  const env: Record<string, string> = {
    ...options.env,
    GIT_PROJECT_ROOT: options.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: request.pathInfo,
    REQUEST_METHOD: request.method,
    QUERY_STRING: request.query,
    REMOTE_USER: request.remoteUser,
    REMOTE_ADDR: request.remoteAddr,
    ...(request.contentType ? { CONTENT_TYPE: request.contentType } : {}),
    ...(request.contentEncoding ? { HTTP_CONTENT_ENCODING: request.contentEncoding } : {}),
    ...(request.gitProtocol ? { HTTP_GIT_PROTOCOL: request.gitProtocol } : {}),
  };
  const { child, kill } = spawnGit(['http-backend'], {
    env,
    timeoutMs: options.timeoutMs + TERM_GRACE_MS,
  });
  let stderr = '';
  let finished = false;
  /** Set once the response is lost to us (the client went away, the push was over its limit). */
  let abandoned = false;
  let headersSent = false;
  let tooLarge = false;
  let termTimer: NodeJS.Timeout | undefined;

  const terminate = () => {
    if (finished || child.pid === undefined || termTimer !== undefined) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // gone already
    }
    termTimer = setTimeout(kill, TERM_GRACE_MS);
    termTimer.unref();
  };
  const timeout = setTimeout(terminate, options.timeoutMs);
  timeout.unref();

  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    if (stderr.length > 64 * 1024) stderr = stderr.slice(-32 * 1024);
  });
  child.stdin.on('error', () => {}); // git may exit before reading all of its input

  const endInput = () => {
    request.body?.unpipe(child.stdin);
    child.stdin.end();
  };

  // The client going away before the answer is complete: git's input ends, its output is dropped.
  res.once('close', () => {
    if (!res.writableFinished) {
      abandoned = true;
      endInput();
      child.stdout.resume();
    }
  });

  if (request.body) {
    let bytes = 0;
    request.body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > options.maxBodyBytes && !tooLarge) {
        tooLarge = true;
        endInput();
        request.body?.pause();
        if (!headersSent) {
          abandoned = true;
          headersSent = true;
          const message = `PAYLOAD_TOO_LARGE: ${ERRORS.PAYLOAD_TOO_LARGE.message}: a push may send at most ${options.maxBodyBytes} bytes\n`;
          res.writeHead(413, {
            'content-type': 'text/plain; charset=utf-8',
            'content-length': Buffer.byteLength(message),
            connection: 'close',
            'x-content-type-options': 'nosniff',
          });
          res.end(message);
        } else {
          abandoned = true;
          res.destroy();
        }
      }
    });
    request.body.pipe(child.stdin);
    request.body.once('error', endInput);
  } else {
    child.stdin.end();
  }

  // The CGI's answer: headers up to a blank line, then the body, which starts the HTTP response
  // (not the headers: until git sends a body byte a refusal such as 413 can still be answered).
  let head = Buffer.alloc(0);
  let status = 200;
  let headers: Record<string, string> | undefined;
  const startResponse = () => {
    if (headersSent) return;
    headersSent = true;
    res.writeHead(status, { ...headers, 'x-content-type-options': 'nosniff' });
  };
  child.stdout.on('data', (chunk: Buffer) => {
    if (abandoned) return;
    if (headers === undefined) {
      head = Buffer.concat([head, chunk]);
      const parsed = parseCgiHead(head);
      if (parsed === undefined) {
        if (head.length > MAX_CGI_HEADER_BYTES) {
          abandoned = true;
          failResponse(res, headersSent);
          terminate();
        }
        return;
      }
      status = parsed.status;
      headers = parsed.headers;
      chunk = parsed.rest;
      if (chunk.length === 0) return;
    }
    startResponse();
    if (!res.write(chunk)) {
      child.stdout.pause();
      res.once('drain', () => child.stdout.resume());
    }
  });

  const done = new Promise<void>((resolve) => {
    const exited = (code: number | null, signal: NodeJS.Signals | null) => {
      finished = true;
      clearTimeout(timeout);
      if (termTimer !== undefined) clearTimeout(termTimer);
      if ((code !== 0 || signal !== null) && !tooLarge) {
        options.logger.warn(
          { code, signal, path: request.pathInfo, stderr: stderrTail(stderr) },
          'git http-backend failed',
        );
      }
      if (!abandoned) {
        if (headers === undefined) failResponse(res, headersSent);
        else {
          startResponse();
          res.end();
        }
      }
      resolve();
    };
    child.once('close', exited);
    child.once('error', (err) => {
      options.logger.error({ err }, 'git http-backend did not start');
      exited(null, null);
    });
  });
  return { done, terminate };
}

/** The CGI head (`Status: 404 Not Found`, `Content-Type: …`, blank line) when complete. */
export function parseCgiHead(
  buffer: Buffer,
): { status: number; headers: Record<string, string>; rest: Buffer } | undefined {
  let end = buffer.indexOf('\r\n\r\n');
  let skip = 4;
  const lf = buffer.indexOf('\n\n');
  if (lf >= 0 && (end < 0 || lf < end)) {
    end = lf;
    skip = 2;
  }
  if (end < 0) return undefined;
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of buffer.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') {
      const code = Number.parseInt(value, 10);
      if (code >= 100 && code <= 599) status = code;
    } else if (name !== 'connection' && name !== 'transfer-encoding' && /^[a-z0-9-]+$/.test(name)) {
      headers[name] = value;
    }
  }
  return { status, headers, rest: buffer.subarray(end + skip) };
}

function failResponse(res: ServerResponse, headersSent: boolean): void {
  if (headersSent) {
    res.destroy();
    return;
  }
  const message = `INTERNAL: ${ERRORS.INTERNAL.message}: git did not answer\n`;
  res.writeHead(500, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(message),
  });
  res.end(message);
}
