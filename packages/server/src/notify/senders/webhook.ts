// A `webhook` channel: the notification as signed JSON (`Berth-Signature`, see @berth/sdk/webhooks),
// with the delivery id and event type in headers of their own.
import type { WebhookBody } from '@berth/sdk';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhookBody } from '@berth/sdk/webhooks';
import type { OpenConfig } from '../channel-config.ts';
import { postJson } from './http-post.ts';
import type { Sender } from './message.ts';

export const sendWebhook: Sender<Extract<OpenConfig, { kind: 'webhook' }>> = async (
  config,
  message,
  options,
) => {
  const body: WebhookBody = {
    id: message.deliveryId,
    type: message.type,
    ...(message.event ? { event: message.event } : {}),
    title: message.rendered.title,
    text: message.rendered.text,
    language: message.language,
  };
  const raw = JSON.stringify(body);
  await postJson(
    config.url,
    raw,
    {
      [SIGNATURE_HEADER]: signWebhookBody(config.secret, raw, Math.floor(options.now / 1000)),
      [DELIVERY_HEADER]: message.deliveryId,
      [EVENT_HEADER]: message.type,
    },
    options,
  );
};
