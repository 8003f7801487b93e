// The smart-HTTP routes of the hosted repositories, on the API port:
//   GET  /git/{code}.git/info/refs?service=git-upload-pack|git-receive-pack
//   POST /git/{code}.git/git-upload-pack
//   POST /git/{code}.git/git-receive-pack
// (`{code}` without `.git` too). Git authenticates with HTTP basic: the user name and an API token
// as the password. A session cookie is not a credential here: a browser would send it by itself,
// which would make pushes forgeable from any page. Refusals are plain text, which git shows its
// user as `remote: …` lines (401 also names the realm, so git asks for credentials).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BerthError, ERRORS, isBerthError } from '../errors.ts';
import type { Api, RouteModule } from '../http/server.ts';
import type { Actor } from '../identity/actor.ts';
import type { Logger } from '../logger.ts';
import type { GitCall, GitService } from './git-hosting.ts';
import { isRepoCode } from './hosted-repos.ts';

export const GIT_REALM = 'Berth git';

const GIT_BODY_TYPES = ['application/x-git-upload-pack-request', 'application/x-git-receive-pack-request'];
const SERVICES: readonly GitService[] = ['git-upload-pack', 'git-receive-pack'];
/** Git-Protocol header values passed on to git (`version=2`, and colon-separated such pairs). */
const GIT_PROTOCOL = /^[a-z0-9]+=[a-z0-9]+(:[a-z0-9]+=[a-z0-9]+)*$/;

export interface GitRoutesDeps {
  resolveToken(token: string, ip: string): Promise<{ actor: Actor }>;
  /** Authorizes, then answers on the raw response; `onStart` is called once it takes the response. */
  serve(call: GitCall, res: ServerResponse, onStart: () => void): Promise<void>;
  logger: Logger;
}

export function gitHttpRoutes(deps: GitRoutesDeps): RouteModule {
  return async (app: Api) => {
    await app.register(async (scope) => {
      // Git's request bodies stay streams: they go to git as they arrive, counted.
      scope.addContentTypeParser(GIT_BODY_TYPES, (_req, payload, done) => done(null, payload));

      const handle = async (
        req: FastifyRequest,
        reply: FastifyReply,
        endpoint: string,
        service: string | undefined,
      ) => {
        try {
          const code = repoCode((req.params as { repo: string }).repo);
          if (service === undefined || !(SERVICES as readonly string[]).includes(service)) {
            throw new BerthError(
              'VALIDATION_FAILED',
              "Only git's smart HTTP protocol is served (git-upload-pack, git-receive-pack)",
            );
          }
          const actor = await authenticate(req, deps.resolveToken);
          const protocol = req.headers['git-protocol'];
          const call: GitCall = {
            actor,
            code,
            service: service as GitService,
            endpoint,
            method: req.method === 'POST' ? 'POST' : 'GET',
            query: endpoint === 'info/refs' ? `service=${service}` : '',
            contentType: req.headers['content-type'],
            contentEncoding: contentEncoding(req.headers['content-encoding']),
            gitProtocol: typeof protocol === 'string' && GIT_PROTOCOL.test(protocol) ? protocol : undefined,
            remoteAddr: req.ip,
            body: req.method === 'POST' ? ((req.body as IncomingMessage | undefined) ?? null) : null,
          };
          await deps.serve(call, reply.raw, () => reply.hijack());
        } catch (err) {
          if (reply.sent || reply.raw.headersSent) {
            deps.logger.error({ err }, 'git request failed after its answer began');
            reply.raw.destroy();
            return;
          }
          refuse(reply, err, deps.logger);
        }
        return reply;
      };

      scope.get('/git/:repo/info/refs', { schema: { hide: true } }, (req, reply) =>
        handle(req, reply, 'info/refs', (req.query as { service?: string }).service),
      );
      for (const service of SERVICES) {
        scope.post(`/git/:repo/${service}`, { schema: { hide: true } }, (req, reply) =>
          handle(req, reply, service, service),
        );
      }
    });
  };
}

/** `{code}.git` or `{code}`: an app code, else the app does not exist (no store lookup). */
function repoCode(repo: string): string {
  const code = repo.endsWith('.git') ? repo.slice(0, -'.git'.length) : repo;
  if (!isRepoCode(code)) throw new BerthError('APP_NOT_FOUND');
  return code;
}

/** `gzip` (http-backend inflates it) or nothing; another encoding is refused. */
function contentEncoding(value: string | undefined): string | undefined {
  if (value === undefined || value === '' || value === 'identity') return undefined;
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  throw new BerthError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${value} is not supported; use gzip`);
}

/**
 * The actor of HTTP basic credentials: an API token as the password, the token's own user name as
 * the user name. Anything else (no credentials, a session cookie, a bearer token) is a 401.
 */
async function authenticate(
  req: FastifyRequest,
  resolveToken: GitRoutesDeps['resolveToken'],
): Promise<Actor> {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!match)
    throw new BerthError('UNAUTHENTICATED', 'Give your user name and an API token (berth_…) as the password');
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const username = colon < 0 ? decoded : decoded.slice(0, colon);
  const token = colon < 0 ? '' : decoded.slice(colon + 1);
  if (token === '') throw new BerthError('UNAUTHENTICATED', 'Give an API token (berth_…) as the password');
  const { actor } = await resolveToken(token, req.ip);
  if (actor.username !== username) {
    throw new BerthError('TOKEN_INVALID', `${ERRORS.TOKEN_INVALID.message} for user ${username}`);
  }
  return actor;
}

/** A refusal as git shows it: `CODE: message` as plain text (and the realm with a 401). */
function refuse(reply: FastifyReply, err: unknown, logger: Logger): void {
  let error: BerthError;
  if (isBerthError(err)) error = err;
  else {
    logger.error({ err }, 'git request failed');
    error = new BerthError('INTERNAL');
  }
  if (error.status === 401) reply.header('www-authenticate', `Basic realm="${GIT_REALM}", charset="UTF-8"`);
  // A refused POST's body was not read: the connection cannot carry another request.
  if (reply.request.method === 'POST') reply.header('connection', 'close');
  reply.status(error.status).type('text/plain; charset=utf-8').send(`${error.code}: ${error.message}\n`);
}
