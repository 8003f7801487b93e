// HTTP routes of the notify module. Thin: schema, service call, reply.
import {
  AppCodeSchema,
  ChannelListResponseSchema,
  ChannelParamsSchema,
  ChannelResponseSchema,
  CreateChannelBodySchema,
  DeliveryListResponseSchema,
  DeliveryResponseSchema,
  PageQuerySchema,
  SubscriptionBodySchema,
  SubscriptionListResponseSchema,
  SubscriptionParamsSchema,
  SubscriptionResponseSchema,
  UpdateChannelBodySchema,
} from '@berth/sdk';
import { Type } from '@sinclair/typebox';
import { noContent, type RouteModule, requireActor } from '../http/server.ts';
import { pageBody } from '../store/keyset.ts';
import type { ChannelOperations } from './channel-service.ts';
import type { SubscriptionService } from './subscription-service.ts';

const tags = ['notifications'];
const AppParams = Type.Object({ code: AppCodeSchema });
const NoContent = Type.Null({ description: 'Done' });

export function notifyRoutes(deps: {
  channels: ChannelOperations;
  subscriptions: SubscriptionService;
}): RouteModule {
  const { channels, subscriptions } = deps;
  return (app) => {
    app.get(
      '/api/v1/channels',
      {
        schema: {
          tags,
          summary:
            'List the notification channels by name (admins see their settings, others id, name and kind)',
          querystring: PageQuerySchema,
          response: { 200: ChannelListResponseSchema },
        },
      },
      async (req) => pageBody('channels', await channels.list(requireActor(req), req.query)),
    );

    app.post(
      '/api/v1/channels',
      {
        schema: {
          tags,
          summary:
            'Add a notification channel: a signed webhook, e-mail over SMTP or a chat robot (admins; audited)',
          body: CreateChannelBodySchema,
          response: { 201: ChannelResponseSchema },
        },
      },
      async (req, reply) =>
        reply.status(201).send({ channel: await channels.create(requireActor(req), req.body) }),
    );

    app.get(
      '/api/v1/channels/:id',
      {
        schema: {
          tags,
          summary: 'Read a notification channel (its settings, masked, for admins)',
          params: ChannelParamsSchema,
          response: { 200: ChannelResponseSchema },
        },
      },
      async (req) => ({ channel: await channels.get(requireActor(req), req.params.id) }),
    );

    app.patch(
      '/api/v1/channels/:id',
      {
        schema: {
          tags,
          summary:
            "Change a channel's name, language, enabled flag or settings; secrets left out stay (admins; audited)",
          params: ChannelParamsSchema,
          body: UpdateChannelBodySchema,
          response: { 200: ChannelResponseSchema },
        },
      },
      async (req) => ({ channel: await channels.update(requireActor(req), req.params.id, req.body) }),
    );

    app.delete(
      '/api/v1/channels/:id',
      {
        schema: {
          tags,
          summary: 'Remove a channel with its subscriptions and delivery history (admins; audited)',
          params: ChannelParamsSchema,
          response: { 204: NoContent },
        },
      },
      async (req, reply) => {
        await channels.remove(requireActor(req), req.params.id);
        return noContent(reply);
      },
    );

    app.post(
      '/api/v1/channels/:id/test',
      {
        schema: {
          tags,
          summary: 'Queue a test notification to the channel (admins); its delivery shows how it went',
          params: ChannelParamsSchema,
          response: { 202: DeliveryResponseSchema },
        },
      },
      async (req, reply) =>
        reply.status(202).send({ delivery: await channels.test(requireActor(req), req.params.id) }),
    );

    app.get(
      '/api/v1/channels/:id/deliveries',
      {
        schema: {
          tags,
          summary: "The channel's deliveries, newest first (admins)",
          params: ChannelParamsSchema,
          querystring: PageQuerySchema,
          response: { 200: DeliveryListResponseSchema },
        },
      },
      async (req) =>
        pageBody('deliveries', await channels.deliveries(requireActor(req), req.params.id, req.query)),
    );

    app.get(
      '/api/v1/apps/:code/subscriptions',
      {
        schema: {
          tags,
          summary: "The app's subscriptions: which events of which environments go to which channel",
          params: AppParams,
          querystring: PageQuerySchema,
          response: { 200: SubscriptionListResponseSchema },
        },
      },
      async (req) =>
        pageBody('subscriptions', await subscriptions.list(requireActor(req), req.params.code, req.query)),
    );

    app.put(
      '/api/v1/apps/:code/subscriptions/:channelId',
      {
        schema: {
          tags,
          summary:
            "Subscribe the app to a channel, or replace the subscription's events and environments (audited)",
          params: SubscriptionParamsSchema,
          body: SubscriptionBodySchema,
          response: { 200: SubscriptionResponseSchema },
        },
      },
      async (req) => ({
        subscription: await subscriptions.put(
          requireActor(req),
          req.params.code,
          req.params.channelId,
          req.body,
        ),
      }),
    );

    app.delete(
      '/api/v1/apps/:code/subscriptions/:channelId',
      {
        schema: {
          tags,
          summary: "End the app's subscription to a channel (audited)",
          params: SubscriptionParamsSchema,
          response: { 204: NoContent },
        },
      },
      async (req, reply) => {
        await subscriptions.remove(requireActor(req), req.params.code, req.params.channelId);
        return noContent(reply);
      },
    );

    app.get(
      '/api/v1/apps/:code/deliveries',
      {
        schema: {
          tags,
          summary: "The app's notification deliveries, newest first, with each one's status and last error",
          params: AppParams,
          querystring: PageQuerySchema,
          response: { 200: DeliveryListResponseSchema },
        },
      },
      async (req) =>
        pageBody('deliveries', await subscriptions.deliveries(requireActor(req), req.params.code, req.query)),
    );
  };
}
