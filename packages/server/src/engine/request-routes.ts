// HTTP routes of deploy requests: file (JSON or a raw package), list, read, approve, refuse, withdraw.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import {
  DecisionBodySchema,
  DeployListResponseSchema,
  DeployParamsSchema,
  DeployResponseSchema,
  EngineEnvParamsSchema,
  PACKAGE_CONTENT_TYPES,
  RefuseBodySchema,
  RequestCreateBodySchema,
  RequestListQuerySchema,
  RequestPackageQuerySchema,
} from '@berth/sdk';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { BerthError } from '../errors.ts';
import { type RouteModule, requireActor } from '../http/server.ts';
import { pageBody } from '../store/keyset.ts';
import type { DeployRequests } from './deploy-requests.ts';

const tags = ['requests'];
const created = { 201: DeployResponseSchema };
const ok = { 200: DeployResponseSchema };

/** `POST …/approve` and `…/withdraw` may come without a body: it means `{}`. */
async function emptyBodyIsObject(req: { body: unknown }): Promise<void> {
  if (req.body === undefined || req.body === null) req.body = {};
}

export function deployRequestRoutes(requests: DeployRequests): RouteModule {
  return async (app) => {
    await app.register(async (plain) => {
      const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
      scope.addContentTypeParser([...PACKAGE_CONTENT_TYPES], (_req, payload, done) => done(null, payload));
      scope.post(
        '/api/v1/apps/:code/envs/:env/requests/package',
        {
          schema: {
            tags,
            summary: 'Ask for a package (.tar.gz or .tar as the raw body) to be deployed once approved',
            params: EngineEnvParamsSchema,
            querystring: RequestPackageQuerySchema,
            response: created,
          },
        },
        async (req, reply) => {
          const actor = requireActor(req);
          const raw = req.body as IncomingMessage | undefined;
          const body = raw === undefined ? Readable.from([]) : raw;
          if (!(body instanceof Readable)) {
            throw new BerthError(
              'UNSUPPORTED_MEDIA_TYPE',
              `Send the package as the raw body (${PACKAGE_CONTENT_TYPES.join(', ')})`,
            );
          }
          const length = Number(req.headers['content-length']);
          try {
            const deploy = await requests.filePackage(actor, req.params.code, req.params.env, body, {
              note: req.query.note,
              notBefore: req.query.notBefore,
              notAfter: req.query.notAfter,
              contentLength: Number.isFinite(length) ? length : undefined,
            });
            return reply.status(201).send({ deploy });
          } catch (err) {
            if (!body.readableEnded) reply.header('connection', 'close');
            throw err;
          }
        },
      );
    });

    app.post(
      '/api/v1/apps/:code/envs/:env/requests',
      {
        schema: {
          tags,
          summary: 'Ask for a promotion (to prod) or a rollback, deployed once approved',
          params: EngineEnvParamsSchema,
          body: RequestCreateBodySchema,
          response: created,
        },
      },
      async (req, reply) =>
        reply.status(201).send({
          deploy: await requests.file(requireActor(req), req.params.code, req.params.env, req.body),
        }),
    );

    app.get(
      '/api/v1/requests',
      {
        schema: {
          tags,
          summary: 'List deploy requests you may see, newest first (filter: pending, to-approve, mine)',
          querystring: RequestListQuerySchema,
          response: { 200: DeployListResponseSchema },
        },
      },
      async (req) => pageBody('deploys', await requests.list(requireActor(req), req.query)),
    );

    app.get(
      '/api/v1/requests/:id',
      {
        schema: { tags, summary: 'Get a deploy request', params: DeployParamsSchema, response: ok },
      },
      async (req) => ({ deploy: await requests.get(requireActor(req), req.params.id) }),
    );

    app.post(
      '/api/v1/requests/:id/approve',
      {
        preValidation: emptyBodyIsObject,
        schema: {
          tags,
          summary: "Approve someone else's request: it starts at once, or when its window opens",
          params: DeployParamsSchema,
          body: DecisionBodySchema,
          response: ok,
        },
      },
      async (req) => ({
        deploy: await requests.approve(requireActor(req), req.params.id, req.body?.reason),
      }),
    );

    app.post(
      '/api/v1/requests/:id/refuse',
      {
        schema: {
          tags,
          summary: "Refuse someone else's request, saying why; nothing is deployed",
          params: DeployParamsSchema,
          body: RefuseBodySchema,
          response: ok,
        },
      },
      async (req) => ({ deploy: await requests.refuse(requireActor(req), req.params.id, req.body.reason) }),
    );

    app.post(
      '/api/v1/requests/:id/withdraw',
      {
        preValidation: emptyBodyIsObject,
        schema: {
          tags,
          summary: 'Withdraw your own request before it starts; nothing is deployed',
          params: DeployParamsSchema,
          body: DecisionBodySchema,
          response: ok,
        },
      },
      async (req) => ({
        deploy: await requests.withdraw(requireActor(req), req.params.id, req.body?.reason),
      }),
    );
  };
}
