// HTTP routes for an app's environments and config vars.
import {
  AppCodeSchema,
  AppEnvListResponseSchema,
  ConfigChangeResponseSchema,
  ConfigPatchBodySchema,
  ConfigVarListResponseSchema,
  ConfigVarQuerySchema,
  ConfigVarResponseSchema,
  PageQuerySchema,
} from '@berth/sdk';
import { Type } from '@sinclair/typebox';
import { type RouteModule, requireActor } from '../http/server.ts';
import { pageBody } from '../store/keyset.ts';
import type { Apps } from './apps.ts';

const tags = ['config'];
const AppParams = Type.Object({ code: AppCodeSchema });
// The env is checked by the service, so an unknown one gets ENV_NOT_FOUND (404) with its hint.
const EnvName = Type.String({ minLength: 1, maxLength: 16, description: 'stag or prod' });
const EnvParams = Type.Object({ code: AppCodeSchema, env: EnvName });
const VarParams = Type.Object({
  code: AppCodeSchema,
  env: EnvName,
  name: Type.String({ minLength: 1, maxLength: 128 }),
});

export function configRoutes(deps: { apps: Apps }): RouteModule {
  const { apps } = deps;
  return (app) => {
    app.get(
      '/api/v1/apps/:code/envs',
      {
        schema: {
          tags,
          summary: 'List the environments of an app (stag, then prod)',
          params: AppParams,
          querystring: PageQuerySchema,
          response: { 200: AppEnvListResponseSchema },
        },
      },
      async (req) => pageBody('envs', await apps.listEnvs(requireActor(req), req.params.code, req.query)),
    );

    app.get(
      '/api/v1/apps/:code/envs/:env/config',
      {
        schema: {
          tags,
          summary: 'List the config vars of an environment by name (secret values masked)',
          params: EnvParams,
          querystring: PageQuerySchema,
          response: { 200: ConfigVarListResponseSchema },
        },
      },
      async (req) =>
        pageBody(
          'vars',
          await apps.listConfig(requireActor(req), req.params.code, req.params.env, req.query),
        ),
    );

    app.patch(
      '/api/v1/apps/:code/envs/:env/config',
      {
        schema: {
          tags,
          summary:
            'Set and unset config vars, all or nothing; an environment that runs a release gets a config deploy (in the answer)',
          params: EnvParams,
          body: ConfigPatchBodySchema,
          response: { 200: ConfigChangeResponseSchema },
        },
      },
      async (req) => apps.updateConfig(requireActor(req), req.params.code, req.params.env, req.body),
    );

    app.get(
      '/api/v1/apps/:code/envs/:env/config/:name',
      {
        schema: {
          tags,
          summary: 'Read one config var; reveal=true shows a secret value (audited)',
          params: VarParams,
          querystring: ConfigVarQuerySchema,
          response: { 200: ConfigVarResponseSchema },
        },
      },
      async (req) => ({
        var: await apps.getConfigVar(requireActor(req), req.params.code, req.params.env, req.params.name, {
          reveal: req.query.reveal === true,
        }),
      }),
    );
  };
}
