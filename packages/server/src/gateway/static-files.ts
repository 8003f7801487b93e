// Serves the files of static sites (`runtime: static` releases): routes whose table entry carries a
// `static` root are answered by the gateway itself, in whichever process serves the request (a
// gateway worker or berthd). GET and HEAD only; paths are resolved inside the site root (no `..`,
// no links leading out of it); `Last-Modified` / `If-Modified-Since` revalidation with
// `Cache-Control: no-cache`, so browsers keep their copy while a file is unchanged.
//
// A release's files never change (releases are immutable; a new one gets a new root), so each
// process remembers what a path resolved to, with the file's size and date, and keeps the bytes of
// small files: a repeated request costs no file-system call. Only paths that resolved to a file are
// remembered (not misses, 404 pages or single-page fallbacks: their paths are the client's choice),
// within a bound on entries and on bytes, least recently used out first; `retain` drops the sites
// a new route table no longer lists.
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
  return (await resolveStatic(site, rest))?.file;
}

/** The file for a request path, and whether the path named a directory (served by its index). */
async function resolveStatic(
  site: StaticSite,
  rest: string,
): Promise<{ file: string; directory: boolean } | undefined> {
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
    if (stat.isFile()) return { file: real, directory: i > 0 };
    if (!stat.isDirectory()) return undefined;
    file = path.join(real, site.index);
  }
  return undefined;
}

/**
 * A directory asked for without its trailing slash (`/docs`) is redirected to `/docs/`, as web
 * servers do, so that the index page's relative links resolve inside the directory. The location is
 * the client's own URL (prefix included) with the slash added, leading slashes collapsed to one so
 * that it can never name another host.
 */
function redirectToDirectory(req: IncomingMessage, res: ServerResponse): StaticOutcome {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const pathname = (q < 0 ? url : url.slice(0, q)).replace(/^\/+/, '/');
  res.writeHead(301, {
    location: `${pathname}/${q < 0 ? '' : url.slice(q)}`,
    'content-length': 0,
    'cache-control': 'no-cache',
  });
  res.end();
  return { status: 301, bytes: 0 };
}

/** Limits of a process's cache of static files. */
export interface StaticFilesOptions {
  /** Paths remembered (all sites together). Default 10,000. */
  maxEntries?: number;
  /** Files up to this size are kept in memory; larger ones are streamed from disk. Default 256 KiB. */
  maxFileBytes?: number;
  /** Bytes of file content kept in memory (all sites together). Default 32 MiB. */
  maxBytes?: number;
}

export interface StaticFiles {
  /** Answers a request for `rest` (the path after the app's prefix) from the site's files. */
  serve(site: StaticSite, rest: string, req: IncomingMessage, res: ServerResponse): Promise<StaticOutcome>;
  /** Forgets every site whose root is not in `roots` (after a route table swap). */
  retain(roots: ReadonlySet<string>): void;
  /** Paths remembered and bytes held, for tests and metrics. */
  stats(): { entries: number; bytes: number };
}

interface CachedFile {
  root: string;
  file: string;
  size: number;
  /** Modification time in whole seconds (HTTP dates have no finer grain), as ms. */
  mtimeMs: number;
  lastModified: string;
  contentType: string;
  /** The path named a directory (the file is its index). */
  directory: boolean;
  /** The whole file, when it is small enough to keep. */
  body: Buffer | undefined;
}

export function createStaticFiles(options: StaticFilesOptions = {}): StaticFiles {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxFileBytes = options.maxFileBytes ?? 256 * 1024;
  const maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  /** Key: root, index and the path as requested (query cut off); Map order = recency. */
  const cache = new Map<string, CachedFile>();
  let bytes = 0;

  function forget(key: string, entry: CachedFile): void {
    cache.delete(key);
    bytes -= entry.body?.length ?? 0;
  }

  function remember(key: string, entry: CachedFile): void {
    const old = cache.get(key);
    if (old !== undefined) forget(key, old);
    cache.set(key, entry);
    bytes += entry.body?.length ?? 0;
    for (const [k, e] of cache) {
      if (cache.size <= maxEntries && bytes <= maxBytes) break;
      forget(k, e);
    }
  }

  async function load(site: StaticSite, file: string, directory = false): Promise<CachedFile> {
    const stat = await fs.promises.stat(file);
    const mtimeMs = Math.floor(stat.mtimeMs / 1000) * 1000;
    let body: Buffer | undefined;
    if (stat.size <= maxFileBytes) {
      body = await fs.promises.readFile(file);
      // Changed while being read (not a release file after all): serve it, but from disk.
      if (body.length !== stat.size) body = undefined;
    }
    return {
      root: site.root,
      file,
      size: body?.length ?? stat.size,
      mtimeMs,
      lastModified: new Date(mtimeMs).toUTCString(),
      contentType: TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      directory,
      body,
    };
  }

  function answer(
    entry: CachedFile,
    status: number,
    req: IncomingMessage,
    res: ServerResponse,
  ): StaticOutcome {
    // Revalidation: the browser keeps its copy while the file is unchanged.
    const since = Date.parse(String(req.headers['if-modified-since'] ?? ''));
    if (status === 200 && !Number.isNaN(since) && entry.mtimeMs <= since) {
      res.writeHead(304, { 'last-modified': entry.lastModified, 'cache-control': 'no-cache' });
      res.end();
      return { status: 304, bytes: 0 };
    }
    res.writeHead(status, {
      'content-type': entry.contentType,
      'content-length': entry.size,
      'last-modified': entry.lastModified,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return { status, bytes: 0 };
    }
    if (entry.body !== undefined) {
      res.end(entry.body);
    } else {
      const stream = fs.createReadStream(entry.file);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    }
    return { status, bytes: entry.size };
  }

  return {
    async serve(site, rest, req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return send(res, 405, 'Method Not Allowed\n');
      }
      const q = rest.indexOf('?');
      const pathname = q < 0 ? rest : rest.slice(0, q);
      const key = `${site.root}\0${site.index}\0${pathname}`;
      let entry = cache.get(key);
      if (entry !== undefined) {
        cache.delete(key);
        cache.set(key, entry);
      } else {
        const found = await resolveStatic(site, rest);
        if (found !== undefined) {
          entry = await load(site, found.file, found.directory);
          remember(key, entry);
        }
      }
      if (entry !== undefined) {
        return entry.directory && !pathname.endsWith('/')
          ? redirectToDirectory(req, res)
          : answer(entry, 200, req, res);
      }
      const fallback = site.spa ? await resolveStaticFile(site, '/') : undefined;
      if (fallback !== undefined) return answer(await load(site, fallback), 200, req, res);
      const notFound = await resolveStaticFile(site, '/404.html');
      if (notFound === undefined) return send(res, 404, 'Not Found\n');
      return answer(await load(site, notFound), 404, req, res);
    },
    retain(roots) {
      for (const [key, entry] of cache) if (!roots.has(entry.root)) forget(key, entry);
    },
    stats() {
      return { entries: cache.size, bytes };
    },
  };
}
