// HTTP routes of the API gateway's declarations, under /api/v1/apigw/. Thin: each hands the request
// to the declarations service, which decides who may do what.
import {
  ApigwComponentListResponseSchema,
  ApigwComponentQuerySchema,
  ApigwExportResponseSchema,
  ApigwSyncBodySchema,
  ApigwSyncResponseSchema,
  ApigwSystemListResponseSchema,
  ApigwSystemParamsSchema,
  ApigwSystemPutBodySchema,
  ApigwSystemPutResponseSchema,
  ApigwSystemResponseSchema,
} from '@berth/sdk';
import { Type } from '@sinclair/typebox';
import { noContent, type RouteModule, requireActor } from '../http/server.ts';
import type { DeclarationsService } from './declarations-service.ts';
import { systemOpenApi } from './system-openapi.ts';

const NoContent = Type.Null({ description: 'Done' });
/** A sync carries a whole directory of system files: more than the API's usual 1 MiB. */
export const SYNC_BODY_LIMIT = 8 * 1024 * 1024;
const tags = ['apigw'];

export function apigwRoutes(deps: { declarations: DeclarationsService; apiUrl: () => string }): RouteModule {
  const { declarations } = deps;
  return (app) => {
    app.post(
      '/api/v1/apigw/sync',
      {
        bodyLimit: SYNC_BODY_LIMIT,
        schema: {
          tags,
          summary: 'Make the systems those of these files, the whole directory (admins, operators; audited)',
          body: ApigwSyncBodySchema,
          response: { 200: ApigwSyncResponseSchema },
        },
      },
      async (req) =>
        declarations.sync(requireActor(req), req.body.files, { dryRun: req.body.dryRun ?? false }),
    );

    app.get(
      '/api/v1/apigw/export',
      {
        schema: {
          tags,
          summary: 'Every system as its canonical YAML file (admins, operators)',
          response: { 200: ApigwExportResponseSchema },
        },
      },
      async (req) => ({ files: await declarations.exportFiles(requireActor(req)) }),
    );

    app.get(
      '/api/v1/apigw/systems',
      {
        schema: {
          tags,
          summary: 'The API gateway systems',
          response: { 200: ApigwSystemListResponseSchema },
        },
      },
      async (req) => ({ items: await declarations.listSystems(requireActor(req)) }),
    );

    app.get(
      '/api/v1/apigw/systems/:name',
      {
        schema: {
          tags,
          summary: 'One system with its components (hidden ones for admins and operators)',
          params: ApigwSystemParamsSchema,
          response: { 200: ApigwSystemResponseSchema },
        },
      },
      async (req) => declarations.getSystem(requireActor(req), req.params.name),
    );

    app.get(
      '/api/v1/apigw/systems/:name/openapi.json',
      {
        schema: {
          tags,
          summary:
            "The system's components as an OpenAPI 3.1 document, for the apps that call them (hidden ones left out)",
          params: ApigwSystemParamsSchema,
          response: {
            200: Type.Object({}, { additionalProperties: true, description: 'An OpenAPI 3.1 document' }),
          },
        },
      },
      async (req) => {
        const { system, components } = await declarations.getSystem(requireActor(req), req.params.name);
        return systemOpenApi(system, components, deps.apiUrl());
      },
    );

    app.put(
      '/api/v1/apigw/systems/:name',
      {
        schema: {
          tags,
          summary: "Add or replace one system from its file's YAML (admins, operators; audited)",
          params: ApigwSystemParamsSchema,
          body: ApigwSystemPutBodySchema,
          response: { 200: ApigwSystemPutResponseSchema },
        },
      },
      async (req) => declarations.putSystem(requireActor(req), req.params.name, req.body.text),
    );

    app.delete(
      '/api/v1/apigw/systems/:name',
      {
        schema: {
          tags,
          summary: 'Remove a system and its components (admins, operators; audited)',
          params: ApigwSystemParamsSchema,
          response: { 204: NoContent },
        },
      },
      async (req, reply) => {
        await declarations.deleteSystem(requireActor(req), req.params.name);
        return noContent(reply);
      },
    );

    app.get(
      '/api/v1/apigw/components',
      {
        schema: {
          tags,
          summary: 'Components of one system or of all, in file order (hidden ones for admins and operators)',
          querystring: ApigwComponentQuerySchema,
          response: { 200: ApigwComponentListResponseSchema },
        },
      },
      async (req) => ({ items: await declarations.listComponents(requireActor(req), req.query) }),
    );
  };
}
