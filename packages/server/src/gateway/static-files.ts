// Serves the files of static sites (`runtime: static` releases): routes whose table entry carries a
// `static` root are answered by the gateway itself, in whichever process serves the request (a
// gateway worker or berthd). GET and HEAD only; paths are resolved inside the site root (no `..`,
// no links leading out of it); `Last-Modified` / `If-Modified-Since` revalidation with
// `Cache-Control: no-cache`, so browsers keep their copy while a file is unchanged.
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { StaticSiteSpec } from './route-table.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.xml': 'application/xml',
  '.pdf': 'application/pdf',
};

export type StaticSite = Readonly<StaticSiteSpec>;

/** What a static answer was, for the access log and the counters. */
export interface StaticOutcome {
  status: number;
  /** Body bytes sent (the file size for a whole file). */
  bytes: number;
}

function send(res: ServerResponse, status: number, body: string): StaticOutcome {
  const length = Buffer.byteLength(body);
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': length,
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
  return { status, bytes: length };
}

/** Finds the file for a request path (the part after the app's prefix), or undefined. */
export async function resolveStaticFile(site: StaticSite, rest: string): Promise<string | undefined> {
  let pathname = rest.split('?', 1)[0] ?? '/';
  try {
    pathname = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0')) return undefined;
  const parts = pathname.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return undefined;
  let file = path.join(site.root, ...parts);
  const root = await fs.promises.realpath(site.root).catch(() => undefined);
  if (root === undefined) return undefined;
  for (let i = 0; i < 2; i++) {
    const real = await fs.promises.realpath(file).catch(() => undefined);
    if (real === undefined) return undefined;
    if (real !== root && !real.startsWith(root + path.sep)) return undefined;
    const stat = await fs.promises.stat(real);
    if (stat.isFile()) return real;
    if (!stat.isDirectory()) return undefined;
    file = path.join(real, site.index);
  }
  return undefined;
}

/** Answers a request for `rest` (the path after the app's prefix) from the site's files. */
export async function serveStatic(
  site: StaticSite,
  rest: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<StaticOutcome> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, 'Method Not Allowed\n');
  }
  let file = await resolveStaticFile(site, rest);
  let status = 200;
  if (file === undefined && site.spa) file = await resolveStaticFile(site, '/');
  if (file === undefined) {
    status = 404;
    const notFound = await resolveStaticFile(site, '/404.html');
    if (notFound === undefined) return send(res, 404, 'Not Found\n');
    file = notFound;
  }
  const stat = await fs.promises.stat(file);
  // Revalidation: the browser keeps its copy while the file is unchanged (HTTP dates have seconds).
  const since = Date.parse(String(req.headers['if-modified-since'] ?? ''));
  if (status === 200 && !Number.isNaN(since) && Math.floor(stat.mtimeMs / 1000) * 1000 <= since) {
    res.writeHead(304, { 'last-modified': stat.mtime.toUTCString(), 'cache-control': 'no-cache' });
    res.end();
    return { status: 304, bytes: 0 };
  }
  res.writeHead(status, {
    'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': stat.size,
    'last-modified': stat.mtime.toUTCString(),
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return { status, bytes: 0 };
  }
  const stream = fs.createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
  return { status, bytes: stat.size };
}
