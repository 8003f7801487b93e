import {
  AppLogsQuerySchema,
  AppLogsResponseSchema,
  BuildListQuerySchema,
  BuildListResponseSchema,
  DeployCreateQuerySchema,
  DeployListQuerySchema,
  DeployListResponseSchema,
  DeployLogsQuerySchema,
  DeployLogsResponseSchema,
  DeployParamsSchema,
  DeployResponseSchema,
  EngineAppParamsSchema,
  EngineEnvParamsSchema,
  FormationBodySchema,
  GitDeployBodySchema,
  IdempotencyHeadersSchema,
  ImageDeployBodySchema,
  InstanceListResponseSchema,
  PageQuerySchema,
  PromoteBodySchema,
  ReleaseListResponseSchema,
  RollbackBodySchema,
  RunBodySchema,
  type RunFrame,
  RunFrameSchema,
} from '@berth/sdk';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isBerthError } from '../errors.ts';
import { type RouteModule, requireActor } from '../http/server.ts';
import { pageBody } from '../store/keyset.ts';
import type { EngineService } from './engine-service.ts';
import { acceptPackageBodies, withPackageBody } from './package-upload-routes.ts';
import { deployRequestRoutes } from './request-routes.ts';
import type { DeployRequests } from './request-service.ts';

const tags = ['deploys'];

/** `POST …/rollback` and `…/promote` may come without a body: it means `{}`. */
async function emptyBodyIsObject(req: { body: unknown }): Promise<void> {
  if (req.body === undefined || req.body === null) req.body = {};
}
const accepted = { 202: DeployResponseSchema };
const NDJSON_HEADERS = {
  'content-type': 'application/x-ndjson; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function engineRoutes(deps: { engine: EngineService; requests: DeployRequests }): RouteModule {
  const { engine } = deps;
  const requestRoutes = deployRequestRoutes(deps.requests);
  return async (app) => {
    await requestRoutes(app);
    // Package uploads: the body stays a stream (written to disk with its own size limit).
    await app.register(async (plain) => {
      const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
      acceptPackageBodies(scope);
      scope.post(
        '/api/v1/apps/:code/envs/:env/deploys',
        {
          schema: {
            tags,
            summary: 'Deploy a package (.tar.gz or .tar as the raw body): build it and release it',
            params: EngineEnvParamsSchema,
            querystring: DeployCreateQuerySchema,
            headers: IdempotencyHeadersSchema,
            response: accepted,
          },
        },
        async (req, reply) => {
          const actor = requireActor(req);
          const deploy = await withPackageBody(req, reply, (body, contentLength) =>
            engine.deployPackage(actor, req.params.code, req.params.env, body, {
              description: req.query.description,
              contentLength,
              idempotencyKey: req.headers['idempotency-key'],
            }),
          );
          return reply.status(202).send({ deploy });
        },
      );
    });

    app.get(
      '/api/v1/apps/:code/envs/:env/deploys',
      {
        schema: {
          tags,
          summary: 'List the deploys of an environment, newest first',
          params: EngineEnvParamsSchema,
          querystring: DeployListQuerySchema,
          response: { 200: DeployListResponseSchema },
        },
      },
      async (req) =>
        pageBody(
          'deploys',
          await engine.listDeploys(requireActor(req), req.params.code, req.params.env, req.query),
        ),
    );

    app.get(
      '/api/v1/deploys/:id',
      {
        schema: {
          tags,
          summary: 'Get a deploy',
          params: DeployParamsSchema,
          response: { 200: DeployResponseSchema },
        },
      },
      async (req) => ({ deploy: await engine.getDeploy(requireActor(req), req.params.id) }),
    );

    app.get(
      '/api/v1/deploys/:id/logs',
      {
        schema: {
          tags,
          summary: "Read a deploy's log (build output included), after a sequence number",
          params: DeployParamsSchema,
          querystring: DeployLogsQuerySchema,
          response: { 200: DeployLogsResponseSchema },
        },
      },
      async (req) =>
        engine.deployLogs(requireActor(req), req.params.id, {
          after: req.query.after,
          limit: req.query.limit,
        }),
    );

    app.post(
      '/api/v1/deploys/:id/cancel',
      {
        schema: {
          tags,
          summary: 'Cancel a queued or running deploy (the previous release keeps serving)',
          params: DeployParamsSchema,
          response: { 200: DeployResponseSchema },
        },
      },
      async (req) => ({ deploy: await engine.cancelDeploy(requireActor(req), req.params.id) }),
    );

    app.post(
      '/api/v1/apps/:code/envs/:env/deploys/git',
      {
        schema: {
          tags,
          summary:
            'Deploy a branch, tag or commit of the hosted or the external repository: built once, reused when built before',
          params: EngineEnvParamsSchema,
          headers: IdempotencyHeadersSchema,
          body: GitDeployBodySchema,
          response: accepted,
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const deploy = await engine.deploySource(
          actor,
          req.params.code,
          req.params.env,
          { type: 'git', repository: req.body.repository ?? 'hosted', ref: req.body.ref },
          { description: req.body.description, idempotencyKey: req.headers['idempotency-key'] },
        );
        return reply.status(202).send({ deploy });
      },
    );

    app.post(
      '/api/v1/apps/:code/envs/:env/deploys/image',
      {
        schema: {
          tags,
          summary: 'Deploy a prebuilt image (Docker runtime), pinned by its digest in the release',
          params: EngineEnvParamsSchema,
          headers: IdempotencyHeadersSchema,
          body: ImageDeployBodySchema,
          response: accepted,
        },
      },
      async (req, reply) => {
        const deploy = await engine.deploySource(
          requireActor(req),
          req.params.code,
          req.params.env,
          { type: 'image', image: req.body.image },
          { description: req.body.description, idempotencyKey: req.headers['idempotency-key'] },
        );
        return reply.status(202).send({ deploy });
      },
    );

    app.get(
      '/api/v1/apps/:code/builds',
      {
        schema: {
          tags,
          summary: "The app's builds, newest first: what each built, and how often its artifact was reused",
          params: EngineAppParamsSchema,
          querystring: BuildListQuerySchema,
          response: { 200: BuildListResponseSchema },
        },
      },
      async (req) =>
        pageBody('builds', await engine.listBuilds(requireActor(req), req.params.code, req.query)),
    );

    app.get(
      '/api/v1/apps/:code/envs/:env/releases',
      {
        schema: {
          tags,
          summary: 'List the releases of an environment, newest first',
          params: EngineEnvParamsSchema,
          querystring: PageQuerySchema,
          response: { 200: ReleaseListResponseSchema },
        },
      },
      async (req) =>
        pageBody(
          'releases',
          await engine.listReleases(requireActor(req), req.params.code, req.params.env, req.query),
        ),
    );

    app.post(
      '/api/v1/apps/:code/envs/:env/rollback',
      {
        preValidation: emptyBodyIsObject,
        schema: {
          tags,
          summary: 'Roll back to an earlier release (default: the one before the current one); no rebuild',
          params: EngineEnvParamsSchema,
          headers: IdempotencyHeadersSchema,
          body: RollbackBodySchema,
          response: accepted,
        },
      },
      async (req, reply) =>
        reply.status(202).send({
          deploy: await engine.rollback(
            requireActor(req),
            req.params.code,
            req.params.env,
            req.body?.version,
            { idempotencyKey: req.headers['idempotency-key'], emergencyReason: req.body?.emergencyReason },
          ),
        }),
    );

    app.post(
      '/api/v1/apps/:code/promote',
      {
        preValidation: emptyBodyIsObject,
        schema: {
          tags,
          summary: "Promote stag's current release to prod (same artifact, prod's config)",
          params: EngineAppParamsSchema,
          headers: IdempotencyHeadersSchema,
          body: PromoteBodySchema,
          response: accepted,
        },
      },
      async (req, reply) =>
        reply.status(202).send({
          deploy: await engine.promote(requireActor(req), req.params.code, {
            idempotencyKey: req.headers['idempotency-key'],
          }),
        }),
    );

    app.post(
      '/api/v1/apps/:code/envs/:env/restart',
      {
        schema: {
          tags,
          summary: 'Restart every instance, rolling (new instances first)',
          params: EngineEnvParamsSchema,
          response: accepted,
        },
      },
      async (req, reply) =>
        reply
          .status(202)
          .send({ deploy: await engine.restart(requireActor(req), req.params.code, req.params.env) }),
    );

    app.put(
      '/api/v1/apps/:code/envs/:env/formation',
      {
        schema: {
          tags,
          summary: 'Set how many instances of each process type run',
          params: EngineEnvParamsSchema,
          headers: IdempotencyHeadersSchema,
          body: FormationBodySchema,
          response: accepted,
        },
      },
      async (req, reply) =>
        reply.status(202).send({
          deploy: await engine.scale(requireActor(req), req.params.code, req.params.env, req.body.processes, {
            idempotencyKey: req.headers['idempotency-key'],
          }),
        }),
    );

    app.post(
      '/api/v1/apps/:code/envs/:env/stop',
      {
        schema: {
          tags,
          summary: 'Take the environment offline: stop every instance',
          params: EngineEnvParamsSchema,
          response: accepted,
        },
      },
      async (req, reply) =>
        reply
          .status(202)
          .send({ deploy: await engine.stop(requireActor(req), req.params.code, req.params.env) }),
    );

    app.post(
      '/api/v1/apps/:code/envs/:env/start',
      {
        schema: {
          tags,
          summary: 'Bring a stopped environment online again with its current release',
          params: EngineEnvParamsSchema,
          response: accepted,
        },
      },
      async (req, reply) =>
        reply
          .status(202)
          .send({ deploy: await engine.start(requireActor(req), req.params.code, req.params.env) }),
    );

    app.get(
      '/api/v1/apps/:code/envs/:env/instances',
      {
        schema: {
          tags,
          summary: 'List the running instances of an environment, by process type and index',
          params: EngineEnvParamsSchema,
          querystring: PageQuerySchema,
          response: { 200: InstanceListResponseSchema },
        },
      },
      async (req) =>
        pageBody(
          'instances',
          await engine.instances(requireActor(req), req.params.code, req.params.env, req.query),
        ),
    );

    app.get(
      '/api/v1/apps/:code/envs/:env/logs',
      {
        schema: {
          tags,
          summary: 'Read app logs; with follow=true, stream them as NDJSON until the client closes',
          params: EngineEnvParamsSchema,
          querystring: AppLogsQuerySchema,
          response: { 200: AppLogsResponseSchema },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const { code, env } = req.params;
        if (!req.query.follow) return { lines: await engine.logs(actor, code, env, req.query) };
        const controller = new AbortController();
        const lines = await engine.followLogs(actor, code, env, req.query, controller.signal);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, NDJSON_HEADERS);
        res.flushHeaders();
        const close = () => controller.abort();
        req.raw.on('close', close);
        res.on('close', close);
        // A client that left while the stream was being opened: end it now (it counts against the
        // user's stream limit until it ends).
        if (res.destroyed) close();
        try {
          for await (const line of lines) {
            if (controller.signal.aborted) break;
            res.write(`${JSON.stringify(line)}\n`);
          }
        } finally {
          controller.abort();
          res.end();
        }
        return reply;
      },
    );

    app.post(
      '/api/v1/apps/:code/envs/:env/run',
      {
        schema: {
          tags,
          summary:
            "Run a command once in the environment's current release, with its config; streams NDJSON frames (output, then its exit). Closing the connection kills it",
          params: EngineEnvParamsSchema,
          body: RunBodySchema,
          response: {
            200: {
              description:
                'A stream of NDJSON frames, one JSON object per line: output as it comes, then the exit (or an error when it could not start)',
              content: { 'application/x-ndjson': { schema: RunFrameSchema } },
            },
          },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const run = await engine.prepareRun(actor, req.params.code, req.params.env, req.body.command);
        reply.hijack();
        const res = reply.raw;
        const controller = new AbortController();
        // The response's close is the client's leaving (or the answer's end, when nothing is left
        // to kill): the run is killed with everything it started.
        const close = () => controller.abort();
        res.on('close', close);
        // A client that reads slowly holds the command up (the driver waits for the drain).
        const send = (frame: RunFrame): Promise<void> | undefined => {
          if (res.destroyed || res.write(`${JSON.stringify(frame)}\n`)) return undefined;
          return new Promise((resolve) => {
            const done = () => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.on('drain', done);
            res.on('close', done);
          });
        };
        res.writeHead(200, NDJSON_HEADERS);
        res.flushHeaders();
        if (res.destroyed) {
          run.cancel();
          return reply;
        }
        try {
          const exit = await run.start({
            output: (stream, data) => send({ stream, data }),
            signal: controller.signal,
          });
          send({
            exit: exit.code,
            release: run.release,
            ...(exit.signal ? { signal: exit.signal } : {}),
            ...(exit.killed ? { killed: exit.killed } : {}),
          });
        } catch (err) {
          send({
            error: isBerthError(err)
              ? { code: err.code, message: err.message }
              : { code: 'INTERNAL', message: 'Internal error' },
          });
        } finally {
          res.off('close', close);
          res.end();
        }
        return reply;
      },
    );
  };
}
