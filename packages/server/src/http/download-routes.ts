// `GET /downloads/berth-cli.tgz`: the `@berth/cli` package (what `npm pack -w packages/cli` makes),
// so that a workstation installs the CLI from its own Berth with `npm install -g URL`, without the
// server's checkout or a registry. No login: the package holds no secret, and a new user needs it
// before they have a token.
//
// The file is Berth's own (scripts/build.mjs writes it beside berthd's bundle, or BERTH_CLI_PACKAGE
// names it), never app-writable; it is still opened once per request, checked and streamed from
// that descriptor, so that what is described (size, ETag) is what is sent.
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { BerthError, ERRORS } from '../errors.ts';
import { fileEtag } from './file-etag.ts';
import type { RouteModule } from './server.ts';

export const CLI_PACKAGE_ROUTE = '/downloads/berth-cli.tgz';

/** Where `npm start` puts the package: beside the bundle (packages/server/dist/berth-cli.tgz); run
 *  from the sources, the same dist directory, written by `npm run build`. */
export const BUILT_CLI_PACKAGE = fileURLToPath(
  import.meta.url.endsWith('.ts')
    ? new URL('../../dist/berth-cli.tgz', import.meta.url)
    : new URL('./berth-cli.tgz', import.meta.url),
);

export function downloadRoutes(deps: { cliPackage: string | undefined }): RouteModule {
  const file = deps.cliPackage ?? BUILT_CLI_PACKAGE;
  return (app) => {
    // Outside the API's OpenAPI document (a file, not JSON); docs/api.md describes it.
    app.get(CLI_PACKAGE_ROUTE, { schema: { hide: true }, exposeHeadRoute: false }, async (req, reply) => {
      const opened = await openPackage(file);
      reply.headers(opened.headers);
      if (req.headers['if-none-match'] === opened.headers.etag) {
        await opened.handle.close();
        return reply.status(304).send();
      }
      return reply.status(200).send(opened.handle.createReadStream({ start: 0, autoClose: true }));
    });
    // HEAD answers GET's headers without reading the file (Fastify's own HEAD route would).
    app.head(CLI_PACKAGE_ROUTE, { schema: { hide: true } }, async (_req, reply) => {
      const opened = await openPackage(file);
      await opened.handle.close();
      return reply.headers(opened.headers).status(200).send();
    });
  };
}

async function openPackage(
  file: string,
): Promise<{ handle: fs.FileHandle; headers: Record<string, string> }> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missing(file);
    throw err;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw missing(file);
    return {
      handle,
      headers: {
        'content-type': 'application/gzip',
        'content-length': String(stat.size),
        'content-disposition': 'attachment; filename="berth-cli.tgz"',
        // A rebuilt package is a new file: its size and modification time tell it apart.
        etag: fileEtag(stat),
        'last-modified': stat.mtime.toUTCString(),
        'cache-control': 'no-cache',
      },
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

function missing(file: string): BerthError {
  return new BerthError('CLI_PACKAGE_MISSING', `${ERRORS.CLI_PACKAGE_MISSING.message} (looked for ${file})`);
}
