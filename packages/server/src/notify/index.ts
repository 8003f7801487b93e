// The notify module: notification channels, per-app subscriptions, durable deliveries, templates.

export { NOTIFY_JOB_KIND } from './deliveries.ts';
export type { AuthorizeApp, NotifyAction, NotifyAudit } from './deps.ts';
export { notifyMigrations } from './migrations.ts';
export type { Notifier } from './notifier.ts';
export { createNotify, type Notify, type NotifyDeps } from './notify.ts';
