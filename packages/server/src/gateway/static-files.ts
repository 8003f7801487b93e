// Serves the files of static sites (`runtime: static` releases): routes whose table entry carries a
// `static` root are answered by the gateway itself, in whichever process serves the request (a
// gateway worker or berthd). GET and HEAD only; `Last-Modified` / `If-Modified-Since` revalidation
// with `Cache-Control: no-cache`, so browsers keep their copy while a file is unchanged.
//
// Files are opened once, by open-static-file.ts (O_NOFOLLOW, fstat, the descriptor's real path
// inside the root, the owner), and never again by name: the app's user may own the tree, and a
// file swapped for a link after it was checked must not be what gets served. Each process
// remembers what a path resolved to: small files as their bytes, larger ones as their verified
// descriptor, which every response for the path reads with positioned reads; the descriptor is
// closed once the entry is evicted and no response reads it any more. A repeated request costs no
// open. Only paths that resolved to a file are remembered (not misses, 404 pages or single-page
// fallbacks: their paths are the client's choice), within bounds on entries, bytes and open
// descriptors, least recently used out first; `retain` drops the sites a new route table no longer
// lists. The root's own real path is taken when a site is first served and kept.
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type { Logger } from '../logger.ts';
import { contentTypeOf } from './content-types.ts';
import { closeFd, type OpenedFile, openStaticFile } from './open-static-file.ts';
import type { StaticSiteSpec } from './route-model.ts';

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

/** The real path of the file a request path (after the app's prefix) is served from, or undefined. */
export async function resolveStaticFile(site: StaticSite, rest: string): Promise<string | undefined> {
  const root = await fs.promises.realpath(site.root).catch(() => undefined);
  if (root === undefined) return undefined;
  const q = rest.indexOf('?');
  const opened = await openStaticFile(site, root, q < 0 ? rest : rest.slice(0, q));
  if (opened.file === undefined) return undefined;
  closeFd(opened.file.fd);
  return opened.file.realPath;
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
  /** Files up to this size are kept in memory; larger ones are read from their descriptor. Default
   *  256 KiB. */
  maxFileBytes?: number;
  /** Bytes of file content kept in memory (all sites together). Default 32 MiB. */
  maxBytes?: number;
  /** Descriptors of larger files kept open (all sites together). Default 256. */
  maxOpenFiles?: number;
  /** Gets a warning for each file refused as tampered with (outside the root, wrong owner, not a
   *  regular file). */
  logger?: Logger;
}

export interface StaticFiles {
  /** Answers a request for `rest` (the path after the app's prefix) from the site's files. */
  serve(site: StaticSite, rest: string, req: IncomingMessage, res: ServerResponse): Promise<StaticOutcome>;
  /** Forgets every site whose root is not in `roots` (after a route table swap). */
  retain(roots: ReadonlySet<string>): void;
  /** Paths remembered, bytes held and descriptors open (cached or still read by a response). */
  stats(): { entries: number; bytes: number; openFiles: number };
}

/** A verified descriptor shared by the cache and the responses reading it. */
interface SharedFd {
  fd: number;
  refs: number;
}

interface CachedFile {
  root: string;
  size: number;
  /** Modification time in whole seconds (HTTP dates have no finer grain), as ms. */
  mtimeMs: number;
  lastModified: string;
  contentType: string;
  /** The path named a directory (the file is its index). */
  directory: boolean;
  /** The whole file, when it is small enough to keep. */
  body: Buffer | undefined;
  /** Otherwise its descriptor. */
  handle: SharedFd | undefined;
}

/** Reads a whole (small) file from its descriptor with positioned reads. */
function readAll(fd: number, size: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(size);
  return new Promise((resolve, reject) => {
    const next = (offset: number) => {
      if (offset >= size) {
        resolve(buffer);
        return;
      }
      fs.read(fd, buffer, offset, size - offset, offset, (err, read) => {
        if (err) reject(err);
        // Shorter than fstat said (not a release file after all): serve what was there.
        else if (read === 0) resolve(buffer.subarray(0, offset));
        else next(offset + read);
      });
    };
    next(0);
  });
}

export function createStaticFiles(options: StaticFilesOptions = {}): StaticFiles {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxFileBytes = options.maxFileBytes ?? 256 * 1024;
  const maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  const maxOpenFiles = options.maxOpenFiles ?? 256;
  const logger = options.logger;
  /** Key: root, index and the path as requested (query cut off); Map order = recency. */
  const cache = new Map<string, CachedFile>();
  /** Each site root's real path, taken when it was first served. */
  const roots = new Map<string, string>();
  let bytes = 0;
  /** Entries holding a descriptor. */
  let cachedFiles = 0;
  /** Descriptors open, cached or not. */
  let openFiles = 0;

  function release(handle: SharedFd): void {
    if (--handle.refs > 0) return;
    openFiles--;
    closeFd(handle.fd);
  }

  function forget(key: string, entry: CachedFile): void {
    cache.delete(key);
    bytes -= entry.body?.length ?? 0;
    if (entry.handle !== undefined) {
      cachedFiles--;
      release(entry.handle);
    }
  }

  function remember(key: string, entry: CachedFile): void {
    const old = cache.get(key);
    if (old !== undefined) forget(key, old);
    cache.set(key, entry);
    bytes += entry.body?.length ?? 0;
    if (entry.handle !== undefined) cachedFiles++;
    for (const [k, e] of cache) {
      const overEntries = cache.size > maxEntries;
      const overBytes = bytes > maxBytes;
      const overFiles = cachedFiles > maxOpenFiles;
      if (!overEntries && !overBytes && !overFiles) break;
      if (overEntries || (overBytes && e.body !== undefined) || (overFiles && e.handle !== undefined)) {
        forget(k, e);
      }
    }
  }

  async function rootOf(site: StaticSite): Promise<string | undefined> {
    let root = roots.get(site.root);
    if (root === undefined) {
      root = await fs.promises.realpath(site.root).catch(() => undefined);
      if (root === undefined) return undefined;
      roots.set(site.root, root);
    }
    return root;
  }

  /** Opens and checks the file a path names; the entry owns one reference to its descriptor. */
  async function load(site: StaticSite, pathname: string): Promise<CachedFile | undefined> {
    const root = await rootOf(site);
    if (root === undefined) return undefined;
    const opened = await openStaticFile(site, root, pathname);
    if (opened.file === undefined) {
      if (opened.refused !== 'not-found' && opened.refused !== 'hidden') {
        logger?.warn({ root: site.root, path: pathname, reason: opened.refused }, 'static file refused');
      }
      return undefined;
    }
    return entryFor(site, opened.file);
  }

  async function entryFor(site: StaticSite, file: OpenedFile): Promise<CachedFile> {
    const mtimeMs = Math.floor(file.mtimeMs / 1000) * 1000;
    let body: Buffer | undefined;
    let handle: SharedFd | undefined;
    if (file.size <= maxFileBytes) {
      try {
        body = await readAll(file.fd, file.size);
      } finally {
        closeFd(file.fd);
      }
    } else {
      handle = { fd: file.fd, refs: 1 };
      openFiles++;
    }
    return {
      root: site.root,
      size: body?.length ?? file.size,
      mtimeMs,
      lastModified: new Date(mtimeMs).toUTCString(),
      contentType: contentTypeOf(file.realPath),
      directory: file.directory,
      body,
      handle,
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
    if (req.method === 'HEAD' || entry.size === 0) {
      res.end();
      return { status, bytes: 0 };
    }
    if (entry.body !== undefined) {
      res.end(entry.body);
    } else {
      const handle = entry.handle!;
      handle.refs++;
      // Positioned reads from the shared descriptor (`start` given): never its file offset.
      const stream = fs.createReadStream('', {
        fd: handle.fd,
        start: 0,
        end: entry.size - 1,
        autoClose: false,
      });
      pipeline(stream, res, () => release(handle));
    }
    return { status, bytes: entry.size };
  }

  /** A file served without being remembered (404 page, single-page fallback). */
  async function answerOnce(
    site: StaticSite,
    pathname: string,
    status: number,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<StaticOutcome | undefined> {
    const entry = await load(site, pathname);
    if (entry === undefined) return undefined;
    try {
      return answer(entry, status, req, res);
    } finally {
      if (entry.handle !== undefined) release(entry.handle);
    }
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
        entry = await load(site, pathname);
        if (entry !== undefined) remember(key, entry);
      }
      if (entry !== undefined) {
        return entry.directory && !pathname.endsWith('/')
          ? redirectToDirectory(req, res)
          : answer(entry, 200, req, res);
      }
      const fallback = site.spa ? await answerOnce(site, '/', 200, req, res) : undefined;
      if (fallback !== undefined) return fallback;
      return (await answerOnce(site, '/404.html', 404, req, res)) ?? send(res, 404, 'Not Found\n');
    },
    retain(kept) {
      for (const [key, entry] of cache) if (!kept.has(entry.root)) forget(key, entry);
      for (const root of roots.keys()) if (!kept.has(root)) roots.delete(root);
    },
    stats() {
      return { entries: cache.size, bytes, openFiles };
    },
  };
}
