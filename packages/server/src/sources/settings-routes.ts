// HTTP routes of an app's source settings: the repository, credentials and triggers, the pinned
// manifest, and the git remote of the hosted repository.
import {
  AppCodeSchema,
  GitRemoteSchema,
  ManifestPinBodySchema,
  SourceSettingsResponseSchema,
  SourceSettingsUpdateSchema,
} from '@berth/sdk';
import { Type } from '@sinclair/typebox';
import { type RouteModule, requireActor } from '../http/server.ts';
import type { SourceSettingsService } from './settings-service.ts';

const tags = ['sources'];
const AppParams = Type.Object({ code: AppCodeSchema });

export function sourceSettingsRoutes(deps: { settings: SourceSettingsService }): RouteModule {
  const { settings } = deps;
  return (app) => {
    app.get(
      '/api/v1/apps/:code/source',
      {
        schema: {
          tags,
          summary: "The app's source settings: repository, what a push deploys where, the pinned manifest",
          params: AppParams,
          response: { 200: SourceSettingsResponseSchema },
        },
      },
      async (req) => ({ source: await settings.get(requireActor(req), req.params.code) }),
    );

    app.put(
      '/api/v1/apps/:code/source',
      {
        schema: {
          tags,
          summary:
            'Change the source settings; fields left out keep their value, `external: null` removes the external repository',
          params: AppParams,
          body: SourceSettingsUpdateSchema,
          response: { 200: SourceSettingsResponseSchema },
        },
      },
      async (req) => ({ source: await settings.update(requireActor(req), req.params.code, req.body) }),
    );

    app.put(
      '/api/v1/apps/:code/source/pin',
      {
        schema: {
          tags,
          summary:
            "Pin the app's manifest (operators and admins): a source's berth.yaml may not change the pinned fields",
          params: AppParams,
          body: ManifestPinBodySchema,
          response: { 200: SourceSettingsResponseSchema },
        },
      },
      async (req) => ({ source: await settings.pin(requireActor(req), req.params.code, req.body) }),
    );

    app.delete(
      '/api/v1/apps/:code/source/pin',
      {
        schema: {
          tags,
          summary: 'Remove the manifest pin (operators and admins)',
          params: AppParams,
          response: { 200: SourceSettingsResponseSchema },
        },
      },
      async (req) => ({ source: await settings.unpin(requireActor(req), req.params.code) }),
    );

    app.get(
      '/api/v1/apps/:code/git',
      {
        schema: {
          tags,
          summary:
            "The git remote of the app's hosted repository, and the user name to push with (the password is an API token)",
          params: AppParams,
          response: { 200: GitRemoteSchema },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        const source = await settings.get(actor, req.params.code);
        return { remote: source.hosted.remote, username: actor.username };
      },
    );
  };
}
