// Serves the files of static releases (`runtime: static`) for the gateway, which proxies only.
// GET and HEAD; paths are resolved inside the site root (no `..`, no links leading out of it).
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

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

export interface StaticSite {
  root: string;
  index: string;
  spa: boolean;
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
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

export async function serveStatic(
  site: StaticSite,
  rest: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    send(res, 405, 'Method Not Allowed\n');
    return;
  }
  let file = await resolveStaticFile(site, rest);
  let status = 200;
  if (file === undefined && site.spa) file = await resolveStaticFile(site, '/');
  if (file === undefined) {
    status = 404;
    const notFound = await resolveStaticFile(site, '/404.html');
    if (notFound === undefined) {
      send(res, 404, 'Not Found\n');
      return;
    }
    file = notFound;
  }
  const stat = await fs.promises.stat(file);
  // Revalidation: the browser keeps its copy while the file is unchanged (HTTP dates have seconds).
  const since = Date.parse(String(req.headers['if-modified-since'] ?? ''));
  if (status === 200 && !Number.isNaN(since) && Math.floor(stat.mtimeMs / 1000) * 1000 <= since) {
    res.writeHead(304, { 'last-modified': stat.mtime.toUTCString(), 'cache-control': 'no-cache' });
    res.end();
    return;
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
    return;
  }
  const stream = fs.createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
