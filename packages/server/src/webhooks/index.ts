// The webhooks module: inbound push and tag deliveries from GitHub, GitLab, Gitea and Gogs.

export { DELIVERIES_KEPT } from './delivery-log.ts';
export type { AuthorizeApp, WebhookAction, WebhookAudit } from './deps.ts';
export { webhooksMigrations } from './migrations.ts';
export type { DeliveryAnswer, HookRequest, HookResult, OnWebhookDelivery, WebhookPush } from './receive.ts';
export { HOOK_BODY_LIMIT } from './routes.ts';
export type { WebhooksTables } from './tables.ts';
export type { WebhookService } from './webhook-service.ts';
export { createWebhooks, noDeployTrigger, type Webhooks, type WebhooksDeps } from './webhooks.ts';
