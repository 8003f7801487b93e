// HTTP routes for apps, their members and their secret. Thin: schema, service call, reply.
import {
  AddAppMemberBodySchema,
  AppCodeSchema,
  AppLimitsBodySchema,
  AppLimitsResponseSchema,
  AppListQuerySchema,
  AppListResponseSchema,
  AppMemberListResponseSchema,
  AppResponseSchema,
  AppSecretResponseSchema,
  AppSecretRotateResponseSchema,
  CreateAppBodySchema,
  CreateAppResponseSchema,
  PageQuerySchema,
  UpdateAppBodySchema,
} from '@berth/sdk';
import { Type } from '@sinclair/typebox';
import { noContent, type RouteModule, requireActor } from '../http/server.ts';
import { pageBody } from '../store/keyset.ts';
import type { Apps } from './apps.ts';

const tags = ['apps'];
const AppParams = Type.Object({ code: AppCodeSchema });
const MemberParams = Type.Object({
  code: AppCodeSchema,
  username: Type.String({ minLength: 1, maxLength: 64 }),
});
const NoContent = Type.Null({ description: 'Done' });

export function appRoutes(deps: { apps: Apps }): RouteModule {
  const { apps } = deps;
  return (app) => {
    app.get(
      '/api/v1/apps',
      {
        schema: {
          tags,
          summary:
            'List the apps you may read (developers: their own), by code; q keeps those whose code or name contains it',
          querystring: AppListQuerySchema,
          response: { 200: AppListResponseSchema },
        },
      },
      async (req) => pageBody('apps', await apps.list(requireActor(req), req.query)),
    );

    app.post(
      '/api/v1/apps',
      {
        schema: {
          tags,
          summary: 'Create an app with its environments and secret; you become its developer',
          body: CreateAppBodySchema,
          response: { 201: CreateAppResponseSchema },
        },
      },
      async (req, reply) => reply.status(201).send(await apps.create(requireActor(req), req.body)),
    );

    app.get(
      '/api/v1/apps/:code',
      {
        schema: { tags, summary: 'Read an app', params: AppParams, response: { 200: AppResponseSchema } },
      },
      async (req) => ({ app: await apps.get(requireActor(req), req.params.code) }),
    );

    app.patch(
      '/api/v1/apps/:code',
      {
        schema: {
          tags,
          summary:
            'Change the name, description, logo or placement of an app (placement: admins and operators; it applies from the next deploy or restart)',
          params: AppParams,
          body: UpdateAppBodySchema,
          response: { 200: AppResponseSchema },
        },
      },
      async (req) => ({ app: await apps.update(requireActor(req), req.params.code, req.body) }),
    );

    app.delete(
      '/api/v1/apps/:code',
      {
        schema: {
          tags,
          summary: 'Delete an app with its environments, config vars and members',
          params: AppParams,
          response: { 204: NoContent },
        },
      },
      async (req, reply) => {
        await apps.remove(requireActor(req), req.params.code);
        return noContent(reply);
      },
    );

    app.get(
      '/api/v1/apps/:code/secret',
      {
        schema: {
          tags,
          summary: 'Read the app secret (developers of the app, operators, admins; audited)',
          params: AppParams,
          response: { 200: AppSecretResponseSchema },
        },
      },
      async (req) => ({ secret: await apps.getSecret(requireActor(req), req.params.code) }),
    );

    app.post(
      '/api/v1/apps/:code/secret/rotate',
      {
        schema: {
          tags,
          summary:
            'Replace the app secret with a new one; environments that run instances are restarted so none keeps the old one',
          params: AppParams,
          response: { 200: AppSecretRotateResponseSchema },
        },
      },
      async (req) => apps.rotateSecret(requireActor(req), req.params.code),
    );

    app.get(
      '/api/v1/apps/:code/limits',
      {
        schema: {
          tags,
          summary: "Read the app's limits (its instance ceiling)",
          params: AppParams,
          response: { 200: AppLimitsResponseSchema },
        },
      },
      async (req) => ({ limits: await apps.getLimits(requireActor(req), req.params.code) }),
    );

    app.put(
      '/api/v1/apps/:code/limits',
      {
        schema: {
          tags,
          summary: "Set the app's instance ceiling (admins only; audited)",
          params: AppParams,
          body: AppLimitsBodySchema,
          response: { 200: AppLimitsResponseSchema },
        },
      },
      async (req) => ({ limits: await apps.setLimits(requireActor(req), req.params.code, req.body) }),
    );

    app.get(
      '/api/v1/apps/:code/members',
      {
        schema: {
          tags,
          summary: 'List the developers of an app, by username',
          params: AppParams,
          querystring: PageQuerySchema,
          response: { 200: AppMemberListResponseSchema },
        },
      },
      async (req) =>
        pageBody('members', await apps.listMembers(requireActor(req), req.params.code, req.query)),
    );

    app.post(
      '/api/v1/apps/:code/members',
      {
        schema: {
          tags,
          summary:
            'Make a user a developer of an app; the same answer (204) whether or not the user exists or is a member already',
          params: AppParams,
          body: AddAppMemberBodySchema,
          response: { 204: NoContent },
        },
      },
      async (req, reply) => {
        await apps.addMember(requireActor(req), req.params.code, req.body);
        return noContent(reply);
      },
    );

    app.delete(
      '/api/v1/apps/:code/members/:username',
      {
        schema: {
          tags,
          summary: 'Remove a developer from an app',
          params: MemberParams,
          response: { 204: NoContent },
        },
      },
      async (req, reply) => {
        await apps.removeMember(requireActor(req), req.params.code, req.params.username);
        return noContent(reply);
      },
    );
  };
}
