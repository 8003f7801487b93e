// The web console on berthd's own origin: its hashed assets at `/assets/…` and its single page
// (index.html) at `/` and at every other path a browser opens that is not the API's or the apps'
// (deep links: the console's router reads the path), through the router's not-found handler.
//
// The console is a build (packages/console/dist, or BERTH_CONSOLE_DIR): index.html, and assets/ with
// content-hashed names, each with `.gz` and `.br` siblings written at build time. Nothing of a
// request's path reaches the file system: the assets directory is listed once (again only when
// index.html changed, that is the console was rebuilt) into a map from name to file, and a request
// names a key of that map or gets ROUTE_NOT_FOUND. Files are opened with O_NOFOLLOW and checked to
// be regular files on the descriptor, which is what is sent.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BerthError } from '../errors.ts';
import { contentTypeOf } from '../gateway/content-types.ts';
import { ERROR_PAGE_CSP, errorPage, pageLanguage, wantsHtml } from '../gateway/error-page.ts';
import type { Logger } from '../logger.ts';
import { fileEtag } from './file-etag.ts';
import type { RouteModule } from './server.ts';

/** Where `npm run build` puts the console: packages/console/dist of this checkout, from the sources
 *  (packages/server/src/http/) and from the bundle (packages/server/dist/) alike. */
export const BUILT_CONSOLE_DIR = fileURLToPath(
  import.meta.url.endsWith('.ts')
    ? new URL('../../../console/dist', import.meta.url)
    : new URL('../../console/dist', import.meta.url),
);

/** The console's pages: scripts only from its own files (never inline), inline styles allowed (the
 *  component library writes its CSS at run time), images also from apps' logo URLs, calls only to
 *  its own origin, and never framed. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https: http:; " +
  "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; " +
  "object-src 'none'";

/** First path segments that are never console pages: the API, the apps, the downloads, the assets
 *  and the health check answer for themselves (a miss there is ROUTE_NOT_FOUND, in JSON). */
const NOT_CONSOLE = new Set(['api', 't', 'o', 'downloads', 'assets', 'healthz']);

const ASSET_PREFIX = '/assets/';
const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
const OPEN_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
const IMMUTABLE = 'public, max-age=31536000, immutable';

type Coding = 'br' | 'gzip';

interface Asset {
  contentType: string;
  /** The file itself and its pre-compressed siblings, by coding. */
  files: { identity: string } & Partial<Record<Coding, string>>;
}

interface IndexPage {
  /** The file's identity (inode, size, modification time): a rebuilt console is another. */
  key: string;
  raw: Buffer;
  gzip: Buffer;
  etag: string;
}

export interface ConsoleSite {
  /** `GET|HEAD /assets/*`. */
  routes: RouteModule;
  /** For the not-found handler: answers a console page (true), or leaves the request alone. */
  page(req: FastifyRequest, reply: FastifyReply): Promise<boolean>;
}

export function createConsoleSite(deps: { dir: string; logger: Logger }): ConsoleSite {
  const assetsDir = path.join(deps.dir, 'assets');
  const indexFile = path.join(deps.dir, 'index.html');
  let index: IndexPage | null = null;
  let indexKey: string | null = null;
  let listing: Promise<Map<string, Asset>> | undefined;

  /** index.html as it is now (null when there is none), re-read only when it changed. */
  async function loadIndex(): Promise<IndexPage | null> {
    const handle = await openRegular(indexFile);
    if (handle === null) {
      noteIndex(null);
      return null;
    }
    try {
      const stat = await handle.stat();
      const key = `${stat.ino}-${stat.size}-${stat.mtimeMs}`;
      if (index?.key !== key) {
        const raw = await handle.readFile();
        const etag = `"${createHash('sha256').update(raw).digest('base64url').slice(0, 22)}"`;
        index = { key, raw, gzip: gzipSync(raw), etag };
      }
      noteIndex(key);
      return index;
    } finally {
      await handle.close();
    }
  }

  /** A new index.html means a new build: its assets are listed again when next asked for. */
  function noteIndex(key: string | null): void {
    if (key === indexKey) return;
    indexKey = key;
    listing = undefined;
  }

  function assets(): Promise<Map<string, Asset>> {
    listing ??= listAssets(assetsDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT' && err.code !== 'ENOTDIR')
        deps.logger.warn({ err, dir: assetsDir }, "the console's assets cannot be listed");
      return new Map<string, Asset>();
    });
    return listing;
  }

  async function sendAsset(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const name = (req.url.split('?')[0] ?? '').slice(ASSET_PREFIX.length);
    const asset = (await assets()).get(name);
    if (asset === undefined) throw noRoute(req);
    const coding = chooseCoding(req.headers['accept-encoding'], asset);
    const handle = await openRegular(asset.files[coding ?? 'identity']!);
    if (handle === null) throw noRoute(req);
    let streaming = false;
    try {
      const stat = await handle.stat();
      const etag = fileEtag(stat, coding);
      reply.headers({
        'content-type': asset.contentType,
        'cache-control': IMMUTABLE,
        vary: 'Accept-Encoding',
        etag,
        'last-modified': stat.mtime.toUTCString(),
      });
      if (matches(req.headers['if-none-match'], etag)) return reply.status(304).send();
      reply.header('content-length', String(stat.size));
      if (coding) reply.header('content-encoding', coding);
      if (req.method === 'HEAD') return reply.status(200).send();
      streaming = true;
      return reply.status(200).send(handle.createReadStream({ start: 0, autoClose: true }));
    } finally {
      if (!streaming) await handle.close();
    }
  }

  return {
    routes: (app) => {
      // Files, not JSON: outside the OpenAPI document (docs/api.md describes them).
      app.route({
        method: ['GET', 'HEAD'],
        url: `${ASSET_PREFIX}*`,
        schema: { hide: true },
        exposeHeadRoute: false,
        handler: sendAsset,
      });
    },

    async page(req, reply) {
      const pathname = req.url.split('?')[0] ?? '';
      if (!isConsolePage(req.method, pathname, req.headers)) return false;
      const page = await loadIndex();
      if (page === null) {
        if (!wantsHtml(req.headers)) throw new BerthError('CONSOLE_MISSING');
        reply
          .status(503)
          .headers({
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy': ERROR_PAGE_CSP,
            'cache-control': 'no-store',
          })
          .send(errorPage('CONSOLE_MISSING', 503, req.id, pageLanguage(req.headers)));
        return true;
      }
      reply.headers({
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'content-security-policy': CONSOLE_CSP,
        'x-frame-options': 'DENY',
        'referrer-policy': 'same-origin',
        'x-content-type-options': 'nosniff',
        vary: 'Accept-Encoding',
        etag: page.etag,
      });
      if (matches(req.headers['if-none-match'], page.etag)) {
        reply.status(304).send();
        return true;
      }
      const gzip = accepts(req.headers['accept-encoding'], 'gzip');
      if (gzip) reply.header('content-encoding', 'gzip');
      // (A HEAD request gets the same headers; Node.js sends no body with them.)
      reply.status(200).send(gzip ? page.gzip : page.raw);
      return true;
    },
  };
}

/** Whether `dir` holds a built console (its index.html), for berthd's start banner. */
export function consoleBuilt(dir: string): boolean {
  try {
    return fs.lstatSync(path.join(dir, 'index.html')).isFile();
  } catch {
    return false;
  }
}

/** Whether a request no route took is one of the console's pages: `/` always, any other path a
 *  browser navigates to (it prefers HTML) unless its first segment belongs to someone else. */
export function isConsolePage(method: string, pathname: string, headers: IncomingHttpHeaders): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (pathname === '/') return true;
  let first = pathname.split('/', 2)[1] ?? '';
  try {
    first = decodeURIComponent(first);
  } catch {
    return false;
  }
  if (NOT_CONSOLE.has(first.toLowerCase())) return false;
  return wantsHtml(headers);
}

/** The files of the assets directory (not its subdirectories; no links), by the name a request uses.
 *  `x.js.br` and `x.js.gz` are encodings of `x.js`, not names of their own. */
async function listAssets(dir: string): Promise<Map<string, Asset>> {
  const entries = await fs.promises.readdir(dir, { withFileTypes: true });
  const files = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
  const assets = new Map<string, Asset>();
  for (const name of files) {
    const base = name.replace(/\.(br|gz)$/, '');
    if (base !== name && files.has(base)) continue;
    const asset: Asset = { contentType: contentTypeOf(name), files: { identity: path.join(dir, name) } };
    if (files.has(`${name}.br`)) asset.files.br = path.join(dir, `${name}.br`);
    if (files.has(`${name}.gz`)) asset.files.gzip = path.join(dir, `${name}.gz`);
    assets.set(name, asset);
  }
  return assets;
}

/** Opens a regular file without following a link; null when there is none (or it is not one). */
async function openRegular(file: string): Promise<fs.promises.FileHandle | null> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR') return null;
    throw err;
  }
  const stat = await handle.stat().catch(async (err: unknown) => {
    await handle.close();
    throw err;
  });
  if (!stat.isFile()) {
    await handle.close();
    return null;
  }
  return handle;
}

/** The best pre-compressed file the client accepts: br, then gzip; undefined for the file itself. */
function chooseCoding(header: string | string[] | undefined, asset: Asset): Coding | undefined {
  if (asset.files.br !== undefined && accepts(header, 'br')) return 'br';
  if (asset.files.gzip !== undefined && accepts(header, 'gzip')) return 'gzip';
  return undefined;
}

/** Whether an Accept-Encoding header allows `coding` (named, or by `*`, with a weight above 0). */
export function accepts(header: string | string[] | undefined, coding: Coding): boolean {
  if (header === undefined) return false;
  const text = Array.isArray(header) ? header.join(',') : header;
  let named: number | undefined;
  let any: number | undefined;
  for (const part of text.split(',', 32)) {
    const [token, ...params] = part.split(';');
    const name = token!.trim().toLowerCase();
    let weight = 1;
    for (const param of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param);
      if (m) weight = Number(m[1]);
    }
    if (name === coding || (coding === 'gzip' && name === 'x-gzip')) named = Math.max(named ?? 0, weight);
    else if (name === '*') any = weight;
  }
  return (named ?? any ?? 0) > 0;
}

/** Whether If-None-Match names this ETag (or is `*`); weak tags compare by their value. */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}

function noRoute(req: FastifyRequest): BerthError {
  return new BerthError('ROUTE_NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0] ?? ''}`);
}
