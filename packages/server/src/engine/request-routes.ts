import {
  DecisionBodySchema,
  DeployListResponseSchema,
  DeployParamsSchema,
  DeployResponseSchema,
  EngineEnvParamsSchema,
  RefuseBodySchema,
  RequestCreateBodySchema,
  RequestListQuerySchema,
  RequestPackageQuerySchema,
} from '@berth/sdk';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type RouteModule, requireActor } from '../http/server.ts';
import { pageBody } from '../store/keyset.ts';
import { acceptPackageBodies, withPackageBody } from './package-upload-routes.ts';
import type { DeployRequests } from './request-service.ts';

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
      acceptPackageBodies(scope);
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
          const deploy = await withPackageBody(req, reply, (body, contentLength) =>
            requests.filePackage(actor, req.params.code, req.params.env, body, {
              note: req.query.note,
              notBefore: req.query.notBefore,
              notAfter: req.query.notAfter,
              contentLength,
            }),
          );
          return reply.status(201).send({ deploy });
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
