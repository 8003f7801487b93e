// Tables owned by the notify module. Times are epoch milliseconds, booleans 0/1, JSON is text.
import type { Selectable } from 'kysely';

/** A notification channel an admin configured. */
export interface NotifyChannelsTable {
  id: string;
  /** Unique. */
  name: string;
  /** webhook | email | robot */
  kind: string;
  /** en | zh-CN */
  language: string;
  enabled: number;
  /** JSON of the settings that are not secret (email: host, port, security, ca, username, from, to;
   *  robot: flavour). */
  settings: string;
  /** The webhook's or robot's URL (robot URLs carry an access token), sealed with the context
   *  `channel:{id}:url`; null for email. */
  url_sealed: string | null;
  /** The URL as shown: scheme, host and port. */
  url_masked: string | null;
  /** The webhook's signing secret, the robot's, or the SMTP password, sealed with the context
   *  `channel:{id}:secret`; null when there is none. */
  secret_sealed: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}

/** An app's subscription to a channel: which events of which environments it hears about. */
export interface NotifySubscriptionsTable {
  app_code: string;
  channel_id: string;
  /** JSON array of NotifyEventType. */
  events: string;
  /** JSON array of env names. */
  envs: string;
  created_by: string;
  created_at: number;
  updated_at: number;
}

/** One notification to one channel; its job sends it. */
export interface NotifyDeliveriesTable {
  id: string;
  /** Null for a channel test. */
  app_code: string | null;
  channel_id: string;
  /** A NotifyEventType, or `test`. */
  event_type: string;
  env: string | null;
  /** JSON of the NotifyEvent (for a test: who asked, and when). */
  event: string;
  /** pending | retrying | sent | failed */
  status: string;
  attempts: number;
  last_error: string | null;
  job_id: string;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

export interface NotifyTables {
  notify_channels: NotifyChannelsTable;
  notify_subscriptions: NotifySubscriptionsTable;
  notify_deliveries: NotifyDeliveriesTable;
}

export type ChannelRow = Selectable<NotifyChannelsTable>;
export type SubscriptionRow = Selectable<NotifySubscriptionsTable>;
export type DeliveryRow = Selectable<NotifyDeliveriesTable>;
