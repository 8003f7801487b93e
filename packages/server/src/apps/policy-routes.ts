// HTTP routes for who may do what with an app: each environment's policy, and the caller's permissions.
import {
  AppCodeSchema,
  AppPermissionsResponseSchema,
  EnvPolicyBodySchema,
  EnvPolicyResponseSchema,
} from '@berth/sdk';
import { Type } from '@sinclair/typebox';
import { type RouteModule, requireActor } from '../http/server.ts';
import type { Apps } from './apps.ts';

const tags = ['permissions'];
const AppParams = Type.Object({ code: AppCodeSchema });
const EnvParams = Type.Object({
  code: AppCodeSchema,
  env: Type.String({ minLength: 1, maxLength: 16, description: 'stag or prod' }),
});

export function policyRoutes(deps: { apps: Apps }): RouteModule {
  const { permissions } = deps.apps;
  return (app) => {
    app.get(
      '/api/v1/apps/:code/permissions',
      {
        schema: {
          tags,
          summary: 'What you may do with the app, per environment (docs/permissions.md)',
          params: AppParams,
          response: { 200: AppPermissionsResponseSchema },
        },
      },
      async (req) => permissions.permissionsOf(requireActor(req), req.params.code),
    );

    app.get(
      '/api/v1/apps/:code/envs/:env/policy',
      {
        schema: {
          tags,
          summary: "An environment's policy: approval, named approvers, narrowed roles",
          params: EnvParams,
          response: { 200: EnvPolicyResponseSchema },
        },
      },
      async (req) => ({
        policy: await permissions.getPolicy(requireActor(req), req.params.code, req.params.env),
      }),
    );

    app.put(
      '/api/v1/apps/:code/envs/:env/policy',
      {
        schema: {
          tags,
          summary: "Change an environment's policy (operators and admins); fields left out keep their value",
          params: EnvParams,
          body: EnvPolicyBodySchema,
          response: { 200: EnvPolicyResponseSchema },
        },
      },
      async (req) => ({
        policy: await permissions.setPolicy(requireActor(req), req.params.code, req.params.env, req.body),
      }),
    );
  };
}
